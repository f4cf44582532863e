"""Case operations: open, move through stages with approvals, recognize, assign, record services and referrals."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from dfi_casos.auth.models import User
from dfi_casos.cases import workflow
from dfi_casos.cases.models import (
    Appeal,
    ApprovalRequest,
    ApprovalStatus,
    Case,
    CaseAssignee,
    CaseNote,
    CaseStatus,
    FolioCounter,
    Recognition,
    RecognitionStatus,
    Referral,
    Service,
    StageTransition,
)
from dfi_casos.cases.workflow import (
    CONFLICT_MESSAGE,
    ApprovalNotAllowed,
    CaseAlreadyOpen,
    CaseError,
    ConsentMissing,
    NotPermitted,
    RecognitionNotAllowed,
    TransitionNotAllowed,
)
from dfi_casos.catalogs.enums import (
    AssistanceType,
    CaseSubject,
    ClosureReason,
    RecognitionDecision,
    ReferralStatus,
    RelationshipToHead,
    ServiceStatus,
    Stage,
)
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.database import local_date, local_today, utcnow
from dfi_casos.errors import EditConflict, NotVisible
from dfi_casos.institutions.models import Institution
from dfi_casos.pagination import Page, paginate
from dfi_casos.registry.models import Community, Household, Person
from dfi_casos.registry.services import has_consent_to_share
from dfi_casos.scope import scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory, roles_with
from dfi_casos.security.audit import Action
from dfi_casos.solutions import services as solutions

__all__ = [
    "CaseError", "EditConflict", "ConsentMissing", "NotPermitted", "TransitionNotAllowed",
    "ApprovalNotAllowed", "RecognitionNotAllowed",
]

#: Days without any activity after which a case shows in the worklist as needing attention.
STALE_AFTER_DAYS = 30

#: How a referral's status may move: the institution answers, then attends, then it is closed.
REFERRAL_FLOW: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.SENT: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.REJECTED, ReferralStatus.CLOSED}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.ATTENDED, ReferralStatus.CLOSED}),
    ReferralStatus.REJECTED: frozenset({ReferralStatus.CLOSED}),
    ReferralStatus.ATTENDED: frozenset({ReferralStatus.CLOSED}),
    ReferralStatus.CLOSED: frozenset(),
}
#: How a service's status may move: requested, under way, then delivered, rejected or cancelled.
SERVICE_FLOW: dict[ServiceStatus, frozenset[ServiceStatus]] = {
    ServiceStatus.REQUESTED: frozenset({ServiceStatus.IN_PROGRESS, ServiceStatus.DELIVERED, ServiceStatus.REJECTED,
                                        ServiceStatus.CANCELLED}),
    ServiceStatus.IN_PROGRESS: frozenset({ServiceStatus.DELIVERED, ServiceStatus.CANCELLED}),
    ServiceStatus.DELIVERED: frozenset(),
    ServiceStatus.REJECTED: frozenset(),
    ServiceStatus.CANCELLED: frozenset(),
}
#: Referral statuses still waiting on the institution: these become overdue after the due date.
OPEN_REFERRAL_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


# --- loading -----------------------------------------------------------------------------------

def find_by_folio(session: Session, actor: Principal, folio: str) -> Case | None:
    """The visible case with this folio (case-insensitive), or None."""
    wanted = folio.strip().upper()
    return session.scalars(scoped(select(Case).where(Case.folio == wanted), Case, actor)).first()


def list_cases(session: Session, actor: Principal, *, stage: Stage | None = None, state_code: str | None = None,
               open_only: bool = False, page: int = 1, size: int = 25) -> Page:
    """One page of the cases `actor` may see, newest first, filtered by stage and state."""
    stmt = scoped(select(Case).options(selectinload(Case.owner)), Case, actor)
    if stage is not None:
        stmt = stmt.where(Case.stage == stage)
    if state_code:
        stmt = stmt.where(Case.state_code == state_code)
    if open_only:
        stmt = stmt.where(Case.status == CaseStatus.OPEN)
    return paginate(session, stmt.order_by(Case.created_at.desc(), Case.id), page, size)


def cases_of_subject(session: Session, actor: Principal, subject_type: CaseSubject,
                     subject_id: uuid.UUID) -> list[Case]:
    """The cases `actor` may see that were opened for one household, person or community, newest first."""
    column = {CaseSubject.HOUSEHOLD: Case.household_id, CaseSubject.INDIVIDUAL: Case.person_id,
              CaseSubject.COMMUNITY: Case.community_id}[subject_type]
    stmt = scoped(select(Case).where(column == subject_id), Case, actor)
    return list(session.scalars(stmt.order_by(Case.created_at.desc())))


# --- folio -------------------------------------------------------------------------------------

def next_folio(session: Session, state_code: str, year: int) -> str:
    """Take the next folio of the state and year: DFI-GRO-2026-000123.

    The counter row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions begin
    IMMEDIATE), so two cases opened at once never share a number; the UNIQUE constraint on
    `case_file.folio` is the backstop.
    """
    state = state_by_code(state_code)
    if state is None:
        raise CaseError("La entidad del caso no existe en el catálogo.")
    counter = _locked_counter(session, state_code, year)
    counter.last_value += 1
    session.flush()
    return f"DFI-{state.abbreviation}-{year}-{counter.last_value:06d}"


def _locked_counter(session: Session, state_code: str, year: int) -> FolioCounter:
    stmt = (select(FolioCounter).where(FolioCounter.state_code == state_code, FolioCounter.year == year)
            .with_for_update())
    counter = session.scalars(stmt).first()
    if counter is not None:
        return counter
    # First case of the state this year: two creators may race to insert the row; the loser's
    # savepoint rolls back and it locks the winner's row instead.
    try:
        with session.begin_nested():
            session.add(FolioCounter(state_code=state_code, year=year, last_value=0))
    except IntegrityError:
        pass
    return session.scalars(stmt.execution_options(populate_existing=True)).one()


# --- opening -----------------------------------------------------------------------------------

def _subject_type(subject: Any) -> CaseSubject:
    if isinstance(subject, Household):
        return CaseSubject.HOUSEHOLD
    if isinstance(subject, Person):
        return CaseSubject.INDIVIDUAL
    if isinstance(subject, Community):
        return CaseSubject.COMMUNITY
    raise TypeError("el sujeto de un caso es un hogar, una persona o una comunidad")


def open_case(session: Session, actor: Principal, subject: Household | Person | Community, *,
              stage: Stage = Stage.ASSISTANCE, owner: User | None = None) -> Case:
    """Open a case for `subject` (already loaded through a scoped loader) in the actor's territory.

    The actor owns the case unless a supervisor names another `owner`. Assistance may be
    recorded at once: it is never conditioned on recognition.
    """
    if not has_permission(actor, Permission.REGISTER):
        raise NotPermitted("Su rol no permite abrir casos.")
    if not in_territory(actor, subject.state_code):
        raise NotPermitted("El registro no pertenece a su territorio.")
    if stage not in workflow.OPENING_STAGES:
        raise TransitionNotAllowed("Un caso se abre en prevención, asistencia o atención.", "stage")
    owner = owner or actor
    if owner.id != actor.id:
        _check_assignable(actor, owner, subject.state_code)
    today = local_today()
    subject_type = _subject_type(subject)
    _refuse_second_open_case(session, subject_type, subject.id)
    case = Case(
        folio=next_folio(session, subject.state_code, today.year),
        subject_type=subject_type,
        household_id=subject.id if subject_type == CaseSubject.HOUSEHOLD else None,
        person_id=subject.id if subject_type == CaseSubject.INDIVIDUAL else None,
        community_id=subject.id if subject_type == CaseSubject.COMMUNITY else None,
        stage=stage, status=CaseStatus.OPEN, recognition_status=RecognitionStatus.INTAKE,
        owner_id=owner.id, state_code=subject.state_code, opened_on=today, created_by_id=actor.id,
    )
    session.add(case)
    session.flush()
    case.transitions.append(StageTransition(from_stage=None, to_stage=stage, actor_id=actor.id))
    _audit(session, actor, Action.CREATE, case, subject_type=subject_type.value, stage=stage.value)
    return case


def _refuse_second_open_case(session: Session, subject_type: CaseSubject, subject_id: uuid.UUID) -> None:
    # One open case per subject: a second folio would split its history and its decisions.
    column = {CaseSubject.HOUSEHOLD: Case.household_id, CaseSubject.INDIVIDUAL: Case.person_id,
              CaseSubject.COMMUNITY: Case.community_id}[subject_type]
    folio = session.scalar(select(Case.folio).where(column == subject_id, Case.status == CaseStatus.OPEN))
    if folio is not None:
        who = {CaseSubject.HOUSEHOLD: "Este hogar", CaseSubject.INDIVIDUAL: "Esta persona",
               CaseSubject.COMMUNITY: "Esta comunidad"}[subject_type]
        raise CaseAlreadyOpen(f"{who} ya tiene un caso abierto ({folio}): registre la atención en ese caso; "
                              "no se abre un segundo.")


def _audit(session: Session, actor: Principal, action: Action, case: Case, *, object_type: str = "case",
           object_id: Any = None, fields: list[str] | None = None, **facts: str | int | bool | None) -> None:
    """One audit entry about the case (or one of its records): field names and short facts, never values."""
    audit.record_change(session, actor, action, object_type, object_id or case.id, fields=fields or [],
                        state_code=case.state_code, folio=case.folio, **facts)


# --- optimistic locking ------------------------------------------------------------------------

def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise EditConflict(CONFLICT_MESSAGE)


def _touch(session: Session, case: Case) -> None:
    """Write the case row now: its version moves, and a concurrent writer's version no longer matches."""
    case.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise EditConflict(CONFLICT_MESSAGE) from exc


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise TransitionNotAllowed("El caso está cerrado.")


