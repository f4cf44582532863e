"""A registry of 62 persons in 3 states whose report figures are worked out by hand (tests/integration/test_reports_*).

Period under test: October–November 2026 ("new" = registered then; "cumulative" = registered before 1 Dec 2026).

  G1 (Guerrero 12, 10 persons, registered 2026-10-10, event E1: masivo from 12/12001, violencia generalizada):
     5 women est. 40 (3 indigenous speaking a language); 5 men est. 20 (2 with "mucha dificultad" seeing).
  G2 (12, 8, 2026-08-15, E1): 4 girls born 2018-06-01 (1 Afro-Mexican); 4 boys born 2024-06-01.
  G3 (12, 12, 2026-11-05, no event, municipality 12029): 6 women with no date; 6 men est. 70 (2 "no puede" hearing).
  C1 (Chiapas 07, 20, 2026-10-20, E2: gota a gota from 07/07001, conflicto armado + conflicto comunitario):
     10 girls born 2011-06-01 (indigenous, speak a language; 1 "mucha dificultad" self-care);
     10 men est. 35 (indigenous; 4 Afro-Mexican).
  M1 (Michoacán 16, 12, 2026-09-01, E3: masivo from 12/12001, desastre natural): 12 persons of sex X, est. 25.

Cases (created directly, with their history at fixed moments, UTC noon):
  K1 (G1, 12): assistance 2026-10-01 → attention 10-11 → closed 11-10 "solución duradera alcanzada";
     recognised 10-05; services: food delivered 10-03, food requested 11-04; referral (institution A,
     legal advice) sent 10-02, due 10-12, answered 10-07.
  K2 (C1, 07): assistance 2026-09-01 → attention 10-21 → closed 11-20 "pérdida de contacto";
     not recognised 10-25, appeal filed 10-28 and decided "reconocido" 11-02; service shelter delivered
     09-15 (outside the period); referral (institution A, medical care) sent 10-22, due 11-01, still "enviada".
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import update

from dfi_casos.auth.models import Role
from dfi_casos.cases.models import (
    Appeal,
    Case,
    CaseStatus,
    Recognition,
    RecognitionStatus,
    Referral,
    Service,
    StageTransition,
)
from dfi_casos.catalogs.enums import (
    AssistanceType,
    CaseSubject,
    ClosureReason,
    DisplacementCause,
    EventType,
    RecognitionDecision,
    ReferralStatus,
    RegisteredSex,
    RelationshipToHead,
    ServiceStatus,
    Stage,
)
from dfi_casos.registry import services as registry
from dfi_casos.registry.models import Household, Person
from dfi_casos.reports.filters import ReportFilter
from tests import factories

F, M, X = RegisteredSex.FEMALE, RegisteredSex.MALE, RegisteredSex.NON_BINARY
PERIOD = ReportFilter(start=date(2026, 10, 1), end=date(2026, 11, 30))
TODAY = date(2026, 11, 27)


def noon(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def _people(n: int, **values: Any) -> list[registry.PersonData]:
    return [registry.PersonData(given_names="Prueba", first_surname=f"Reporte{k}", **values) for k in range(n)]


def _household(db: Any, user: Any, state: str, registered: str, people: list[registry.PersonData],
               event: Any = None, municipality: str | None = None) -> Household:
    members = [registry.MemberData(p, RelationshipToHead.HEAD if k == 0 else RelationshipToHead.OTHER_RELATIVE)
               for k, p in enumerate(people)]
    household = registry.register_household(db, user, registry.HouseholdData(
        state_code=state, municipality_code=municipality, members=members, event_id=event.id if event else None),
        duplicate_reason="datos de prueba")
    moment = noon(registered)
    db.execute(update(Household).where(Household.id == household.id).values(created_at=moment))
    ids = [m.person_id for m in household.memberships]
    db.execute(update(Person).where(Person.id.in_(ids)).values(created_at=moment))
    db.flush()
    return household


def build(db: Any) -> dict[str, Any]:
    users = {s: factories.make_user(db, Role.SUPERVISOR, [s]) for s in ("12", "07", "16")}
    gro, chis, mich = users["12"], users["07"], users["16"]
    e1 = factories.make_event(db, "12", gro, event_type=EventType.MASS, origin_state_code="12",
                              origin_municipality_code="12001", causes=[DisplacementCause.GENERALIZED_VIOLENCE])
    e2 = factories.make_event(db, "07", chis, event_type=EventType.INDIVIDUAL_OR_FAMILY, origin_state_code="07",
                              origin_municipality_code="07001",
                              causes=[DisplacementCause.ARMED_CONFLICT, DisplacementCause.COMMUNITY_CONFLICT])
    e3 = factories.make_event(db, "16", mich, event_type=EventType.MASS, origin_state_code="12",
                              origin_municipality_code="12001", causes=[DisplacementCause.NATURAL_DISASTER])
    seeing = {"seeing": "a_lot_of_difficulty"}
    g1 = _household(db, gro, "12", "2026-10-10", [
        *_people(3, registered_sex=F, estimated_age=40, indigenous=True, indigenous_languages=["10"]),
        *_people(2, registered_sex=F, estimated_age=40),
        *_people(2, registered_sex=M, estimated_age=20, disability=seeing),
        *_people(3, registered_sex=M, estimated_age=20)], e1, "12001")
    _household(db, gro, "12", "2026-08-15", [
        *_people(1, registered_sex=F, birth_date=date(2018, 6, 1), afro_mexican=True),
        *_people(3, registered_sex=F, birth_date=date(2018, 6, 1)),
        *_people(4, registered_sex=M, birth_date=date(2024, 6, 1))], e1, "12001")
    _household(db, gro, "12", "2026-11-05", [
        *_people(6, registered_sex=F),
        *_people(2, registered_sex=M, estimated_age=70, disability={"hearing": "cannot_do"}),
        *_people(4, registered_sex=M, estimated_age=70)], None, "12029")
    c1 = _household(db, chis, "07", "2026-10-20", [
        *_people(1, registered_sex=F, birth_date=date(2011, 6, 1), indigenous=True, indigenous_languages=["56"],
                 disability={"self_care": "a_lot_of_difficulty"}),
        *_people(9, registered_sex=F, birth_date=date(2011, 6, 1), indigenous=True, indigenous_languages=["56"]),
        *_people(4, registered_sex=M, estimated_age=35, indigenous=True, afro_mexican=True),
        *_people(6, registered_sex=M, estimated_age=35, indigenous=True)], e2)
    _household(db, mich, "16", "2026-09-01", _people(12, registered_sex=X, estimated_age=25), e3)
    institution = factories.make_institution(db, "Institución A")
    k1 = _case(db, gro, g1, "12", [(None, Stage.ASSISTANCE, "2026-10-01"), (Stage.ASSISTANCE, Stage.ATTENTION,
               "2026-10-11"), (Stage.ATTENTION, Stage.CLOSED, "2026-11-10")], ClosureReason.DURABLE_SOLUTION_ACHIEVED)
    k2 = _case(db, chis, c1, "07", [(None, Stage.ASSISTANCE, "2026-09-01"), (Stage.ASSISTANCE, Stage.ATTENTION,
               "2026-10-21"), (Stage.ATTENTION, Stage.CLOSED, "2026-11-20")], ClosureReason.LOST_CONTACT)
    db.add(Recognition(case_id=k1.id, submitted_by_id=gro.id, submitted_at=noon("2026-10-02"),
                       decision=RecognitionDecision.RECOGNIZED, decided_by_id=gro.id, decided_at=noon("2026-10-05")))
    db.add(Recognition(case_id=k2.id, submitted_by_id=chis.id, submitted_at=noon("2026-10-22"),
                       decision=RecognitionDecision.NOT_RECOGNIZED, decided_by_id=chis.id,
                       decided_at=noon("2026-10-25")))
    db.add(Appeal(case_id=k2.id, filed_by_id=chis.id, filed_at=noon("2026-10-28"),
                  decision=RecognitionDecision.RECOGNIZED, decided_by_id=chis.id, decided_at=noon("2026-11-02")))
    for case, kind, day, status in ((k1, AssistanceType.FOOD, "2026-10-03", ServiceStatus.DELIVERED),
                                    (k1, AssistanceType.FOOD, "2026-11-04", ServiceStatus.REQUESTED),
                                    (k2, AssistanceType.SHELTER, "2026-09-15", ServiceStatus.DELIVERED)):
        db.add(Service(case_id=case.id, assistance_type=kind, provided_on=date.fromisoformat(day),
                       institution_id=institution.id, status=status, recorded_by_id=case.owner_id))
    heads = {k1.id: g1.memberships[0].person_id, k2.id: c1.memberships[0].person_id}
    for case, need, sent, due, status, responded in (
            (k1, AssistanceType.LEGAL_ADVICE, "2026-10-02", "2026-10-12", ReferralStatus.ATTENDED, "2026-10-07"),
            (k2, AssistanceType.MEDICAL_CARE, "2026-10-22", "2026-11-01", ReferralStatus.SENT, None)):
        db.add(Referral(case_id=case.id, person_id=heads[case.id], institution_id=institution.id, need=need,
                        sent_on=date.fromisoformat(sent), due_on=date.fromisoformat(due), status=status,
                        responded_at=noon(responded) if responded else None, created_by_id=case.owner_id))
    db.flush()
    return {"users": users, "institution": institution, "cases": (k1, k2)}


def _case(db: Any, owner: Any, household: Household, state: str, moves: list[tuple[Any, Stage, str]],
          reason: ClosureReason) -> Case:
    case = Case(folio=f"DFI-T-{state}-{household.id.hex[:6]}", subject_type=CaseSubject.HOUSEHOLD,
                household_id=household.id, stage=Stage.CLOSED, status=CaseStatus.CLOSED,
                recognition_status=RecognitionStatus.RECOGNIZED, owner_id=owner.id, state_code=state,
                opened_on=date.fromisoformat(moves[0][2]), closed_on=date.fromisoformat(moves[-1][2]),
                closure_reason=reason, created_by_id=owner.id)
    db.add(case)
    db.flush()
    for from_stage, to_stage, day in moves:
        db.add(StageTransition(case_id=case.id, from_stage=from_stage, to_stage=to_stage, actor_id=owner.id,
                               occurred_at=noon(day)))
    db.flush()
    return case
