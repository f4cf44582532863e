"""Assessments: validation, who records and signs them, what changed, and the closure rule."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from dfi_casos.auth.models import Role
from dfi_casos.cases.services import local_today
from dfi_casos.catalogs.enums import ClosureReason, CriterionStatus, IascCriterion, SettlementOption, Stage
from dfi_casos.errors import EditConflict
from dfi_casos.registry.models import Household
from dfi_casos.security.audit import AuditEvent
from dfi_casos.solutions import services
from tests import factories

C, S = IascCriterion, CriterionStatus
GRO, CHIS = "12", "07"


@pytest.fixture
def household(db):
    caseworker = factories.make_user(db, Role.CASEWORKER, [GRO])
    return factories.make_case_household(db, caseworker, GRO)


def _data(**overrides):
    values = {
        "assessed_on": local_today(), "preferred_option": SettlementOption.RETURN,
        "option_in_progress": SettlementOption.LOCAL_INTEGRATION,
        "statuses": {c: S.PARTIAL for c in C}, "evidence": {c: "Entrevista con la familia" for c in C},
    }
    values.update(overrides)
    return services.AssessmentData(**values)


def test_supervisor_records_assessment_with_all_eight_criteria_in_iasc_order(db, household):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    assessment = services.record_assessment(db, supervisor, household, _data())
    assert [row.criterion for row in assessment.criteria] == list(C)
    assert assessment.state_code == GRO and not assessment.is_signed
    assert assessment.criteria[0].evidence == "Entrevista con la familia"


def test_evidence_is_stored_encrypted(db, household):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    assessment = services.record_assessment(db, supervisor, household, _data(
        evidence={c: "La familia teme a un grupo armado" for c in C}))
    key = assessment.id.hex if db.get_bind().dialect.name == "sqlite" else assessment.id
    raw = db.execute(text("SELECT evidence_enc FROM assessment_criterion WHERE assessment_id = :a"),
                     {"a": key}).scalars().all()
    assert len(raw) == 8
    assert all(b"grupo armado" not in bytes(value) for value in raw)


def test_recording_is_audited_with_field_names_only(db, household):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    assessment = services.record_assessment(db, supervisor, household, _data(
        evidence={c: "Nota confidencial" for c in C}))
    event = db.scalars(select(AuditEvent).where(AuditEvent.object_id == str(assessment.id))).one()
    assert event.action == "create"
    assert "Nota confidencial" not in event.details and "criteria" in event.details


def test_caseworker_records_assessment_of_household_they_registered(db):
    caseworker = factories.make_user(db, Role.CASEWORKER, [GRO])
    household = factories.make_case_household(db, caseworker, GRO)
    assert services.record_assessment(db, caseworker, household, _data()).assessor_id == caseworker.id


def test_status_without_evidence_is_refused(db, household):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    evidence = {c: "Visita" for c in C if c is not C.DOCUMENTATION}
    with pytest.raises(services.AssessmentError, match="evidencia") as caught:
        services.record_assessment(db, supervisor, household, _data(evidence=evidence))
    assert caught.value.field == "documentation_evidence"


def test_not_assessed_criterion_needs_no_evidence(db, household):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    statuses = {c: S.PARTIAL for c in C} | {C.PARTICIPATION: S.NOT_ASSESSED}
    evidence = {c: "Visita" for c in C if c is not C.PARTICIPATION}
    assessment = services.record_assessment(db, supervisor, household, _data(statuses=statuses, evidence=evidence))
    assert assessment.status_of(C.PARTICIPATION) is S.NOT_ASSESSED


def test_missing_criterion_status_is_refused(db, household):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    statuses = {c: S.MET for c in C if c is not C.SAFETY}
    with pytest.raises(services.AssessmentError) as caught:
        services.record_assessment(db, supervisor, household, _data(statuses=statuses))
    assert caught.value.field == "safety_status"


def test_future_date_is_refused(db, household):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    with pytest.raises(services.AssessmentError, match="futura"):
        services.record_assessment(db, supervisor, household, _data(assessed_on=local_today() + timedelta(days=1)))


def test_overlong_evidence_is_refused(db, household):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    with pytest.raises(services.AssessmentError, match="2000"):
        services.record_assessment(db, supervisor, household, _data(evidence={c: "x" * 2001 for c in C}))


def test_auditor_cannot_record_assessment(db, household):
    auditor = factories.make_user(db, Role.AUDITOR, [GRO])
    with pytest.raises(services.NotAllowed):
        services.record_assessment(db, auditor, household, _data())


def test_supervisor_of_another_state_cannot_record_assessment(db, household):
    other = factories.make_user(db, Role.SUPERVISOR, [CHIS])
    with pytest.raises(services.NotAllowed):
        services.record_assessment(db, other, household, _data())


def test_another_supervisor_signs_and_sign_off_is_audited(db, household):
    assessment = factories.make_assessment(db, household)
    signer = factories.make_user(db, Role.SUPERVISOR, [GRO])
    services.sign_assessment(db, signer, assessment)
    assert assessment.is_signed and assessment.signed_by_id == signer.id
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(assessment.id))).all() == [
        "create", "approval"]


def test_caseworker_cannot_sign(db, household):
    assessment = factories.make_assessment(db, household)
    caseworker = factories.make_user(db, Role.CASEWORKER, [GRO])
    with pytest.raises(services.NotAllowed, match="supervis"):
        services.sign_assessment(db, caseworker, assessment)
    assert not assessment.is_signed


def test_supervisor_cannot_sign_own_assessment(db, household):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    assessment = factories.make_assessment(db, household, assessor=supervisor)
    with pytest.raises(services.NotAllowed, match="usted registró"):
        services.sign_assessment(db, supervisor, assessment)


def test_assessment_cannot_be_signed_twice(db, household):
    assessment = factories.make_assessment(db, household, sign=True)
    another = factories.make_user(db, Role.SUPERVISOR, [GRO])
    with pytest.raises(services.AlreadySigned):
        services.sign_assessment(db, another, assessment)


def test_supervisor_of_another_state_cannot_sign(db, household):
    assessment = factories.make_assessment(db, household)
    other = factories.make_user(db, Role.SUPERVISOR, [CHIS])
    with pytest.raises(services.NotAllowed):
        services.sign_assessment(db, other, assessment)


def test_sign_off_from_stale_page_is_refused(db, household):
    assessment = factories.make_assessment(db, household)
    signer = factories.make_user(db, Role.SUPERVISOR, [GRO])
    with pytest.raises(EditConflict):
        services.sign_assessment(db, signer, assessment, version=assessment.version + 1)


def test_all_assessments_are_kept_newest_first(db, household):
    first = factories.make_assessment(db, household, assessed_on=date(2026, 1, 10))
    second = factories.make_assessment(db, household, assessed_on=date(2026, 5, 10))
    assert [a.id for a in services.assessments_of(db, household.id)] == [second.id, first.id]


def test_first_assessment_shows_no_changes(db, household):
    first = factories.make_assessment(db, household)
    assert services.previous_assessment(db, first) is None
    assert services.changes_since_previous(db, first) == []


def test_changes_since_previous_name_options_statuses_and_evidence(db, household):
    factories.make_assessment(db, household, assessed_on=date(2026, 1, 10), default=S.PARTIAL,
                              preferred=SettlementOption.RETURN, in_progress=None)
    later = factories.make_assessment(
        db, household, assessed_on=date(2026, 4, 2), default=S.PARTIAL, preferred=SettlementOption.RETURN,
        in_progress=SettlementOption.RETURN, statuses={C.SAFETY: S.MET, C.LIVELIHOODS: S.NOT_MET})
    row = next(r for r in later.criteria if r.criterion is C.DOCUMENTATION)
    row.evidence = "Se obtuvo el acta de nacimiento"
    changes = services.changes_since_previous(db, later)
    assert [(c.label, c.before, c.after) for c in changes] == [
        ("Opción en curso", "Sin definir", "Retorno"),
        (C.SAFETY.label, "Avance parcial", "Cumple"),
        (C.LIVELIHOODS.label, "Avance parcial", "No cumple"),
        (C.DOCUMENTATION.label, "nota anterior", "nota actualizada"),
    ]


def test_no_signed_assessment_blocks_closure(db, household):
    factories.make_assessment(db, household)  # all "cumple" but not signed
    blockers = services.closure_blockers(db, household.id)
    assert len(blockers) == 1 and "firmada" in blockers[0]


def test_signed_assessment_with_all_met_or_not_applicable_allows_closure(db, household):
    factories.make_assessment(db, household, sign=True, statuses={C.FAMILY_REUNIFICATION: S.NOT_APPLICABLE})
    assert services.closure_blockers(db, household.id) == []


@pytest.mark.parametrize("status", [S.PARTIAL, S.NOT_MET, S.NOT_ASSESSED])
def test_one_unresolved_criterion_blocks_closure_and_is_named(db, household, status):
    factories.make_assessment(db, household, sign=True, statuses={C.HOUSING_LAND_PROPERTY: status})
    blockers = services.closure_blockers(db, household.id)
    assert blockers == [f"{C.HOUSING_LAND_PROPERTY.label}: {status.label.lower()} (debe ser «cumple» o «no aplica»)"]


def test_latest_signed_assessment_decides_not_an_older_one(db, household):
    factories.make_assessment(db, household, sign=True, assessed_on=date(2026, 1, 5))
    factories.make_assessment(db, household, sign=True, assessed_on=date(2026, 3, 5),
                              statuses={C.SAFETY: S.NOT_MET})
    factories.make_assessment(db, household, assessed_on=date(2026, 4, 5))  # newer, all met, unsigned
    assert len(services.closure_blockers(db, household.id)) == 1


def test_case_service_refuses_closure_as_durable_solution_without_signed_assessment(db):
    from dfi_casos.cases import services as cases
    from dfi_casos.cases.workflow import TransitionNotAllowed

    case = factories.make_case(db, stage=Stage.ATTENTION)
    case.stage = Stage.DURABLE_SOLUTIONS
    db.flush()
    with pytest.raises(TransitionNotAllowed, match="firmada"):
        cases.request_approval(db, case.owner, case, Stage.CLOSED, ClosureReason.DURABLE_SOLUTION_ACHIEVED)


def test_case_service_accepts_closure_request_when_household_is_ready(db):
    from dfi_casos.cases import services as cases

    case = factories.make_case(db, stage=Stage.ATTENTION)
    case.stage = Stage.DURABLE_SOLUTIONS
    db.flush()
    household = db.get(Household, case.household_id)
    factories.make_assessment(db, household, sign=True)
    approval = cases.request_approval(db, case.owner, case, Stage.CLOSED, ClosureReason.DURABLE_SOLUTION_ACHIEVED)
    assert approval.closure_reason is ClosureReason.DURABLE_SOLUTION_ACHIEVED