# --- stages ------------------------------------------------------------------------------------

def change_stage(session: Session, actor: Principal, case: Case, to_stage: Stage, reason: str | None = None,
                 expected_version: int | None = None) -> StageTransition:
    """Move the case one stage forward, or back to an earlier stage with a reason, without approval."""
    _check_version(case, expected_version)
    _require_open(case)
    if not workflow.can_change_stage(actor, case):
        raise NotPermitted("Su rol no permite cambiar la etapa de este caso.")
    workflow.check_direct_change(case.stage, to_stage, reason)
    if case.pending_approval is not None:  # the approver decides on the stage the request was made from
        raise TransitionNotAllowed("Hay una solicitud de aprobación pendiente: espere la decisión.", "to_stage")
    return _move(session, actor, case, to_stage, reason, approval=None)


def _move(session: Session, actor: Principal, case: Case, to_stage: Stage, reason: str | None,
          approval: ApprovalRequest | None) -> StageTransition:
    from_stage = case.stage
    case.stage = to_stage
    if to_stage == Stage.CLOSED:
        assert approval is not None  # noqa: S101 - closing always goes through an approval
        case.status = CaseStatus.CLOSED
        case.closed_on = local_today()
        case.closure_reason = approval.closure_reason
    _touch(session, case)
    transition = StageTransition(from_stage=from_stage, to_stage=to_stage, actor_id=actor.id,
                                 approval_id=approval.id if approval else None)
    transition.reason = (reason or "").strip() or None
    case.transitions.append(transition)
    _audit(session, actor, Action.STAGE_CHANGE, case, fields=["stage", "reason"] if transition.reason else ["stage"],
           from_stage=from_stage.value, to_stage=to_stage.value)
    return transition


