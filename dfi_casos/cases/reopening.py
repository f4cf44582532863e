"""Reopening a closed case: a request with a reason, decided by another supervisor of the territory.

The request is an `ApprovalRequest` from «Cerrado» to the stage the case returns to, so it sits in the
same history as every other approval. Approved, the case is open again with the same folio,
recognition, appeal and history; the reopening is a stage transition out of «Cerrado». Some closure
reasons never reopen (CASE_NEVER_REOPEN_REASONS: a death; a duplicate lives on in its twin).
"""
from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.cases.locking import check_version, conflicts_as, touch
from dfi_casos.cases.models import ApprovalRequest, ApprovalStatus, Case, CaseStatus, StageTransition
from dfi_casos.cases.workflow import (
    ApprovalNotAllowed,
    CaseAlreadyOpen,
    NextStep,
    NotPermitted,
    TransitionNotAllowed,
)
from dfi_casos.catalogs.enums import CaseSubject, ClosureReason, Stage
from dfi_casos.database import utcnow
from dfi_casos.scope import scoped, works_on
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory
from dfi_casos.security.audit import Action

#: Stages a case may be reopened in (closure is not one of them).
REOPEN_STAGES = (Stage.PREVENTION, Stage.ASSISTANCE, Stage.ATTENTION, Stage.DURABLE_SOLUTIONS)
#: Default of CASE_NEVER_REOPEN_REASONS.
NEVER_REOPEN_DEFAULT = frozenset({ClosureReason.DEATH, ClosureReason.DUPLICATE})

#: What the slower of two supervisors deciding the same request reads.
DECIDED_MESSAGE = _l("Otra supervisora u otro supervisor ya decidió esta solicitud de reapertura mientras usted la "
                   "revisaba: su decisión no se guardó. Recargue el caso para ver cómo quedó.")
CONFLICT_MESSAGE = _l("Otra persona cambió este caso mientras usted trabajaba (por ejemplo, decidió la reapertura): "
                    "su cambio no se guardó. Recargue la página y revise el caso.")


def never_reopen_reasons() -> frozenset[ClosureReason]:
    """Closure reasons after which a case can never be reopened (CASE_NEVER_REOPEN_REASONS)."""
    if not has_app_context():
        return NEVER_REOPEN_DEFAULT
    return frozenset(ClosureReason(v) for v in current_app.config.get("CASE_NEVER_REOPEN_REASONS",
                                                                      [r.value for r in NEVER_REOPEN_DEFAULT]))


def never_reopens(case: Any) -> str | None:
    """Why this closed case can never be reopened, in Spanish; None when it can."""
    if case.is_open or case.closure_reason not in never_reopen_reasons():
        return None
    return _("Un caso cerrado por «%(reason)s» no se reabre. Si la situación cambió, abra un caso nuevo para "
             "quien lo necesite.", reason=case.closure_reason.label)


def is_reopening(approval: ApprovalRequest | None) -> bool:
    return approval is not None and approval.from_stage == Stage.CLOSED


def closed_from(case: Case) -> Stage:
    """The stage the case was in when it closed (its latest move into «Cerrado»)."""
    closings = [t for t in case.transitions if t.to_stage == Stage.CLOSED and t.from_stage is not None]
    if closings:
        last = max(closings, key=lambda t: t.occurred_at)
        assert last.from_stage is not None  # noqa: S101 - filtered above
        return last.from_stage
    return Stage.ATTENTION


def can_request(user: Principal, case: Any) -> bool:
    """Whoever may work on the closed case asks; a supervisor decides."""
    return (not case.is_open and has_permission(user, Permission.REQUEST_STAGE_CHANGE) and works_on(user, case)
            and case.pending_approval is None and never_reopens(case) is None)


def can_decide(user: Principal, case: Any) -> bool:
    """A supervisor of the territory other than the one who asked."""
    pending = case.pending_approval
    return (not case.is_open and is_reopening(pending) and has_permission(user, Permission.APPROVE_STAGE_CHANGE)
            and in_territory(user, case.state_code) and pending.requested_by_id != user.id)


def steps(case: Any, user: Principal) -> list[NextStep]:
    """The reopening actions `user` may take on `case` now."""
    found = []
    if can_decide(user, case):
        found.append(NextStep("decide_reopening", _("Decidir reapertura")))
    if can_request(user, case):
        found.append(NextStep("request_reopening", _("Solicitar reapertura"), REOPEN_STAGES))
    return found


def _refuse_if_subject_has_open_case(session: Session, case: Case) -> None:
    # One open case per subject: a person who reappears goes back to their folio, not to a second one.
    column = {CaseSubject.HOUSEHOLD: Case.household_id, CaseSubject.INDIVIDUAL: Case.person_id,
              CaseSubject.COMMUNITY: Case.community_id}[case.subject_type]
    subject_id = {CaseSubject.HOUSEHOLD: case.household_id, CaseSubject.INDIVIDUAL: case.person_id,
                  CaseSubject.COMMUNITY: case.community_id}[case.subject_type]
    folio = session.scalar(select(Case.folio).where(column == subject_id, Case.status == CaseStatus.OPEN,
                                                    Case.id != case.id))
    if folio is not None:
        raise CaseAlreadyOpen(_("El mismo sujeto ya tiene otro caso abierto (%(folio)s): registre la atención "
                                "allí; este caso no se reabre mientras aquel siga abierto.", folio=folio))


