"""The case workflow as pure rules: which stage changes exist, who may take them, what comes next."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dfi_casos.cases.models import RecognitionStatus
from dfi_casos.catalogs.enums import STAGE_ORDER, ClosureReason, RecognitionDecision, Stage
from dfi_casos.errors import DomainError, EditConflict
from dfi_casos.scope import works_on
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory

#: Stages a case may only enter with a supervisor's approval.
APPROVAL_STAGES = frozenset({Stage.DURABLE_SOLUTIONS, Stage.CLOSED})
#: Stages a case may be opened in: durable solutions and closure come only through approval.
OPENING_STAGES = (Stage.PREVENTION, Stage.ASSISTANCE, Stage.ATTENTION)


__all__ = [
    "CaseError", "TransitionNotAllowed", "ApprovalNotAllowed", "RecognitionNotAllowed", "NotPermitted",
    "ConsentMissing", "CaseAlreadyOpen", "EditConflict", "CONFLICT_MESSAGE", "NextStep", "in_territory", "works_on",
]


class CaseError(DomainError):
    """A case rule refused the action; the message is the Spanish text shown to the user."""


class TransitionNotAllowed(CaseError):
    """The stage change does not exist from here, needs approval, or lacks a reason."""


class ApprovalNotAllowed(CaseError):
    """The approval cannot be requested or decided by this user (separation of duties)."""


class RecognitionNotAllowed(CaseError):
    """The recognition step is not possible now or not for this user."""


class NotPermitted(CaseError):
    """The user's role does not grant the action on this case."""


class CaseAlreadyOpen(CaseError):
    """The subject already has an open case: work on it, never open a second one."""


class ConsentMissing(CaseError):
    """The person has not consented to share their data with the institution."""

    field = "institution_id"


#: What an EditConflict on a case says: someone else changed the case since the form was loaded.
CONFLICT_MESSAGE = _l("Otra persona cambió este caso mientras usted trabajaba: recargue la página, revise "
                    "los cambios y vuelva a intentarlo. No se guardó nada.")


def is_backward(from_stage: Stage, to_stage: Stage) -> bool:
    """Going back a stage (it needs a reason)."""
    return to_stage.position < from_stage.position


def next_stage(stage: Stage) -> Stage | None:
    """The stage after `stage` in the order, or None at the end."""
    position = stage.position
    return STAGE_ORDER[position + 1] if position + 1 < len(STAGE_ORDER) else None


def direct_targets(stage: Stage) -> list[Stage]:
    """Stages reachable without approval: one step forward, or back to any earlier stage."""
    if stage == Stage.CLOSED:
        return []
    targets = [s for s in STAGE_ORDER if s.position < stage.position]
    forward = next_stage(stage)
    if forward is not None and forward not in APPROVAL_STAGES:
        targets.append(forward)
    return targets


def approval_targets(stage: Stage) -> list[Stage]:
    """Stages that need a request and a supervisor's approval from `stage`."""
    if stage == Stage.CLOSED:
        return []
    targets = []
    if next_stage(stage) == Stage.DURABLE_SOLUTIONS:
        targets.append(Stage.DURABLE_SOLUTIONS)
    targets.append(Stage.CLOSED)  # closure can be needed at any stage: death, lost contact, duplicate
    return targets


def check_direct_change(from_stage: Stage, to_stage: Stage, reason: str | None) -> None:
    """Raise TransitionNotAllowed unless `from_stage` → `to_stage` may happen without approval."""
    if to_stage == from_stage:
        raise TransitionNotAllowed(_("El caso ya está en esa etapa."), "to_stage")
    if to_stage in APPROVAL_STAGES and not is_backward(from_stage, to_stage):
        raise TransitionNotAllowed(
            _("Pasar a «%(stage)s» requiere la aprobación de una supervisora o supervisor: envíe una solicitud.",
              stage=to_stage.label), "to_stage")
    if to_stage not in direct_targets(from_stage):
        raise TransitionNotAllowed(
            _("No se puede pasar de «%(old)s» a «%(new)s»: las etapas avanzan de una en una.",
              old=from_stage.label, new=to_stage.label), "to_stage")
    if is_backward(from_stage, to_stage) and not (reason or "").strip():
        raise TransitionNotAllowed(_("Para regresar a una etapa anterior escriba el motivo."), "reason")