def request_approval(session: Session, actor: Principal, case: Case, to_stage: Stage,
                     closure_reason: ClosureReason | None = None, justification: str | None = None,
                     expected_version: int | None = None) -> ApprovalRequest:
    """Ask a supervisor to let the case enter soluciones duraderas or close (one pending request at a time)."""
    _check_version(case, expected_version)
    _require_open(case)
    if not workflow.can_change_stage(actor, case):
        raise NotPermitted("Su rol no permite solicitar cambios de etapa en este caso.")
    if case.pending_approval is not None:
        raise ApprovalNotAllowed("Ya hay una solicitud pendiente para este caso.", "to_stage")
    workflow.check_approval_target(case.stage, to_stage, closure_reason)
    _check_closure_preconditions(session, case, closure_reason)
    approval = ApprovalRequest(from_stage=case.stage, to_stage=to_stage,
                               closure_reason=closure_reason, requested_by_id=actor.id)
    approval.justification = (justification or "").strip() or None
    case.approvals.append(approval)
    _touch(session, case)
    _audit(session, actor, Action.APPROVAL, case, fields=["justification"] if approval.justification else [],
           step="requested", approval_id=str(approval.id), to_stage=to_stage.value,
           closure_reason=closure_reason.value if closure_reason else None)
    return approval


def decide_approval(session: Session, actor: Principal, case: Case, approve: bool, comment: str | None = None,
                    expected_version: int | None = None) -> ApprovalRequest:
    """Approve (and carry out) or reject the case's pending request; never the requester's own."""
    _check_version(case, expected_version)
    approval = case.pending_approval
    if approval is None:
        raise ApprovalNotAllowed("Este caso no tiene una solicitud pendiente.")
    if not has_permission(actor, Permission.APPROVE_STAGE_CHANGE) or not in_territory(actor, case.state_code):
        raise NotPermitted("Su rol no permite aprobar cambios de etapa.")
    if approval.requested_by_id == actor.id:
        raise ApprovalNotAllowed("Nadie puede aprobar su propia solicitud: debe decidirla otra supervisora "
                                 "u otro supervisor.")
    comment = (comment or "").strip() or None
    if not approve and comment is None:
        raise ApprovalNotAllowed("Para rechazar la solicitud escriba un comentario.", "comment")
    if approve:
        workflow.check_approval_target(case.stage, approval.to_stage, approval.closure_reason)
        _check_closure_preconditions(session, case, approval.closure_reason)
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    approval.decided_by_id = actor.id
    approval.decided_at = utcnow()
    approval.comment = comment
    if approve:
        _move(session, actor, case, approval.to_stage, approval.justification, approval)
    else:
        _touch(session, case)
    _audit(session, actor, Action.APPROVAL, case, fields=["comment"] if comment else [], step="decided",
           approval_id=str(approval.id), decision=approval.status.value)
    return approval