def request_reopening(session: Session, actor: Principal, case: Case, to_stage: Stage, reason: str | None,
                      expected_version: int | None = None) -> ApprovalRequest:
    """Ask to reopen a closed case in `to_stage` (by default the stage it closed from), with a reason."""
    check_version(case, expected_version, CONFLICT_MESSAGE)
    if case.is_open:
        raise TransitionNotAllowed(_("El caso está abierto: no hay nada que reabrir."))
    if (blocked := never_reopens(case)) is not None:
        raise TransitionNotAllowed(blocked)
    if not has_permission(actor, Permission.REQUEST_STAGE_CHANGE) or not works_on(actor, case):
        raise NotPermitted(_("Su rol no permite solicitar la reapertura de este caso."))
    if case.pending_approval is not None:
        raise ApprovalNotAllowed(_("Ya hay una solicitud pendiente para este caso."), "to_stage")
    if to_stage not in REOPEN_STAGES:
        raise TransitionNotAllowed(_("Un caso se reabre en prevención, asistencia, atención o soluciones duraderas."),
                                   "to_stage")
    text = (reason or "").strip()
    if not text:
        raise TransitionNotAllowed(_("Escriba el motivo de la reapertura."), "reason")
    _refuse_if_subject_has_open_case(session, case)
    approval = ApprovalRequest(from_stage=Stage.CLOSED, to_stage=to_stage, requested_by_id=actor.id)
    approval.justification = text
    with conflicts_as(CONFLICT_MESSAGE):
        case.approvals.append(approval)
        touch(session, case, CONFLICT_MESSAGE)
    audit.record_change(session, actor, Action.APPROVAL, "case", case.id, fields=["justification"],
                        step="reopening_requested", approval_id=str(approval.id), to_stage=to_stage.value,
                        closed_from=closed_from(case).value, state_code=case.state_code, folio=case.folio)
    return approval


def decide_reopening(session: Session, actor: Principal, case: Case, approve: bool, comment: str | None = None,
                     expected_version: int | None = None) -> ApprovalRequest:
    """Approve (the case is open again) or reject the pending reopening; never the requester's own.

    Two supervisors deciding at once: the second finds the case at a newer version (or its write
    fails on the version column) and reads DECIDED_MESSAGE; nothing of theirs is kept.
    """
    approval = case.pending_approval
    if approval is None or not is_reopening(approval):
        if any(is_reopening(a) and a.status != ApprovalStatus.PENDING for a in case.approvals):
            raise ApprovalNotAllowed(DECIDED_MESSAGE)
        raise ApprovalNotAllowed(_("Este caso no tiene una solicitud de reapertura pendiente."))
    check_version(case, expected_version, DECIDED_MESSAGE)
    if not has_permission(actor, Permission.APPROVE_STAGE_CHANGE) or not in_territory(actor, case.state_code):
        raise NotPermitted(_("Su rol no permite decidir reaperturas."))
    if approval.requested_by_id == actor.id:
        raise ApprovalNotAllowed(_("Nadie puede aprobar su propia solicitud: debe decidirla otra supervisora "
                                   "u otro supervisor."))
    comment = (comment or "").strip() or None
    if not approve and comment is None:
        raise ApprovalNotAllowed(_("Para rechazar la reapertura escriba un comentario."), "comment")
    if approve:
        if (blocked := never_reopens(case)) is not None:
            raise TransitionNotAllowed(blocked)
        _refuse_if_subject_has_open_case(session, case)
    with conflicts_as(DECIDED_MESSAGE):
        approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        approval.decided_by_id = actor.id
        approval.decided_at = utcnow()
        approval.comment = comment
        if approve:
            _reopen(case, actor, approval)
        touch(session, case, DECIDED_MESSAGE)
    audit.record_change(session, actor, Action.APPROVAL, "case", case.id, fields=["comment"] if comment else [],
                        step="reopening_decided", approval_id=str(approval.id), decision=approval.status.value,
                        state_code=case.state_code, folio=case.folio)
    if approve:
        audit.record_change(session, actor, Action.STAGE_CHANGE, "case", case.id, fields=["stage", "status"],
                            from_stage=Stage.CLOSED.value, to_stage=approval.to_stage.value, step="reopened",
                            state_code=case.state_code, folio=case.folio)
    return approval


def _reopen(case: Case, actor: Principal, approval: ApprovalRequest) -> None:
    # The folio, recognition, appeal and history stay; the closure is kept in the transitions and approvals.
    case.status = CaseStatus.OPEN
    case.stage = approval.to_stage
    case.closed_on = None
    case.closure_reason = None
    transition = StageTransition(from_stage=Stage.CLOSED, to_stage=approval.to_stage, actor_id=actor.id,
                                 approval_id=approval.id)
    transition.reason = approval.justification
    case.transitions.append(transition)


def reopenings_to_decide(session: Session, user: Principal) -> list[Case]:
    """Closed cases of the supervisor's territory with a reopening request they may decide (oldest first)."""
    if not has_permission(user, Permission.APPROVE_STAGE_CHANGE):
        return []
    pending = select(ApprovalRequest.case_id).where(ApprovalRequest.status == ApprovalStatus.PENDING,
                                                    ApprovalRequest.from_stage == Stage.CLOSED)
    stmt = scoped(select(Case), Case, user).where(Case.status == CaseStatus.CLOSED, Case.id.in_(pending))
    cases = session.scalars(stmt.options(selectinload(Case.approvals), selectinload(Case.owner))
                            .order_by(Case.updated_at)).all()
    return [c for c in cases if can_decide(user, c)]
