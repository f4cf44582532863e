"""Demo cases: the demo households across every stage, with services, referrals and pending decisions."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.auth import services as accounts
from dfi_casos.cases import community, flags, plans, reopening, transfers
from dfi_casos.cases import services as cases
from dfi_casos.cases.community_models import CollectiveMeasureType, MeasureStatus
from dfi_casos.cases.life_models import FlagType
from dfi_casos.cases.models import Case
from dfi_casos.catalogs.enums import (
    AssistanceType,
    ClosureReason,
    ConsentMethod,
    ConsentScope,
    IascCriterion,
    RecognitionDecision,
    ServiceStatus,
    Stage,
)
from dfi_casos.database import utcnow
from dfi_casos.institutions.models import Institution
from dfi_casos.registry import services as registry
from dfi_casos.registry.models import Community, Household

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
        # Cases this team opened (a transferred one now lives in another state).
        if session.scalars(select(Case.id).where(Case.created_by_id == team.caseworker.id).limit(1)).first():
            continue
        households = list(session.scalars(select(Household).where(
            Household.state_code == state_code, Household.registered_by_id == team.caseworker.id)
            .order_by(Household.created_at, Household.id)))
        opened = 0
        for household, scenario in zip(households, SCENARIOS, strict=False):
            scenario(session, team, household)
            opened += 1
        opened += _community_case(session, team, state_code)
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


def _flagged(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h)
    _recognized(session, team, case)
    flags.raise_flag(session, team.caseworker, case, FlagType.SECURITY_RISK,
                     "Hombres armados preguntaron por la familia en el albergue.")
    flag = flags.raise_flag(session, team.supervisor, case, FlagType.URGENT_HEALTH,
                            "La abuela necesita diálisis cada semana.")
    flags.lower_flag(session, team.caseworker, case, flag, "Ya la atiende el hospital regional.")
    flags.raise_flag(session, team.caseworker, case, FlagType.UNACCOMPANIED_CHILD,
                     "Un sobrino de 15 años llegó solo y vive con ellos.")


def _reopened(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h, Stage.ATTENTION)
    _recognized(session, team, case)
    cases.request_approval(session, team.caseworker, case, Stage.CLOSED, ClosureReason.LOST_CONTACT,
                           "Dejó de responder al teléfono y no está en el albergue.")
    cases.decide_approval(session, team.supervisor, case, approve=True, comment="Se cierra; puede reabrirse.")
    reopening.request_reopening(session, team.caseworker, case, Stage.ATTENTION,
                                "La familia volvió a la oficina: estaban con parientes en la sierra.")
    reopening.decide_reopening(session, team.second, case, approve=True, comment="Se reabre en atención.")


def _reopening_requested(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h)
    cases.request_approval(session, team.caseworker, case, Stage.CLOSED, ClosureReason.PERSON_REQUEST,
                           "La familia pidió dejar el acompañamiento.")
    cases.decide_approval(session, team.supervisor, case, approve=True, comment="De acuerdo.")
    reopening.request_reopening(session, team.caseworker, case, Stage.ASSISTANCE,
                                "Volvieron a desplazarse tras nuevas amenazas.")


def _other_team(session: Session, team: _Team) -> _Team | None:
    """The demo team of the other state (transfers go from Guerrero to Chiapas)."""
    if team.caseworker is None or "12" not in team.caseworker.states:
        return None
    other = _Team(session, TEAMS["07"])
    return other if other.complete else None


def _transferred(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h)
    _recognized(session, team, case)
    cases.add_service(session, team.caseworker, case, assistance_type=AssistanceType.FOOD,
                      provided_on=cases.local_today(), status=ServiceStatus.DELIVERED, notes="Despensa.")
    receiving = _other_team(session, team)
    if receiving is None:
        return
    transfer = transfers.request_transfer(session, team.caseworker, case, "07",
                                          "La familia se mudó con parientes a Tapachula, Chiapas.")
    transfers.decide_transfer(session, receiving.supervisor, transfer, True, receiving.caseworker.id,
                              "Recibido; la atiende la oficina de Tapachula.")


def _transfer_pending(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h)
    receiving = _other_team(session, team)
    if receiving is not None:
        transfers.request_transfer(session, team.caseworker, case, "07",
                                   "Se mudaron a San Cristóbal de las Casas; piden seguir la atención allá.")


def _with_plan(session: Session, team: _Team, h: Household) -> None:
    case = _open(session, team, h, Stage.ATTENTION)
    _recognized(session, team, case)
    plan = plans.start_revision(session, team.caseworker, case)
    papers = plans.add_goal(session, team.caseworker, case, plan, "Reponer las actas de nacimiento y la CURP de "
                            "los tres hijos.", IascCriterion.DOCUMENTATION, None)
    plans.add_action(session, team.caseworker, case, papers, "Acompañar a la familia al Registro Civil.",
                     cases.local_today() - timedelta(days=3), team.caseworker.id, None)
    plans.add_action(session, team.caseworker, case, papers, "Tramitar la CURP en línea con RENAPO.",
                     cases.local_today() + timedelta(days=20), None, _institution(session, "renapo").id)
    school = plans.add_goal(session, team.caseworker, case, plan, "Que los niños vuelvan a la escuela este ciclo.",
                            None, AssistanceType.EDUCATION)
    plans.add_action(session, team.caseworker, case, school, "Solicitar la inscripción a la primaria más cercana.",
                     cases.local_today() + timedelta(days=10), team.caseworker.id, None)
    plans.submit(session, team.caseworker, case, plan, "Acordado con la jefa de hogar en la visita del lunes.")
    plans.decide(session, team.supervisor, case, plan, True, "De acuerdo.")


def _community_case(session: Session, team: _Team, state_code: str) -> int:
    """The state's demo community: a case in durable solutions, a representative, two collective measures."""
    place = session.scalars(select(Community).where(Community.state_code == state_code,
                                                    Community.registered_by_id == team.caseworker.id)).first()
    if place is None:
        return 0
    case = cases.open_case(session, team.caseworker, place, stage=Stage.ATTENTION)
    members = community.member_choices(session, place)
    if members:
        community.add_representative(session, team.caseworker, place, members[0].id, "Autoridad comunitaria")
    community.add_measure(session, team.caseworker, case, CollectiveMeasureType.DIALOGUE,
                          cases.local_today() - timedelta(days=20), MeasureStatus.DONE,
                          notes="Mesa de seguridad con autoridades municipales y estatales.")
    community.add_measure(session, team.caseworker, case, CollectiveMeasureType.RETURN_WITH_GUARANTEES,
                          cases.local_today() + timedelta(days=30), MeasureStatus.PLANNED,
                          notes="Retorno acompañado de las familias que lo decidieron.")
    cases.request_approval(session, team.caseworker, case, Stage.DURABLE_SOLUTIONS, None,
                           "La asamblea decidió el retorno; hay garantías de seguridad acordadas.")
    cases.decide_approval(session, team.supervisor, case, approve=True, comment="De acuerdo.")
    return 1


#: One scenario per demo household, in registration order: every stage and every kind of waiting work.
SCENARIOS: tuple[Callable[[Session, _Team, Household], None], ...] = (
    _prevention, _intake_submitted, _assistance_with_overdue_referral, _attention_pending_solutions,
    _attention_returned, _durable_solutions, _closed, _appealed, _stale, _closure_requested,
    _flagged, _reopened, _reopening_requested, _transferred, _transfer_pending, _with_plan,
)