def _check_closure_preconditions(session: Session, case: Case, reason: ClosureReason | None) -> None:
    if reason == ClosureReason.NOT_RECOGNIZED and case.recognition_status != RecognitionStatus.NOT_RECOGNIZED:
        raise TransitionNotAllowed("Solo se cierra como «no reconocido» un caso con decisión firme de no "
                                   "reconocimiento.", "closure_reason")
    if reason == ClosureReason.DURABLE_SOLUTION_ACHIEVED:
        blockers = durable_solution_blockers(session, case)
        if blockers:
            raise TransitionNotAllowed("No se puede cerrar por solución duradera alcanzada: " + "; ".join(blockers),
                                       "closure_reason")


def durable_solution_blockers(session: Session, case: Case) -> list[str]:
    """Why the case's household cannot yet be closed as "solución duradera alcanzada" (empty: it can)."""
    household_id = case.household_id
    if household_id is None and case.person_id is not None:
        person = session.get(Person, case.person_id)
        membership = person.current_membership if person is not None else None
        household_id = membership.household_id if membership is not None else None
    if household_id is None:
        return ["el caso no tiene un hogar con una evaluación de soluciones duraderas"]
    return list(solutions.closure_blockers(session, household_id))


# --- recognition -------------------------------------------------------------------------------

def submit_intake(session: Session, actor: Principal, case: Case, summary: str,
                  expected_version: int | None = None) -> Recognition:
    """Send the intake interview to valoración by a supervisor of the territory."""
    _check_version(case, expected_version)
    _require_open(case)
    if not workflow.works_on(actor, case) or not has_permission(actor, Permission.RECORD_SERVICES):
        raise NotPermitted("Su rol no permite enviar la entrevista de este caso.")
    if case.recognition_status != RecognitionStatus.INTAKE:
        raise RecognitionNotAllowed("La entrevista de este caso ya se envió a valoración.")
    if not summary.strip():
        raise RecognitionNotAllowed("Escriba el resumen de la entrevista.", "summary")
    recognition = Recognition(submitted_by_id=actor.id)
    recognition.summary = summary.strip()
    case.recognition = recognition
    case.recognition_status = RecognitionStatus.SUBMITTED
    _touch(session, case)
    _audit(session, actor, Action.UPDATE, case, fields=["recognition.summary"], step="intake_submitted")
    return recognition


def decide_recognition(session: Session, actor: Principal, case: Case, decision: RecognitionDecision, reason: str,
                       expected_version: int | None = None) -> Recognition:
    """A supervisor of the territory (not the one who submitted) recognizes the case or not, with a reason."""
    _check_version(case, expected_version)
    _require_open(case)
    if not has_permission(actor, Permission.DECIDE_RECOGNITION) or not in_territory(actor, case.state_code):
        raise NotPermitted("Su rol no permite decidir el reconocimiento.")
    if case.recognition_status != RecognitionStatus.SUBMITTED or case.recognition is None:
        raise RecognitionNotAllowed("El caso no está en valoración.")
    if not workflow.can_decide_recognition(actor, case):
        raise RecognitionNotAllowed("Quien envió la entrevista no puede decidir su reconocimiento.")
    if not reason.strip():
        raise RecognitionNotAllowed("Escriba el motivo de la decisión.", "reason")
    recognition = case.recognition
    recognition.decision = decision
    recognition.reason = reason.strip()
    recognition.decided_by_id = actor.id
    recognition.decided_at = utcnow()
    case.recognition_status = RecognitionStatus(decision.value)
    _touch(session, case)
    _audit(session, actor, Action.UPDATE, case, fields=["recognition.reason"], step="recognition_decided",
           decision=decision.value)
    return recognition


def appeal(session: Session, actor: Principal, case: Case, grounds: str, expected_version: int | None = None) -> Appeal:
    """File the one recurso de revisión against a non-recognition."""
    _check_version(case, expected_version)
    _require_open(case)
    if not workflow.works_on(actor, case):
        raise NotPermitted("Su rol no permite presentar el recurso en este caso.")
    if case.appeal is not None:
        raise RecognitionNotAllowed("El recurso de revisión ya se presentó: solo hay uno por caso.")
    if case.recognition_status != RecognitionStatus.NOT_RECOGNIZED:
        raise RecognitionNotAllowed("Solo se recurre una decisión de no reconocimiento.")
    if not grounds.strip():
        raise RecognitionNotAllowed("Escriba los motivos del recurso.", "grounds")
    filed = Appeal(filed_by_id=actor.id)
    filed.grounds = grounds.strip()
    case.appeal = filed
    case.recognition_status = RecognitionStatus.APPEALED
    _touch(session, case)
    _audit(session, actor, Action.UPDATE, case, fields=["appeal.grounds"], step="appeal_filed")
    return filed


