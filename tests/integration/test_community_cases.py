"""Community cases end to end: opened from the community page, collective measures, referrals on the community's
behalf checked against its representatives' consent, and closure as a durable solution judged household by household."""
from __future__ import annotations

from datetime import date

import pytest

from dfi_casos.auth.models import Role
from dfi_casos.cases import community
from dfi_casos.cases import services as cases
from dfi_casos.cases.community_models import CollectiveMeasureType, MeasureStatus
from dfi_casos.cases.workflow import ConsentMissing, TransitionNotAllowed
from dfi_casos.catalogs.enums import AssistanceType, ClosureReason, Stage
from dfi_casos.database import local_today
from tests import factories

GRO = "12"


@pytest.fixture
def setting(db):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    place = factories.make_community(db, GRO, owner)
    households = [factories.make_household(db, GRO, owner, community_id=place.id) for _ in range(2)]
    case = cases.open_case(db, owner, place, stage=Stage.ATTENTION)
    return owner, supervisor, place, households, case


def test_the_community_page_offers_to_open_its_case(client, db, login_as):
    user = login_as(Role.CASEWORKER, [GRO])
    place = factories.make_community(db, GRO, user)
    page = client.get(f"/registro/comunidades/{place.id}").get_data(as_text=True)
    assert f"/casos/nuevo/comunidad/{place.id}" in page and "Abrir caso" in page


def test_collective_measures_are_structured_records(db, setting):
    owner, _supervisor, _place, _households, case = setting
    institution = factories.make_institution(db)
    measure = community.add_measure(db, owner, case, CollectiveMeasureType.RETURN_WITH_GUARANTEES, date(2026, 3, 1),
                                    MeasureStatus.PLANNED, institution.id, "Mesa con la Guardia Nacional")
    community.update_measure(db, owner, case, measure, MeasureStatus.IN_PROGRESS)
    with pytest.raises(community.CommunityError):
        community.update_measure(db, owner, case, measure, MeasureStatus.PLANNED)
    assert [m.measure_type for m in community.measures_of(db, case)] == [CollectiveMeasureType.RETURN_WITH_GUARANTEES]


def test_a_referral_on_behalf_of_a_community_needs_a_representative_s_consent(db, setting):
    owner, _supervisor, place, households, case = setting
    institution = factories.make_institution(db)
    due = local_today()
    with pytest.raises(ConsentMissing, match="representante"):
        cases.add_referral(db, owner, case, institution_id=institution.id, need=AssistanceType.PROTECTION_MEASURES,
                           due_on=due)
    head = factories.household_head(households[0])
    with pytest.raises(community.CommunityError):
        community.add_representative(db, owner, place, factories.make_person(db, GRO, owner).id, "Comisariado")
    community.add_representative(db, owner, place, head.id, "Comisariado ejidal")
    with pytest.raises(ConsentMissing):
        cases.add_referral(db, owner, case, institution_id=institution.id, need=AssistanceType.PROTECTION_MEASURES,
                           due_on=due)
    factories.make_sharing_consent(db, head, institution, owner)
    referral = cases.add_referral(db, owner, case, institution_id=institution.id,
                                  need=AssistanceType.PROTECTION_MEASURES, due_on=due)
    assert referral.person_id == head.id


def test_a_community_case_closes_as_durable_solution_only_when_every_household_meets_the_criteria(db, setting):
    owner, supervisor, _place, households, case = setting
    cases.request_approval(db, owner, case, Stage.DURABLE_SOLUTIONS, None, "Retorno acordado")
    cases.decide_approval(db, supervisor, case, True)
    assert case.stage == Stage.DURABLE_SOLUTIONS
    factories.make_assessment(db, households[0], sign=True)
    blockers = cases.durable_solution_blockers(db, case)
    assert blockers and "1 de 2 hogares" in blockers[0]
    with pytest.raises(TransitionNotAllowed):
        cases.request_approval(db, owner, case, Stage.CLOSED, ClosureReason.DURABLE_SOLUTION_ACHIEVED, "Listo")
    factories.make_assessment(db, households[1], sign=True)
    assert cases.durable_solution_blockers(db, case) == []
    cases.request_approval(db, owner, case, Stage.CLOSED, ClosureReason.DURABLE_SOLUTION_ACHIEVED, "Listo")
    cases.decide_approval(db, supervisor, case, True)
    assert not case.is_open and case.closure_reason == ClosureReason.DURABLE_SOLUTION_ACHIEVED


def test_demo_has_a_community_case_in_durable_solutions_with_measures(app, client, db):
    from sqlalchemy import select

    from dfi_casos.cases.models import Case
    from dfi_casos.catalogs.enums import CaseSubject
    from dfi_casos.demo import DEMO_PASSWORD, seed_demo
    from tests.conftest import csrf_token

    seed_demo(db, app.config)
    case = db.scalars(select(Case).where(Case.subject_type == CaseSubject.COMMUNITY, Case.state_code == GRO)).one()
    assert case.stage == Stage.DURABLE_SOLUTIONS and len(community.measures_of(db, case)) == 2
    client.post("/login", data={"csrf_token": csrf_token(client), "username": "capturista.gro",
                                "password": DEMO_PASSWORD})
    page = client.get(f"/casos/{case.id}").get_data(as_text=True)
    assert "Medidas colectivas" in page and "Mesa de seguridad" in page
