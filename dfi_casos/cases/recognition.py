"""Recognition of the displacement: the intake sent to valoración, the decision, the one appeal and its decision."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dfi_casos.cases import workflow
from dfi_casos.cases.models import Appeal, Case, Recognition, RecognitionStatus
from dfi_casos.cases.rules import audit_case, check_version, require_open, touch
from dfi_casos.cases.workflow import NotPermitted, RecognitionNotAllowed
from dfi_casos.catalogs.enums import RecognitionDecision
from dfi_casos.database import utcnow
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory
from dfi_casos.security.audit import Action


def submit_intake(session: Session, actor: Principal, case: Case, summary: str,
                  expected_version: int | None = None) -> Recognition:
    """Send the intake interview to valoración by a supervisor of the territory."""
    check_version(case, expected_version)
    require_open(case)
    if not workflow.works_on(actor, case) or not has_permission(actor, Permission.RECORD_SERVICES):
        raise NotPermitted(_("Su rol no permite enviar la entrevista de este caso."))
    if case.recognition_status != RecognitionStatus.INTAKE:
        raise RecognitionNotAllowed(_("La entrevista de este caso ya se envió a valoración."))
    if not summary.strip():
        raise RecognitionNotAllowed(_("Escriba el resumen de la entrevista."), "summary")
    recognition = Recognition(submitted_by_id=actor.id)
    recognition.summary = summary.strip()
    case.recognition = recognition
    case.recognition_status = RecognitionStatus.SUBMITTED
    touch(session, case)
    audit_case(session, actor, Action.UPDATE, case, fields=["recognition.summary"], step="intake_submitted")
    return recognition


def decide_recognition(session: Session, actor: Principal, case: Case, decision: RecognitionDecision, reason: str,
                       expected_version: int | None = None) -> Recognition:
    """A supervisor of the territory (not the one who submitted) recognizes the case or not, with a reason."""
    check_version(case, expected_version)
    require_open(case)
    if not has_permission(actor, Permission.DECIDE_RECOGNITION) or not in_territory(actor, case.state_code):
        raise NotPermitted(_("Su rol no permite decidir el reconocimiento."))
    if case.recognition_status != RecognitionStatus.SUBMITTED or case.recognition is None:
        raise RecognitionNotAllowed(_("El caso no está en valoración."))
    if not workflow.can_decide_recognition(actor, case):
        raise RecognitionNotAllowed(_("Quien envió la entrevista no puede decidir su reconocimiento."))
    if not reason.strip():
        raise RecognitionNotAllowed(_("Escriba el motivo de la decisión."), "reason")
    _record_decision(session, actor, case, case.recognition, decision, reason, "recognition.reason",
                     "recognition_decided")
    return case.recognition


def appeal(session: Session, actor: Principal, case: Case, grounds: str, expected_version: int | None = None) -> Appeal:
    """File the one recurso de revisión against a non-recognition."""
    check_version(case, expected_version)
    require_open(case)
    if not workflow.works_on(actor, case):
        raise NotPermitted(_("Su rol no permite presentar el recurso en este caso."))
    if case.appeal is not None:
        raise RecognitionNotAllowed(_("El recurso de revisión ya se presentó: solo hay uno por caso."))
    if case.recognition_status != RecognitionStatus.NOT_RECOGNIZED:
        raise RecognitionNotAllowed(_("Solo se recurre una decisión de no reconocimiento."))
    if not grounds.strip():
        raise RecognitionNotAllowed(_("Escriba los motivos del recurso."), "grounds")
    filed = Appeal(filed_by_id=actor.id)
    filed.grounds = grounds.strip()
    case.appeal = filed
    case.recognition_status = RecognitionStatus.APPEALED
    touch(session, case)
    audit_case(session, actor, Action.UPDATE, case, fields=["appeal.grounds"], step="appeal_filed")
    return filed


def decide_appeal(session: Session, actor: Principal, case: Case, decision: RecognitionDecision, reason: str,
                  expected_version: int | None = None) -> Appeal:
    """A supervisor other than the first decider settles the appeal; the decision is final."""
    check_version(case, expected_version)
    require_open(case)
    if not has_permission(actor, Permission.DECIDE_RECOGNITION) or not in_territory(actor, case.state_code):
        raise NotPermitted(_("Su rol no permite decidir el recurso de revisión."))
    if case.recognition_status != RecognitionStatus.APPEALED or case.appeal is None:
        raise RecognitionNotAllowed(_("El caso no tiene un recurso de revisión pendiente."))
    if not workflow.can_decide_appeal(actor, case):
        raise RecognitionNotAllowed(_("El recurso lo decide una supervisora o un supervisor distinto de quien "
                                      "tomó la primera decisión."))
    if not reason.strip():
        raise RecognitionNotAllowed(_("Escriba el motivo de la decisión."), "reason")
    _record_decision(session, actor, case, case.appeal, decision, reason, "appeal.reason", "appeal_decided")
    return case.appeal


def _record_decision(session: Session, actor: Principal, case: Case, decided: Recognition | Appeal,
                     decision: RecognitionDecision, reason: str, field: str, step: str) -> None:
    """Write a recognition's or an appeal's decision: who, when, why; the case's recognition status follows it."""
    decided.decision = decision
    decided.reason = reason.strip()
    decided.decided_by_id = actor.id
    decided.decided_at = utcnow()
    case.recognition_status = RecognitionStatus(decision.value)
    touch(session, case)
    audit_case(session, actor, Action.UPDATE, case, fields=[field], step=step, decision=decision.value)