def decide_appeal(session: Session, actor: Principal, case: Case, decision: RecognitionDecision, reason: str,
                  expected_version: int | None = None) -> Appeal:
    """A supervisor other than the first decider settles the appeal; the decision is final."""
    _check_version(case, expected_version)
    _require_open(case)
    if not has_permission(actor, Permission.DECIDE_RECOGNITION) or not in_territory(actor, case.state_code):
        raise NotPermitted("Su rol no permite decidir el recurso de revisión.")
    if case.recognition_status != RecognitionStatus.APPEALED or case.appeal is None:
        raise RecognitionNotAllowed("El caso no tiene un recurso de revisión pendiente.")
    if not workflow.can_decide_appeal(actor, case):
        raise RecognitionNotAllowed("El recurso lo decide una supervisora o un supervisor distinto de quien "
                                    "tomó la primera decisión.")
    if not reason.strip():
        raise RecognitionNotAllowed("Escriba el motivo de la decisión.", "reason")
    filed = case.appeal
    filed.decision = decision
    filed.reason = reason.strip()
    filed.decided_by_id = actor.id
    filed.decided_at = utcnow()
    case.recognition_status = RecognitionStatus(decision.value)
    _touch(session, case)
    _audit(session, actor, Action.UPDATE, case, fields=["appeal.reason"], step="appeal_decided",
           decision=decision.value)
    return filed


# --- assignment --------------------------------------------------------------------------------

def assignable_users(session: Session, case: Case) -> list[User]:
    """Active caseworkers and supervisors whose territory includes the case's state."""
    users = session.scalars(select(User).where(User.active.is_(True),
                                               User.role.in_(roles_with(Permission.VIEW_CASES)))
                            .order_by(User.full_name))
    return [u for u in users if in_territory(u, case.state_code)]


def _check_assignable(actor: Principal, user: User | None, state_code: str) -> None:
    if user is None or not has_permission(user, Permission.VIEW_CASES) or not in_territory(user, state_code):
        raise NotPermitted("Solo se asigna a capturistas o supervisores activos de la entidad del caso.", "owner_id")
    if not has_permission(actor, Permission.ASSIGN_CASES):
        raise NotPermitted("Su rol no permite asignar casos.")


def assign(session: Session, actor: Principal, case: Case, owner_id: int, assignee_ids: list[int],
           expected_version: int | None = None) -> Case:
    """Set the case's owner and assignees; whoever is neither loses access to it."""
    _check_version(case, expected_version)
    _require_open(case)
    if not workflow.can_assign(actor, case):
        raise NotPermitted("Su rol no permite asignar casos de esta entidad.")
    owner = session.get(User, owner_id)
    _check_assignable(actor, owner, case.state_code)
    assert owner is not None  # noqa: S101 - checked above
    wanted = {i for i in assignee_ids if i != owner.id}
    for user_id in wanted:
        _check_assignable(actor, session.get(User, user_id), case.state_code)
    previous_owner = case.owner_id
    case.owner_id = owner.id
    case.assignees = [a for a in case.assignees if a.user_id in wanted] + [
        CaseAssignee(user_id=i, assigned_by_id=actor.id) for i in sorted(wanted - case.assignee_ids)]
    _touch(session, case)
    _audit(session, actor, Action.ASSIGNMENT, case, fields=["owner_id", "assignees"], previous_owner_id=previous_owner,
           owner_id=owner.id, assignee_ids=",".join(str(i) for i in sorted(wanted)))
    return case


# --- services, referrals, notes ----------------------------------------------------------------

def _require_record(actor: Principal, case: Case) -> None:
    _require_open(case)
    if not workflow.can_record(actor, case):
        raise NotPermitted("Su rol no permite registrar actividades en este caso.")


def _institution(session: Session, case: Case, institution_id: int | None, required: bool) -> Institution | None:
    if institution_id is None:
        if required:
            raise CaseError("Elija la institución.", "institution_id")
        return None
    institution = session.get(Institution, institution_id)
    if institution is None or not institution.active or institution.state_code not in (None, case.state_code):
        raise CaseError("La institución no existe, no está activa o no atiende en la entidad del caso.",
                        "institution_id")
    return institution


def add_service(session: Session, actor: Principal, case: Case, *, assistance_type: AssistanceType, provided_on: date,
                status: ServiceStatus, institution_id: int | None = None, notes: str | None = None) -> Service:
    """Record assistance or a service; allowed from the first contact, recognized or not."""
    _require_record(actor, case)
    _institution(session, case, institution_id, required=False)
    if provided_on > local_today() + timedelta(days=366):
        raise CaseError("La fecha es demasiado lejana.", "provided_on")
    service = Service(assistance_type=assistance_type, provided_on=provided_on, status=status,
                      institution_id=institution_id, recorded_by_id=actor.id)
    service.notes = (notes or "").strip() or None
    case.services.append(service)
    session.flush()
    _audit(session, actor, Action.CREATE, case, object_type="case_service", object_id=service.id,
           fields=["notes"] if service.notes else [], case_id=str(case.id))
    return service


