"""Recognition with one appeal, services, referrals refused without consent, access to cases by owner or assignee."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dfi_casos import scope
from dfi_casos.auth.models import Role
from dfi_casos.cases import lists
from dfi_casos.cases import services as cases
from dfi_casos.cases.models import Case, RecognitionStatus
from dfi_casos.cases.workflow import CaseError, ConsentMissing, NotPermitted, RecognitionNotAllowed
from dfi_casos.catalogs.enums import AssistanceType, RecognitionDecision, ReferralStatus, ServiceStatus
from dfi_casos.database import local_today
from dfi_casos.registry.models import Household, Person
from tests import factories

GRO, CHIS = "12", "07"
NOT = RecognitionDecision.NOT_RECOGNIZED


@pytest.fixture
def people(db):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    return {
        "owner": owner,
        "sup1": factories.make_user(db, Role.SUPERVISOR, [GRO]),
        "sup2": factories.make_user(db, Role.SUPERVISOR, [GRO]),
        "case": factories.make_case(db, owner, GRO),
    }


def test_supervisor_recognizes_a_submitted_intake_with_a_reason(db, people):
    case = people["case"]
    cases.submit_intake(db, people["owner"], case, "Huyeron por amenazas")
    assert case.recognition_status == RecognitionStatus.SUBMITTED
    with pytest.raises(RecognitionNotAllowed, match="motivo"):
        cases.decide_recognition(db, people["sup1"], case, RecognitionDecision.RECOGNIZED, " ")
    cases.decide_recognition(db, people["sup1"], case, RecognitionDecision.RECOGNIZED, "Cumple la definición")
    assert case.recognition_status == RecognitionStatus.RECOGNIZED
    assert case.recognition.decided_by_id == people["sup1"].id


def test_caseworker_cannot_decide_recognition(db, people):
    case = people["case"]
    cases.submit_intake(db, people["owner"], case, "Resumen")
    with pytest.raises(NotPermitted):
        cases.decide_recognition(db, people["owner"], case, RecognitionDecision.RECOGNIZED, "Yo mismo")


def test_supervisor_who_submitted_the_intake_does_not_decide_it(db, people):
    case = people["case"]
    cases.submit_intake(db, people["sup1"], case, "Resumen")
    with pytest.raises(RecognitionNotAllowed):
        cases.decide_recognition(db, people["sup1"], case, RecognitionDecision.RECOGNIZED, "Propio")


def test_one_appeal_decided_by_a_different_supervisor(db, people):
    case = people["case"]
    cases.submit_intake(db, people["owner"], case, "Resumen")
    cases.decide_recognition(db, people["sup1"], case, NOT, "Sin elementos")
    cases.appeal(db, people["owner"], case, "Hay nuevas pruebas")
    assert case.recognition_status == RecognitionStatus.APPEALED
    with pytest.raises(RecognitionNotAllowed, match="distinto"):
        cases.decide_appeal(db, people["sup1"], case, RecognitionDecision.RECOGNIZED, "Me corrijo")
    cases.decide_appeal(db, people["sup2"], case, NOT, "Se confirma")
    assert case.recognition_status == RecognitionStatus.NOT_RECOGNIZED
    with pytest.raises(RecognitionNotAllowed, match="solo hay uno"):
        cases.appeal(db, people["owner"], case, "Otra vez")


def test_a_recognized_case_cannot_be_appealed(db, people):
    case = people["case"]
    cases.submit_intake(db, people["owner"], case, "Resumen")
    cases.decide_recognition(db, people["sup1"], case, RecognitionDecision.RECOGNIZED, "Cumple")
    with pytest.raises(RecognitionNotAllowed):
        cases.appeal(db, people["owner"], case, "No aplica")


def test_assistance_is_recorded_before_any_recognition(db, people):
    case = people["case"]
    service = cases.add_service(db, people["owner"], case, assistance_type=AssistanceType.FOOD,
                                provided_on=local_today(), status=ServiceStatus.DELIVERED, notes="Despensa")
    assert case.recognition_status == RecognitionStatus.INTAKE
    assert service.notes == "Despensa" and service.notes_enc != b"Despensa"


def test_referral_without_consent_is_refused(db, people):
    case, owner = people["case"], people["owner"]
    institution = factories.make_institution(db)
    with pytest.raises(ConsentMissing, match="consentimiento") as refused:
        cases.add_referral(db, owner, case, institution_id=institution.id, need=AssistanceType.MEDICAL_CARE,
                           due_on=local_today() + timedelta(days=10))
    assert refused.value.field == "institution_id"
    assert case.referrals == []


def test_referral_with_withdrawn_consent_is_refused(db, people):
    case, owner = people["case"], people["owner"]
    institution = factories.make_institution(db)
    head = factories.household_head(db.get(Household, case.household_id))
    factories.make_sharing_consent(db, head, institution, owner, withdrawn=True)
    with pytest.raises(ConsentMissing):
        cases.add_referral(db, owner, case, institution_id=institution.id, need=AssistanceType.MEDICAL_CARE,
                           due_on=local_today() + timedelta(days=10))


def test_consent_for_another_institution_does_not_count(db, people):
    case, owner = people["case"], people["owner"]
    consented, other = factories.make_institution(db), factories.make_institution(db)
    factories.make_sharing_consent(db, factories.household_head(db.get(Household, case.household_id)), consented,
                                   owner)
    with pytest.raises(ConsentMissing):
        cases.add_referral(db, owner, case, institution_id=other.id, need=AssistanceType.HOUSING,
                           due_on=local_today() + timedelta(days=3))


def test_referral_with_consent_follows_its_status_flow_and_is_flagged_when_overdue(db, people):
    case, owner = people["case"], people["owner"]
    institution = factories.make_institution(db)
    factories.make_sharing_consent(db, factories.household_head(db.get(Household, case.household_id)),
                                   institution, owner)
    referral = cases.add_referral(db, owner, case, institution_id=institution.id, need=AssistanceType.LEGAL_ADVICE,
                                  due_on=local_today(), notes="Asesoría")
    assert referral.status == ReferralStatus.SENT
    assert cases.is_overdue(referral, today=local_today() + timedelta(days=1))
    tomorrow = lists.worklist(db, owner, today=local_today() + timedelta(days=1))
    assert [(c.id, r.id) for c, r in tomorrow.overdue_referrals] == [(case.id, referral.id)]
    with pytest.raises(CaseError, match="no puede pasar"):
        cases.update_referral_status(db, owner, case, referral, ReferralStatus.ATTENDED)
    cases.update_referral_status(db, owner, case, referral, ReferralStatus.ACCEPTED, "Cita el lunes")
    cases.update_referral_status(db, owner, case, referral, ReferralStatus.ATTENDED)
    assert not cases.is_overdue(referral, today=local_today() + timedelta(days=1))
    assert referral.response == "Cita el lunes"


def visible(db, user, model=Case):
    return set(db.scalars(scope.scoped(select(model.id), model, user)))


def test_caseworker_sees_own_and_assigned_cases_only(db, people):
    owner, case = people["owner"], people["case"]
    other = factories.make_user(db, Role.CASEWORKER, [GRO])
    assert case.id in visible(db, owner) and case.id not in visible(db, other)
    cases.assign(db, people["sup1"], case, owner.id, [other.id])
    assert case.id in visible(db, other)


def test_reassigned_owner_loses_access_unless_still_assignee(db, people):
    owner, case = people["owner"], people["case"]
    new_owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    cases.assign(db, people["sup1"], case, new_owner.id, [])
    assert case.id not in visible(db, owner) and case.id in visible(db, new_owner)
    cases.assign(db, people["sup1"], case, new_owner.id, [owner.id])
    assert case.id in visible(db, owner)


def test_registry_records_follow_the_case_to_its_new_owner(db, people):
    case = people["case"]
    new_owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    head = factories.household_head(db.get(Household, case.household_id))
    assert head.id not in visible(db, new_owner, Person)
    cases.assign(db, people["sup1"], case, new_owner.id, [])
    assert case.household_id in visible(db, new_owner, Household)
    assert head.id in visible(db, new_owner, Person)


def test_caseworker_cannot_assign_and_nobody_assigns_outside_the_territory(db, people):
    case = people["case"]
    chiapas = factories.make_user(db, Role.CASEWORKER, [CHIS])
    with pytest.raises(NotPermitted):
        cases.assign(db, people["owner"], case, people["owner"].id, [])
    with pytest.raises(NotPermitted):
        cases.assign(db, people["sup1"], case, chiapas.id, [])
    with pytest.raises(NotPermitted):
        cases.assign(db, factories.make_user(db, Role.SUPERVISOR, [CHIS]), case, people["owner"].id, [])


def test_supervisor_of_another_state_and_auditors_see_no_case(db, people):
    case = people["case"]
    for role, states in ((Role.SUPERVISOR, [CHIS]), (Role.AUDITOR, [GRO]), (Role.ADMINISTRATOR, [GRO])):
        assert case.id not in visible(db, factories.make_user(db, role, states))
    assert case.id in visible(db, factories.make_user(db, Role.SUPERVISOR, None))


def test_folio_has_state_year_and_sequence_and_is_found(db, people):
    first = people["case"]
    second = factories.make_case(db, people["owner"], GRO)
    year = cases.local_today().year
    assert first.folio.startswith(f"DFI-GRO-{year}-")
    assert int(second.folio[-6:]) == int(first.folio[-6:]) + 1
    assert lists.find_by_folio(db, people["owner"], second.folio.lower()) is second
    assert lists.find_by_folio(db, factories.make_user(db, Role.SUPERVISOR, [CHIS]), second.folio) is None
    chiapas_case = factories.make_case(db, None, CHIS)
    assert chiapas_case.folio.startswith(f"DFI-CHIS-{year}-")
