"""Operations that change a case: the folio, opening, stages and approvals, assignment.

This module also names the operations of `cases.recognition` and `cases.activities`, so views and
other features find every change here; the read models are `cases.pages` (one case) and
`cases.lists` (many)."""
from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dfi_casos.auth.models import User
from dfi_casos.cases import workflow
from dfi_casos.cases.activities import (
    add_note,
    add_referral,
    add_service,
    update_referral_status,
    update_service_status,
)
from dfi_casos.cases.models import (
    ApprovalRequest,
    ApprovalStatus,
    Case,
    CaseAssignee,
    CaseStatus,
    FolioCounter,
    RecognitionStatus,
    StageTransition,
)
from dfi_casos.cases.recognition import appeal, decide_appeal, decide_recognition, submit_intake
from dfi_casos.cases.rules import (
    OPEN_REFERRAL_STATUSES,
    REFERRAL_FLOW,
    SERVICE_FLOW,
    audit_case,
    check_version,
    durable_solution_blockers,
    is_overdue,
    referred_person,
    require_open,
    touch,
)
from dfi_casos.cases.workflow import (
    ApprovalNotAllowed,
    CaseAlreadyOpen,
    CaseError,
    ConsentMissing,
    NotPermitted,
    RecognitionNotAllowed,
    TransitionNotAllowed,
)
from dfi_casos.catalogs.enums import CaseSubject, ClosureReason, Stage
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.database import local_today, utcnow
from dfi_casos.errors import EditConflict
from dfi_casos.registry.models import Community, Household, Person
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory, roles_with
from dfi_casos.security.audit import Action

__all__ = [
    # errors
    "CaseError", "EditConflict", "ConsentMissing", "NotPermitted", "TransitionNotAllowed",
    "ApprovalNotAllowed", "RecognitionNotAllowed", "CaseAlreadyOpen",
    # rules
    "REFERRAL_FLOW", "SERVICE_FLOW", "OPEN_REFERRAL_STATUSES", "is_overdue", "referred_person",
    "durable_solution_blockers",
    # this module
    "next_folio", "locked_counter", "open_case", "change_stage", "request_approval", "decide_approval",
    "assignable_users", "assign",
    # recognition
    "submit_intake", "decide_recognition", "appeal", "decide_appeal",
    # activities
    "add_service", "update_service_status", "add_referral", "update_referral_status", "add_note",
]


# --- folio -------------------------------------------------------------------------------------

def next_folio(session: Session, state_code: str, year: int) -> str:
    """Take the next folio of the state and year: DFI-GRO-2026-000123.

    The counter row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions begin
    IMMEDIATE), so two cases opened at once never share a number; the UNIQUE constraint on
    `case_file.folio` is the backstop.
    """
    state = state_by_code(state_code)
    if state is None:
        raise CaseError(_("La entidad del caso no existe en el catálogo."))
    counter = locked_counter(session, state_code, year)
    counter.last_value += 1
    session.flush()
    return f"DFI-{state.abbreviation}-{year}-{counter.last_value:06d}"


def locked_counter(session: Session, state_code: str, year: int) -> FolioCounter:
    """The folio counter row of the state and year, created if missing, locked until the transaction ends."""
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
    raise TypeError(_("el sujeto de un caso es un hogar, una persona o una comunidad"))