def update_service_status(session: Session, actor: Principal, case: Case, service: Service,
                          status: ServiceStatus) -> Service:
    """Move a service along its flow: solicitado → en curso → entregado (or rechazado, cancelado)."""
    _require_record(actor, case)
    if service.case_id != case.id:
        raise NotVisible("case_service", service.id, "not_in_case")
    if status not in SERVICE_FLOW[service.status]:
        raise CaseError(f"Un servicio «{service.status.label}» no puede pasar a «{status.label}».", "status")
    service.status = status
    session.flush()
    _audit(session, actor, Action.UPDATE, case, object_type="case_service", object_id=service.id, fields=["status"],
           case_id=str(case.id), status=status.value)
    return service


def referred_person(session: Session, case: Case) -> Person | None:
    """Whose data a referral shares: the person of an individual case, or the head of a household."""
    if case.person_id is not None:
        return session.get(Person, case.person_id)
    if case.household_id is not None:
        household = session.get(Household, case.household_id)
        if household is None:
            return None
        heads = [m for m in household.current_memberships if m.relationship_to_head == RelationshipToHead.HEAD]
        return heads[0].person if heads else None
    return None


def add_referral(session: Session, actor: Principal, case: Case, *, institution_id: int, need: AssistanceType,
                 due_on: date, notes: str | None = None) -> Referral:
    """Refer the case to an institution; refused unless the person consented to sharing with it."""
    _require_record(actor, case)
    _institution(session, case, institution_id, required=True)
    today = local_today()
    if due_on < today:
        raise CaseError("La fecha límite no puede ser anterior a hoy.", "due_on")
    person = referred_person(session, case)
    if person is None:
        raise ConsentMissing("El caso no tiene una persona (o jefa o jefe de hogar) cuyo consentimiento se "
                             "pueda verificar.")
    if not has_consent_to_share(session, person, institution_id):
        raise ConsentMissing("La persona no ha dado su consentimiento para compartir sus datos con esta "
                             "institución (o lo retiró). Registre el consentimiento antes de canalizar.")
    referral = Referral(person_id=person.id, institution_id=institution_id, need=need,
                        sent_on=today, due_on=due_on, status=ReferralStatus.SENT, created_by_id=actor.id)
    referral.notes = (notes or "").strip() or None
    case.referrals.append(referral)
    session.flush()
    _audit(session, actor, Action.REFERRAL, case, object_type="referral", object_id=referral.id,
           fields=["notes"] if referral.notes else [], case_id=str(case.id), institution_id=institution_id)
    return referral


def update_referral_status(session: Session, actor: Principal, case: Case, referral: Referral, status: ReferralStatus,
                           response: str | None = None) -> Referral:
    """Move a referral along its flow: enviada → aceptada/rechazada → atendida → cerrada."""
    _require_record(actor, case)
    if referral.case_id != case.id:
        raise NotVisible("referral", referral.id, "not_in_case")
    if status not in REFERRAL_FLOW[referral.status]:
        raise CaseError(f"Una canalización «{referral.status.label}» no puede pasar a «{status.label}».", "status")
    now = utcnow()
    if referral.status == ReferralStatus.SENT and referral.responded_at is None:
        referral.responded_at = now
    referral.status = status
    if (response or "").strip():
        referral.response = (response or "").strip()
    referral.updated_at = now
    session.flush()
    _audit(session, actor, Action.UPDATE, case, object_type="referral", object_id=referral.id,
           fields=["status", "response"] if (response or "").strip() else ["status"], case_id=str(case.id),
           status=status.value)
    return referral


def is_overdue(referral: Referral, today: date | None = None) -> bool:
    """Still waiting on the institution after its due date."""
    return referral.status in OPEN_REFERRAL_STATUSES and referral.due_on < (today or local_today())


def add_note(session: Session, actor: Principal, case: Case, body: str) -> CaseNote:
    """Add a follow-up note (encrypted)."""
    _require_record(actor, case)
    if not body.strip():
        raise CaseError("Escriba la nota.", "body")
    note = CaseNote(author_id=actor.id)
    note.body = body.strip()
    case.notes.append(note)
    session.flush()
    _audit(session, actor, Action.CREATE, case, object_type="case_note", object_id=note.id, fields=["body"],
           case_id=str(case.id))
    return note


# --- the case page -----------------------------------------------------------------------------

@dataclass
class TimelineEntry:
    #: When it was recorded (aware UTC); for a date-only entry, only the tie-break within its day.
    at: datetime
    kind: str
    title: str
    actor: str | None = None
    #: Decrypted text shown on the page (notes, reasons); named in the "view" audit entry.
    text: str | None = None
    detail: str | None = None
    overdue: bool = False
    referral: Referral | None = None
    service: Service | None = None
    #: The day as the user typed it, for entries that have a date and no time (an assistance given on
    #: 27/11): shown as typed, never through a timezone conversion.
    day: date | None = None

    @property
    def sort_key(self) -> tuple[date, datetime]:
        """Newest first by the day the user reads, then by when it was recorded."""
        return (self.day or local_date(self.at), self.at)


