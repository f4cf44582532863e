"""Demo assessments: a history per demo household, some signed, two households per state ready for closure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.auth import services as accounts
from dfi_casos.cases.demo import TEAMS
from dfi_casos.catalogs.enums import CriterionStatus, IascCriterion, SettlementOption
from dfi_casos.database import local_today
from dfi_casos.registry.models import Household
from dfi_casos.solutions import services
from dfi_casos.solutions.models import DurableSolutionAssessment

C, S = IascCriterion, CriterionStatus
RETURN, LOCAL, RELOCATION = SettlementOption.RETURN, SettlementOption.LOCAL_INTEGRATION, SettlementOption.RELOCATION

#: Standings used below, from far to close: the rest of the criteria are "cumple".
EARLY = {C.SAFETY: S.NOT_MET, C.LIVELIHOODS: S.NOT_MET, C.HOUSING_LAND_PROPERTY: S.PARTIAL,
         C.DOCUMENTATION: S.PARTIAL, C.REMEDIES_AND_JUSTICE: S.NOT_ASSESSED}
HALFWAY = {C.LIVELIHOODS: S.PARTIAL, C.HOUSING_LAND_PROPERTY: S.PARTIAL, C.REMEDIES_AND_JUSTICE: S.PARTIAL}
UNSAFE = {C.SAFETY: S.NOT_MET, C.HOUSING_LAND_PROPERTY: S.NOT_MET}
DONE = {C.FAMILY_REUNIFICATION: S.NOT_APPLICABLE}

EVIDENCE = {
    S.NOT_MET: "Entrevista con la familia: la situación persiste.",
    S.PARTIAL: "Avances documentados en la visita; falta seguimiento institucional.",
    S.MET: "Constancia revisada en la visita domiciliaria.",
    S.NOT_APPLICABLE: "La familia no tiene integrantes separados.",
}


@dataclass(frozen=True)
class Visit:
    days_ago: int
    signed: bool
    standing: dict[IascCriterion, CriterionStatus]
    preferred: SettlementOption | None
    in_progress: SettlementOption | None


#: One history per demo household, in registration order (the cases demo gives each its scenario):
#: prevention, intake, assistance, attention (asks for soluciones), attention (returned),
#: soluciones duraderas, closed, appealed, stale, closure requested.
HISTORIES: tuple[tuple[Visit, ...], ...] = (
    (),
    (Visit(10, False, EARLY, None, None),),
    (Visit(230, True, EARLY, RETURN, None),),
    (Visit(150, True, EARLY, LOCAL, LOCAL), Visit(75, True, HALFWAY, LOCAL, LOCAL),
     Visit(15, True, DONE, LOCAL, LOCAL)),
    (Visit(40, True, UNSAFE, RETURN, LOCAL),),
    (Visit(120, True, HALFWAY, RELOCATION, RELOCATION), Visit(12, True, DONE, RELOCATION, RELOCATION)),
    (),
    (),
    (Visit(260, True, HALFWAY, RETURN, RETURN),),
    (Visit(30, True, HALFWAY, LOCAL, LOCAL), Visit(5, False, DONE, LOCAL, LOCAL)),
)


def seed_assessments(session: Session, config: Any) -> str:
    """Record the demo histories unless the state already has assessments; running it twice changes nothing."""
    recorded = 0
    for state_code, (caseworker_name, supervisor_name, _second) in TEAMS.items():
        caseworker = accounts.find_user(session, caseworker_name)
        supervisor = accounts.find_user(session, supervisor_name)
        if caseworker is None or supervisor is None:
            continue
        present = select(DurableSolutionAssessment.id).where(DurableSolutionAssessment.state_code == state_code)
        if session.scalars(present.limit(1)).first() is not None:
            continue
        households = session.scalars(select(Household).where(
            Household.state_code == state_code, Household.registered_by_id == caseworker.id)
            .order_by(Household.created_at, Household.id))
        for household, history in zip(households, HISTORIES, strict=False):
            for visit in history:
                _record(session, caseworker, supervisor, household, visit)
                recorded += 1
    session.flush()
    return f"evaluaciones de soluciones duraderas: {recorded} nuevas"


def _record(session: Session, caseworker: Any, supervisor: Any, household: Household, visit: Visit) -> None:
    statuses = {c: visit.standing.get(c, S.MET) for c in IascCriterion}
    data = services.AssessmentData(
        assessed_on=local_today() - timedelta(days=visit.days_ago), preferred_option=visit.preferred,
        option_in_progress=visit.in_progress, statuses=statuses,
        evidence={c: EVIDENCE[s] for c, s in statuses.items() if s in EVIDENCE},
    )
    assessment = services.record_assessment(session, caseworker, household, data)
    if visit.signed:
        services.sign_assessment(session, supervisor, assessment)