def open_case(session: Session, actor: Principal, subject: Household | Person | Community, *,
              stage: Stage = Stage.ASSISTANCE, owner: User | None = None) -> Case:
    """Open a case for `subject` (already loaded through a scoped loader) in the actor's territory.

    The actor owns the case unless a supervisor names another `owner`. Assistance may be
    recorded at once: it is never conditioned on recognition.
    """
    if not has_permission(actor, Permission.REGISTER):
        raise NotPermitted(_("Su rol no permite abrir casos."))
    if not in_territory(actor, subject.state_code):
        raise NotPermitted(_("El registro no pertenece a su territorio."))
    if stage not in workflow.OPENING_STAGES:
        raise TransitionNotAllowed(_("Un caso se abre en prevención, asistencia o atención."), "stage")
    if owner is not None and owner.id != actor.id:
        _check_assignable(actor, owner, subject.state_code)
    owner_id = owner.id if owner is not None else actor.id
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
        owner_id=owner_id, state_code=subject.state_code, opened_on=today, created_by_id=actor.id,
    )
    session.add(case)
    session.flush()
    case.transitions.append(StageTransition(from_stage=None, to_stage=stage, actor_id=actor.id))
    audit_case(session, actor, Action.CREATE, case, subject_type=subject_type.value, stage=stage.value)
    return case


def _refuse_second_open_case(session: Session, subject_type: CaseSubject, subject_id: uuid.UUID) -> None:
    # One open case per subject: a second folio would split its history and its decisions.
    column = {CaseSubject.HOUSEHOLD: Case.household_id, CaseSubject.INDIVIDUAL: Case.person_id,
              CaseSubject.COMMUNITY: Case.community_id}[subject_type]
    folio = session.scalar(select(Case.folio).where(column == subject_id, Case.status == CaseStatus.OPEN))
    if folio is not None:
        message = {
            CaseSubject.HOUSEHOLD: _("Este hogar ya tiene un caso abierto (%(folio)s): registre la atención en ese "
                                     "caso; no se abre un segundo.", folio=folio),
            CaseSubject.INDIVIDUAL: _("Esta persona ya tiene un caso abierto (%(folio)s): registre la atención en "
                                      "ese caso; no se abre un segundo.", folio=folio),
            CaseSubject.COMMUNITY: _("Esta comunidad ya tiene un caso abierto (%(folio)s): registre la atención en "
                                     "ese caso; no se abre un segundo.", folio=folio)}[subject_type]
        raise CaseAlreadyOpen(message)


# --- stages ------------------------------------------------------------------------------------

def change_stage(session: Session, actor: Principal, case: Case, to_stage: Stage, reason: str | None = None,
                 expected_version: int | None = None) -> StageTransition:
    """Move the case one stage forward, or back to an earlier stage with a reason, without approval."""
    check_version(case, expected_version)
    require_open(case)
    if not workflow.can_change_stage(actor, case):
        raise NotPermitted(_("Su rol no permite cambiar la etapa de este caso."))
    workflow.check_direct_change(case.stage, to_stage, reason)
    if case.pending_approval is not None:  # the approver decides on the stage the request was made from
        raise TransitionNotAllowed(_("Hay una solicitud de aprobación pendiente: espere la decisión."), "to_stage")
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
    touch(session, case)
    transition = StageTransition(from_stage=from_stage, to_stage=to_stage, actor_id=actor.id,
                                 approval_id=approval.id if approval else None)
    transition.reason = (reason or "").strip() or None
    case.transitions.append(transition)
    audit_case(session, actor, Action.STAGE_CHANGE, case,
               fields=["stage", "reason"] if transition.reason else ["stage"],
               from_stage=from_stage.value, to_stage=to_stage.value)
    return transition


def request_approval(session: Session, actor: Principal, case: Case, to_stage: Stage,
                     closure_reason: ClosureReason | None = None, justification: str | None = None,
                     expected_version: int | None = None) -> ApprovalRequest:
    """Ask a supervisor to let the case enter soluciones duraderas or close (one pending request at a time)."""
    check_version(case, expected_version)
    require_open(case)
    if not workflow.can_change_stage(actor, case):
        raise NotPermitted(_("Su rol no permite solicitar cambios de etapa en este caso."))
    if case.pending_approval is not None:
        raise ApprovalNotAllowed(_("Ya hay una solicitud pendiente para este caso."), "to_stage")
    workflow.check_approval_target(case.stage, to_stage, closure_reason)
    _check_closure_preconditions(session, case, closure_reason)
    approval = ApprovalRequest(from_stage=case.stage, to_stage=to_stage,
                               closure_reason=closure_reason, requested_by_id=actor.id)
    approval.justification = (justification or "").strip() or None
    case.approvals.append(approval)
    touch(session, case)
    audit_case(session, actor, Action.APPROVAL, case, fields=["justification"] if approval.justification else [],
               step="requested", approval_id=str(approval.id), to_stage=to_stage.value,
               closure_reason=closure_reason.value if closure_reason else None)
    return approval