def check_approval_target(from_stage: Stage, to_stage: Stage, closure_reason: ClosureReason | None) -> None:
    """Raise TransitionNotAllowed unless `to_stage` is one that is requested for approval from here."""
    if to_stage not in approval_targets(from_stage):
        raise TransitionNotAllowed(
            _("No se puede solicitar el paso de «%(old)s» a «%(new)s».", old=from_stage.label, new=to_stage.label),
            "to_stage")
    if to_stage == Stage.CLOSED and closure_reason is None:
        raise TransitionNotAllowed(_("Elija el motivo del cierre."), "closure_reason")
    if to_stage != Stage.CLOSED and closure_reason is not None:
        raise TransitionNotAllowed(_("El motivo de cierre solo aplica al cierre del caso."), "closure_reason")


# --- who may act (whether they see the case at all: scope.works_on) ---------------------------------

def can_change_stage(user: Principal, case: Any) -> bool:
    """Change a stage directly or request an approval: whoever works an open case with the permission."""
    return case.is_open and has_permission(user, Permission.REQUEST_STAGE_CHANGE) and works_on(user, case)


def can_record(user: Principal, case: Any) -> bool:
    """Services, referrals and notes: on open cases only (a closed case is history)."""
    return case.is_open and has_permission(user, Permission.RECORD_SERVICES) and works_on(user, case)


def can_decide_approval(user: Principal, approval: Any, case: Any) -> bool:
    """A supervisor of the territory, never the person who asked."""
    return (has_permission(user, Permission.APPROVE_STAGE_CHANGE) and in_territory(user, case.state_code)
            and approval.requested_by_id != user.id)


def can_decide_recognition(user: Principal, case: Any) -> bool:
    """A supervisor of the territory who did not submit the intake."""
    recognition = case.recognition
    return (has_permission(user, Permission.DECIDE_RECOGNITION) and in_territory(user, case.state_code)
            and recognition is not None and recognition.submitted_by_id != user.id)


def can_decide_appeal(user: Principal, case: Any) -> bool:
    """A supervisor of the territory other than the one who made the first decision."""
    recognition = case.recognition
    return (has_permission(user, Permission.DECIDE_RECOGNITION) and in_territory(user, case.state_code)
            and recognition is not None and recognition.decided_by_id != user.id)


def can_assign(user: Principal, case: Any) -> bool:
    """Supervisors of the case's territory assign and reassign it."""
    return case.is_open and has_permission(user, Permission.ASSIGN_CASES) and in_territory(user, case.state_code)


# --- what comes next ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NextStep:
    """One thing the user can do on the case now (a UI step); the case page shows one form per step."""

    #: "change_stage", "request_approval", "decide_approval", "submit_intake", "decide_recognition",
    #: "appeal", "decide_appeal", "assign", "add_service", "add_referral", "add_note"
    name: str
    label: str
    #: Target stages offered, for stage changes and requests.
    stages: tuple[Stage, ...] = ()


def next_actions(case: Any, user: Principal) -> list[NextStep]:
    """The steps `user` may take on `case` in its current state, in the order the page shows them."""
    actions: list[NextStep] = []
    pending = case.pending_approval
    if pending is not None and case.is_open and can_decide_approval(user, pending, case):
        label = _("Decidir solicitud: pasar a «%(stage)s»", stage=pending.to_stage.label)
        actions.append(NextStep("decide_approval", label))
    status = case.recognition_status
    if case.is_open and status == RecognitionStatus.INTAKE and works_on(user, case) and has_permission(
            user, Permission.RECORD_SERVICES):
        actions.append(NextStep("submit_intake", _("Enviar entrevista inicial a valoración")))
    if case.is_open and status == RecognitionStatus.SUBMITTED and can_decide_recognition(user, case):
        actions.append(NextStep("decide_recognition", _("Decidir reconocimiento")))
    if (case.is_open and status == RecognitionStatus.NOT_RECOGNIZED and case.appeal is None
            and case.recognition is not None and case.recognition.decision == RecognitionDecision.NOT_RECOGNIZED
            and works_on(user, case)):
        actions.append(NextStep("appeal", _("Presentar recurso de revisión")))
    if case.is_open and status == RecognitionStatus.APPEALED and can_decide_appeal(user, case):
        actions.append(NextStep("decide_appeal", _("Decidir recurso de revisión")))
    if can_change_stage(user, case) and pending is None:
        direct = tuple(direct_targets(case.stage))
        if direct:
            actions.append(NextStep("change_stage", _("Cambiar de etapa"), direct))
        actions.append(NextStep("request_approval", _("Solicitar aprobación"), tuple(approval_targets(case.stage))))
    if can_assign(user, case):
        actions.append(NextStep("assign", _("Asignar o reasignar")))
    if can_record(user, case):
        actions.extend([NextStep("add_service", _("Registrar asistencia o servicio")),
                        NextStep("add_referral", _("Canalizar a una institución")),
                        NextStep("add_note", _("Agregar nota de seguimiento"))])
    return actions