@dataclass
class CasePage:
    """What the case page shows: the subject's label and the timeline."""

    subject: str
    entries: list[TimelineEntry]


def case_page(session: Session, actor: Principal, case: Case) -> CasePage:
    """The subject and the timeline of the case, with one "view" audit entry naming every field shown."""
    subject, subject_fields = subject_summary(session, case)
    return CasePage(subject, timeline(session, actor, case, also_shown=subject_fields))


def timeline(session: Session, actor: Principal, case: Case,
             also_shown: list[str] | None = None) -> list[TimelineEntry]:
    """Everything that happened on the case, newest first; decrypts what it shows and audits a view.

    `also_shown` names other encrypted fields the caller shows on the same page (for the audit entry).
    """
    users = _user_names(session, case)
    entries: list[TimelineEntry] = []
    shown: set[str] = set(also_shown or [])

    def add(at: datetime, kind: str, title: str, actor_id: int | None, text: str | None = None,
            field_name: str | None = None, **extra: Any) -> None:
        if text and field_name:
            shown.add(field_name)
        entries.append(TimelineEntry(_aware(at), kind, title, users.get(actor_id or 0), text, **extra))

    for t in case.transitions:
        title = (f"Caso abierto en «{t.to_stage.label}»" if t.from_stage is None
                 else f"Etapa: «{t.from_stage.label}» → «{t.to_stage.label}»")
        add(t.occurred_at, "stage", title, t.actor_id, t.reason, "stage_transition.reason")
    for a in case.approvals:
        target = a.to_stage.label + (f" ({a.closure_reason.label})" if a.closure_reason else "")
        add(a.requested_at, "approval", f"Solicitud de aprobación: pasar a «{target}»", a.requested_by_id,
            a.justification, "approval_request.justification")
        if a.decided_at is not None:
            add(a.decided_at, "approval", f"Solicitud {a.status.label.lower()}: «{target}»", a.decided_by_id,
                a.comment, "approval_request.comment")
    _recognition_entries(case, add)
    for s in case.services:
        add(s.created_at, "service", f"{s.assistance_type.label} ({s.status.label.lower()})", s.recorded_by_id,
            s.notes, "case_service.notes", detail=_institution_name(session, s.institution_id), service=s,
            day=s.provided_on)
    today = local_today()
    for r in case.referrals:
        add(r.created_at, "referral", f"Canalización: {r.need.label} — {r.status.label.lower()}", r.created_by_id,
            r.response or r.notes, "referral.response" if r.response else "referral.notes",
            detail=f"{_institution_name(session, r.institution_id)} · fecha límite {r.due_on.strftime('%d/%m/%Y')}",
            overdue=is_overdue(r, today), referral=r)
    for n in case.notes:
        add(n.created_at, "note", "Nota de seguimiento", n.author_id, n.body, "case_note.body")
    entries.extend(_assessment_entries(session, case))
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    audit.record_view(session, actor, "case", case.id, fields=shown, state_code=case.state_code, folio=case.folio)
    return entries


def _recognition_entries(case: Case, add: Any) -> None:
    r = case.recognition
    if r is not None:
        add(r.submitted_at, "recognition", "Entrevista inicial enviada a valoración", r.submitted_by_id,
            r.summary, "recognition.summary")
        if r.decision is not None and r.decided_at is not None:
            add(r.decided_at, "recognition", f"Valoración: {r.decision.label.lower()}", r.decided_by_id, r.reason,
                "recognition.reason")
    a = case.appeal
    if a is not None:
        add(a.filed_at, "recognition", "Recurso de revisión presentado", a.filed_by_id, a.grounds, "appeal.grounds")
        if a.decision is not None and a.decided_at is not None:
            add(a.decided_at, "recognition", f"Recurso de revisión: {a.decision.label.lower()}", a.decided_by_id,
                a.reason, "appeal.reason")


def _assessment_entries(session: Session, case: Case) -> list[TimelineEntry]:
    """The signed durable-solution assessments of the case's household."""
    if case.household_id is None:
        return []
    return [TimelineEntry(_aware(at), "assessment", title)
            for at, title in solutions.timeline_entries(session, case.household_id)]


def _institution_name(session: Session, institution_id: int | None) -> str | None:
    if institution_id is None:
        return None
    institution = session.get(Institution, institution_id)
    return institution.name if institution else None


def _user_names(session: Session, case: Case) -> dict[int, str]:
    ids: set[int] = {case.owner_id, *case.assignee_ids}
    ids.update(t.actor_id for t in case.transitions)
    for a in case.approvals:
        ids.update({a.requested_by_id, a.decided_by_id or 0})
    for item in (case.recognition, case.appeal):
        if item is not None:
            ids.update({getattr(item, "submitted_by_id", 0) or getattr(item, "filed_by_id", 0),
                        item.decided_by_id or 0})
    ids.update(s.recorded_by_id for s in case.services)
    ids.update(r.created_by_id for r in case.referrals)
    ids.update(n.author_id for n in case.notes)
    ids.discard(0)
    rows = session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
    return {row.id: row.full_name for row in rows}