def decide_approval(session: Session, actor: Principal, case: Case, approve: bool, comment: str | None = None,
                    expected_version: int | None = None) -> ApprovalRequest:
    """Approve (and carry out) or reject the case's pending request; never the requester's own."""
    check_version(case, expected_version)
    approval = case.pending_approval
    if approval is None:
        raise ApprovalNotAllowed(_("Este caso no tiene una solicitud pendiente."))
    if not has_permission(actor, Permission.APPROVE_STAGE_CHANGE) or not in_territory(actor, case.state_code):
        raise NotPermitted(_("Su rol no permite aprobar cambios de etapa."))
    if approval.requested_by_id == actor.id:
        raise ApprovalNotAllowed(_("Nadie puede aprobar su propia solicitud: debe decidirla otra supervisora "
                                   "u otro supervisor."))
    comment = (comment or "").strip() or None
    if not approve and comment is None:
        raise ApprovalNotAllowed(_("Para rechazar la solicitud escriba un comentario."), "comment")
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
        touch(session, case)
    audit_case(session, actor, Action.APPROVAL, case, fields=["comment"] if comment else [], step="decided",
               approval_id=str(approval.id), decision=approval.status.value)
    return approval


def _check_closure_preconditions(session: Session, case: Case, reason: ClosureReason | None) -> None:
    if reason == ClosureReason.NOT_RECOGNIZED and case.recognition_status != RecognitionStatus.NOT_RECOGNIZED:
        raise TransitionNotAllowed(_("Solo se cierra como «no reconocido» un caso con decisión firme de no "
                                     "reconocimiento."), "closure_reason")
    if reason == ClosureReason.DURABLE_SOLUTION_ACHIEVED:
        blockers = durable_solution_blockers(session, case)
        if blockers:
            raise TransitionNotAllowed(_("No se puede cerrar por solución duradera alcanzada: %(reasons)s",
                                         reasons="; ".join(blockers)), "closure_reason")


# --- assignment --------------------------------------------------------------------------------

def assignable_users(session: Session, case: Case) -> list[User]:
    """Active caseworkers and supervisors whose territory includes the case's state."""
    users = session.scalars(select(User).where(User.active.is_(True),
                                               User.role.in_(roles_with(Permission.VIEW_CASES)))
                            .order_by(User.full_name))
    return [u for u in users if in_territory(u, case.state_code)]


def _check_assignable(actor: Principal, user: User | None, state_code: str) -> None:
    if user is None or not has_permission(user, Permission.VIEW_CASES) or not in_territory(user, state_code):
        raise NotPermitted(_("Solo se asigna a capturistas o supervisores activos de la entidad del caso."), "owner_id")
    if not has_permission(actor, Permission.ASSIGN_CASES):
        raise NotPermitted(_("Su rol no permite asignar casos."))


def assign(session: Session, actor: Principal, case: Case, owner_id: int, assignee_ids: list[int],
           expected_version: int | None = None) -> Case:
    """Set the case's owner and assignees; whoever is neither loses access to it."""
    check_version(case, expected_version)
    require_open(case)
    if not workflow.can_assign(actor, case):
        raise NotPermitted(_("Su rol no permite asignar casos de esta entidad."))
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
    touch(session, case)
    audit_case(session, actor, Action.ASSIGNMENT, case, fields=["owner_id", "assignees"],
               previous_owner_id=previous_owner, owner_id=owner.id,
               assignee_ids=",".join(str(i) for i in sorted(wanted)))
    return case
