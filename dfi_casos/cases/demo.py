"""Demo cases: the demo households across every stage, with services, referrals and pending decisions."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.auth import services as accounts
from dfi_casos.cases import services as cases
from dfi_casos.cases.models import Case
from dfi_casos.catalogs.enums import (
    AssistanceType,
    ClosureReason,
    ConsentMethod,
    ConsentScope,
    RecognitionDecision,
    ServiceStatus,
    Stage,
)
from dfi_casos.database import utcnow
from dfi_casos.institutions.models import Institution
from dfi_casos.registry import services as registry
from dfi_casos.registry.models import Household

#: Per state: the caseworker who owns the cases, the supervisor who decides first, and a second one.
TEAMS = {
    "12": ("capturista.gro", "supervisora.gro", "supervisor2.gro"),
    "07": ("capturista.chis", "supervisora.chis", "supervisora.nacional"),
}


class _Team:
    def __init__(self, session: Session, usernames: tuple[str, str, str]) -> None:
        found = [accounts.find_user(session, name) for name in usernames]
        self.complete = all(u is not None for u in found)
        self.caseworker, self.supervisor, self.second = found


def seed_cases(session: Session, config: Any) -> str:
    """Open the demo cases unless the state already has some; running it twice changes nothing."""
    summary = []
    for state_code, usernames in TEAMS.items():
        team = _Team(session, usernames)
        if not team.complete:
            continue
        if session.scalars(select(Case.id).where(Case.state_code == state_code).limit(1)).first() is not None:
            continue
        households = list(session.scalars(select(Household).where(
            Household.state_code == state_code, Household.registered_by_id == team.caseworker.id)
            .order_by(Household.created_at, Household.id)))
        opened = 0
        for household, scenario in zip(households, SCENARIOS, strict=False):
            scenario(session, team, household)
            opened += 1
        session.flush()
        summary.append(f"{opened} casos en la entidad {state_code}")
    return "casos: " + ("; ".join(summary) or "ya presentes")


def _open(session: Session, team: _Team, household: Household, stage: Stage = Stage.ASSISTANCE) -> Case:
    return cases.open_case(session, team.caseworker, household, stage=stage)


def _recognized(session: Session, team: _Team, case: Case) -> None:
    cases.submit_intake(session, team.caseworker, case, "Amenazas del grupo armado; salieron de noche con lo puesto.")
    cases.decide_recognition(session, team.supervisor, case, RecognitionDecision.RECOGNIZED,
                             "Cumple la definición: desplazamiento por violencia generalizada.")


def _institution(session: Session, code: str) -> Institution:
    institution = session.scalars(select(Institution).where(Institution.code == code)).one()
    return institution


def _referral(session: Session, team: _Team, case: Case, code: str, need: AssistanceType, overdue: bool) -> None:
    head = cases.referred_person(session, case)
    assert head is not None  # noqa: S101 - demo households always have a head
    institution = _institution(session, code)
    registry.record_consent(session, team.caseworker, head, registry.ConsentData(
        scope=ConsentScope.SHARING_WITH_INSTITUTION, method=ConsentMethod.SIGNED,
        taken_on=cases.local_today() - timedelta(days=30), institution_id=institution.id))
    referral = cases.add_referral(session, team.caseworker, case, institution_id=institution.id, need=need,
                                  due_on=cases.local_today() + timedelta(days=15), notes="Acompañar a la cita.")
    if overdue:  # demo only: a referral sent weeks ago whose answer is late
        referral.sent_on = cases.local_today() - timedelta(days=25)
        referral.due_on = cases.local_today() - timedelta(days=5)


def _prevention(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h, Stage.PREVENTION)
    cases.add_note(session, team.caseworker, case,
                   "La comunidad recibió amenazas; seguimiento semanal de alerta temprana.")


def _intake_submitted(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h)
    cases.add_service(session, team.caseworker, case, assistance_type=AssistanceType.FOOD,
                      provided_on=cases.local_today(), status=ServiceStatus.DELIVERED, notes="Despensa para 15 días.")
    cases.add_service(session, team.caseworker, case, assistance_type=AssistanceType.SHELTER,
                      provided_on=cases.local_today(), status=ServiceStatus.IN_PROGRESS,
                      institution_id=_institution(session, "state_dif").id)
    cases.submit_intake(session, team.caseworker, case, "Salieron tras el homicidio de un vecino; temen volver.")


def _assistance_with_overdue_referral(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h)
    _recognized(session, team, case)
    _referral(session, team, case, "imss_bienestar", AssistanceType.MEDICAL_CARE, overdue=True)


def _attention_pending_solutions(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h, Stage.ATTENTION)
    _recognized(session, team, case)
    _referral(session, team, case, "renapo", AssistanceType.DOCUMENTATION, overdue=False)
    cases.request_approval(session, team.caseworker, case, Stage.DURABLE_SOLUTIONS, None,
                           "La familia eligió integrarse localmente; tiene empleo y escuela para los hijos.")


def _attention_returned(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h, Stage.ATTENTION)
    _recognized(session, team, case)
    cases.request_approval(session, team.caseworker, case, Stage.DURABLE_SOLUTIONS, None, "Listos para retorno.")
    cases.decide_approval(session, team.supervisor, case, approve=False,
                          comment="Aún no hay garantías de seguridad en la localidad de origen.")


def _durable_solutions(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h, Stage.ATTENTION)
    _recognized(session, team, case)
    cases.request_approval(session, team.caseworker, case, Stage.DURABLE_SOLUTIONS, None, "Reubicación acordada.")
    cases.decide_approval(session, team.supervisor, case, approve=True, comment="De acuerdo.")


def _closed(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h)
    cases.request_approval(session, team.caseworker, case, Stage.CLOSED, ClosureReason.LOST_CONTACT,
                           "Sin respuesta en tres meses por ningún medio.")
    cases.decide_approval(session, team.supervisor, case, approve=True, comment="Se cierra; puede reabrirse.")


def _appealed(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h)
    cases.submit_intake(session, team.caseworker, case, "Salió por conflicto agrario con el ejido vecino.")
    cases.decide_recognition(session, team.supervisor, case, RecognitionDecision.NOT_RECOGNIZED,
                             "No se acreditó el desplazamiento.")
    cases.appeal(session, team.caseworker, case, "Se presentan constancias de la comisaría ejidal.")


def _stale(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h)
    long_ago = utcnow() - timedelta(days=45)  # demo only: a case nobody touched for weeks
    case.created_at = long_ago
    case.updated_at = long_ago
    session.flush()


def _closure_requested(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h)
    cases.request_approval(session, team.caseworker, case, Stage.CLOSED, ClosureReason.TRANSFERRED,
                           "La familia se mudó a otra entidad y la atiende la comisión estatal.")


#: One scenario per demo household, in registration order: every stage and every kind of waiting work.
SCENARIOS: tuple[Callable[[Session, _Team, Household], None], ...] = (
    _prevention, _intake_submitted, _assistance_with_overdue_referral, _attention_pending_solutions,
    _attention_returned, _durable_solutions, _closed, _appealed, _stale, _closure_requested,
)