def subject_summary(session: Session, case: Case) -> tuple[str, list[str]]:
    """A short label for the subject, and the encrypted fields it decrypted (for the caller's audit entry)."""
    if case.subject_type == CaseSubject.COMMUNITY and case.community_id is not None:
        community = session.get(Community, case.community_id)
        return (f"Comunidad {community.name}" if community else "Comunidad"), []
    person = referred_person(session, case)
    name = person.full_name() if person is not None else "sin persona registrada"
    fields = ["person.given_names", "person.first_surname", "person.second_surname"] if person is not None else []
    if case.subject_type == CaseSubject.HOUSEHOLD:
        household = session.get(Household, case.household_id)
        size = household.size if household else 0
        return f"Hogar de {name} ({size} integrantes)", fields
    return name, fields


# --- worklist ----------------------------------------------------------------------------------

@dataclass
class Worklist:
    """What needs the user's action, for "Mis casos"."""

    cases: list[Case] = field(default_factory=list)
    #: My requests still waiting for a supervisor.
    awaiting_approval: list[Case] = field(default_factory=list)
    #: My cases whose latest request came back rejected.
    returned: list[tuple[Case, ApprovalRequest]] = field(default_factory=list)
    #: Requests and recognitions this supervisor may decide.
    to_decide: list[Case] = field(default_factory=list)
    overdue_referrals: list[tuple[Case, Referral]] = field(default_factory=list)
    #: Open cases with no activity for `idle_days` days (CASE_IDLE_DAYS).
    stale: list[Case] = field(default_factory=list)


def worklist(session: Session, user: Principal, today: date | None = None,
             idle_days: int = STALE_AFTER_DAYS) -> Worklist:
    """The user's open cases (owned or assigned) and what needs action on them."""
    result = Worklist()
    mine = _my_cases_clause(user)
    result.cases = list(session.scalars(scoped(select(Case).options(*_WORKLIST_LOADS), Case, user)
                                        .where(mine, Case.status == CaseStatus.OPEN)
                                        .order_by(Case.created_at.desc())))
    for case in result.cases:
        pending = case.pending_approval
        latest = case.approvals[-1] if case.approvals else None
        if pending is not None and pending.requested_by_id == user.id:
            result.awaiting_approval.append(case)
        elif latest is not None and latest.status == ApprovalStatus.REJECTED:
            result.returned.append((case, latest))
    today = today or local_today()
    result.overdue_referrals = [(case, r) for case in result.cases for r in case.referrals if is_overdue(r, today)]
    last = last_activity(session, [c.id for c in result.cases])
    limit = utcnow() - timedelta(days=idle_days)
    result.stale = [c for c in result.cases if last.get(c.id, _aware(c.created_at)) < limit]
    if has_permission(user, Permission.APPROVE_STAGE_CHANGE):
        result.to_decide = _decisions_waiting(session, user)
    return result


#: What the worklist reads of each case, loaded up front (templates never query).
_WORKLIST_LOADS = (selectinload(Case.owner), selectinload(Case.approvals), selectinload(Case.referrals))


def _my_cases_clause(user: Principal) -> Any:
    assigned = select(CaseAssignee.case_id).where(CaseAssignee.user_id == user.id)
    return (Case.owner_id == user.id) | Case.id.in_(assigned)


def _decisions_waiting(session: Session, user: Principal) -> list[Case]:
    """Cases of the supervisor's territory with a request or a recognition they may decide."""
    waiting = scoped(select(Case), Case, user).where(Case.status == CaseStatus.OPEN).where(
        Case.id.in_(select(ApprovalRequest.case_id).where(ApprovalRequest.status == ApprovalStatus.PENDING))
        | Case.recognition_status.in_([RecognitionStatus.SUBMITTED, RecognitionStatus.APPEALED]))
    cases = session.scalars(waiting.options(*_WORKLIST_LOADS, selectinload(Case.recognition))
                            .order_by(Case.updated_at)).all()
    return [c for c in cases if any(a.name.startswith("decide_") for a in workflow.next_actions(c, user))]


def last_activity(session: Session, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """The latest moment anything was recorded on each case."""
    if not case_ids:
        return {}
    sources = union_all(
        select(Case.id.label("case_id"), Case.updated_at.label("at")).where(Case.id.in_(case_ids)),
        select(Service.case_id, Service.created_at).where(Service.case_id.in_(case_ids)),
        select(Referral.case_id, Referral.updated_at).where(Referral.case_id.in_(case_ids)),
        select(CaseNote.case_id, CaseNote.created_at).where(CaseNote.case_id.in_(case_ids)),
    ).subquery()
    rows = session.execute(select(sources.c.case_id, func.max(sources.c.at)).group_by(sources.c.case_id))
    return {row[0]: _aware(row[1]) for row in rows}

