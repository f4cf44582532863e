"""Durable-solution rules: recording and signing assessments, what changed, and the closure rule."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from dfi_casos.catalogs.enums import CriterionStatus, IascCriterion, SettlementOption
from dfi_casos.database import local_today, utcnow
from dfi_casos.errors import DomainError, EditConflict
from dfi_casos.i18n import day
from dfi_casos.registry.models import Household
from dfi_casos.scope import visible
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission
from dfi_casos.solutions.models import AssessmentCriterion, DurableSolutionAssessment

OBJECT_TYPE = "durable_solution_assessment"
#: Statuses that let a criterion count as resolved for closure as durable solution.
RESOLVED = frozenset({CriterionStatus.MET, CriterionStatus.NOT_APPLICABLE})
EVIDENCE_MAX_LENGTH = 2000


class AssessmentError(DomainError):
    """An assessment cannot be recorded or signed; the message is for the user, `field` names the input."""


class NotAllowed(AssessmentError):
    """The actor's role or relation to the assessment forbids the action."""


class AlreadySigned(AssessmentError):
    """A signed assessment is final: it is neither signed again nor changed."""


@dataclass
class AssessmentData:
    """What the form collects: the date, the two options and each criterion's status and evidence."""

    assessed_on: date | None
    preferred_option: SettlementOption | None
    option_in_progress: SettlementOption | None
    statuses: dict[IascCriterion, CriterionStatus] = field(default_factory=dict)
    evidence: dict[IascCriterion, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """One difference from the previous assessment; `criterion` is None for the settlement options."""

    subject: str
    criterion: IascCriterion | None
    before: str
    after: str

    @property
    def label(self) -> str:
        return self.criterion.label if self.criterion is not None else self.subject


# --- loading --------------------------------------------------------------------------------------

def _history_order() -> tuple[Any, ...]:
    # Newest first: by date of the visit, then by capture time for two visits on one day.
    return (DurableSolutionAssessment.assessed_on.desc(), DurableSolutionAssessment.created_at.desc(),
            DurableSolutionAssessment.id.desc())


def assessments_of(session: Session, household_id: uuid.UUID) -> list[DurableSolutionAssessment]:
    """Every assessment of a household, newest first (the caller has loaded the household through scope)."""
    stmt = (select(DurableSolutionAssessment).where(DurableSolutionAssessment.household_id == household_id)
            .order_by(*_history_order()).options(selectinload(DurableSolutionAssessment.criteria)))
    return list(session.scalars(stmt))


def latest_signed(session: Session, household_id: uuid.UUID) -> DurableSolutionAssessment | None:
    """The household's current standing: its latest signed assessment, or None."""
    stmt = (select(DurableSolutionAssessment)
            .where(DurableSolutionAssessment.household_id == household_id,
                   DurableSolutionAssessment.signed_at.is_not(None))
            .order_by(*_history_order()).limit(1).options(selectinload(DurableSolutionAssessment.criteria)))
    return session.scalars(stmt).first()


def previous_assessment(session: Session, assessment: DurableSolutionAssessment) -> DurableSolutionAssessment | None:
    """The household's assessment just before this one (signed or not), or None for the first."""
    history = assessments_of(session, assessment.household_id)
    index = next(i for i, a in enumerate(history) if a.id == assessment.id)
    return history[index + 1] if index + 1 < len(history) else None


# --- recording and signing --------------------------------------------------------------------------

def validate(data: AssessmentData, today: date) -> list[AssessmentError]:
    """Every problem with the data, each naming its field (empty when valid)."""
    errors: list[AssessmentError] = []
    if data.assessed_on is None:
        errors.append(AssessmentError(_("Indique la fecha de la evaluación."), "assessed_on"))
    elif data.assessed_on > today:
        errors.append(AssessmentError(_("La fecha de la evaluación no puede ser futura."), "assessed_on"))
    for criterion in IascCriterion:
        status = data.statuses.get(criterion)
        evidence = (data.evidence.get(criterion) or "").strip()
        name = f"{criterion.value}_status"
        if status is None:
            errors.append(AssessmentError(_("Elija el estado de este criterio."), name))
        elif status is not CriterionStatus.NOT_ASSESSED and not evidence:
            # A status without its evidence cannot be checked by the supervisor who signs.
            errors.append(AssessmentError(_("Anote la evidencia que sustenta este estado."),
                                          f"{criterion.value}_evidence"))
        if len(evidence) > EVIDENCE_MAX_LENGTH:
            errors.append(AssessmentError(_("Máximo %(n)s caracteres.", n=EVIDENCE_MAX_LENGTH),
                                          f"{criterion.value}_evidence"))
    return errors


def record_assessment(session: Session, actor: Principal, household: Household, data: AssessmentData,
                      today: date | None = None) -> DurableSolutionAssessment:
    """Record a new assessment of `household` (loaded through scope by the caller).

    Raises NotAllowed without ASSESS_SOLUTIONS, AssessmentError (the first problem) on invalid
    data. Audited with field names only; flushes, never commits.
    """
    if not has_permission(actor, Permission.ASSESS_SOLUTIONS):
        raise NotAllowed(_("Su rol no permite registrar evaluaciones de soluciones duraderas."))
    if not visible(session, actor, Household, household.id):
        raise NotAllowed(_("El hogar no está a su alcance."))
    errors = validate(data, today or local_today())
    if errors:
        raise errors[0]
    assert data.assessed_on is not None  # noqa: S101 - validate() checked it
    assessment = DurableSolutionAssessment(
        household_id=household.id, assessed_on=data.assessed_on, preferred_option=data.preferred_option,
        option_in_progress=data.option_in_progress, assessor_id=actor.id, state_code=household.state_code,
    )
    for position, criterion in enumerate(IascCriterion):
        row = AssessmentCriterion(criterion=criterion, position=position, status=data.statuses[criterion])
        evidence = (data.evidence.get(criterion) or "").strip()
        row.evidence = evidence or None
        assessment.criteria.append(row)
    session.add(assessment)
    session.flush()
    audit.record_change(session, actor, audit.Action.CREATE, OBJECT_TYPE, assessment.id,
                        fields=["assessed_on", "preferred_option", "option_in_progress", "criteria"],
                        state_code=household.state_code, household_id=str(household.id))
    return assessment


def can_sign(actor: Principal, assessment: DurableSolutionAssessment) -> bool:
    """Whether `actor` may sign this assessment now (for showing the button; `sign_assessment` decides)."""
    return (has_permission(actor, Permission.SIGN_ASSESSMENTS) and assessment.assessor_id != actor.id
            and not assessment.is_signed)


def sign_assessment(session: Session, actor: Principal, assessment: DurableSolutionAssessment,
                    version: int | None = None) -> DurableSolutionAssessment:
    """Supervisor sign-off: makes the assessment the household's standing.

    Only supervisors (SIGN_ASSESSMENTS), never the assessor, once. `version` is the one the page
    showed; a different one means someone else acted first. Audited; flushes, never commits.
    """
    if not has_permission(actor, Permission.SIGN_ASSESSMENTS):
        raise NotAllowed(_("Solo una supervisora o un supervisor puede firmar evaluaciones."))
    if assessment.assessor_id == actor.id:
        raise NotAllowed(_("No puede firmar una evaluación que usted registró; debe firmarla otra persona."))
    if not visible(session, actor, Household, assessment.household_id):
        raise NotAllowed(_("La evaluación no está a su alcance."))
    if assessment.is_signed:
        raise AlreadySigned(_("Esta evaluación ya está firmada."))
    if version is not None and version != assessment.version:
        raise EditConflict(_("La evaluación cambió desde que abrió la página. Recárguela e intente de nuevo."))
    assessment.signed_by_id = actor.id
    assessment.signed_at = utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise EditConflict(_("La evaluación cambió mientras la firmaba. Recárguela e intente de nuevo.")) from exc
    # Sign-off is the supervisor's approval of the assessment.
    audit.record_change(session, actor, audit.Action.APPROVAL, OBJECT_TYPE, assessment.id,
                        fields=["signed_by_id", "signed_at"], state_code=assessment.state_code,
                        household_id=str(assessment.household_id), decision="sign_assessment")
    return assessment


# --- history and closure ---------------------------------------------------------------------------

def _option_label(option: SettlementOption | None) -> str:
    return option.label if option is not None else _("Sin definir")


def changes_since_previous(session: Session, assessment: DurableSolutionAssessment) -> list[Change]:
    """What differs from the household's previous assessment: options, statuses and evidence notes.

    Empty for the first assessment (see `previous_assessment` to tell the two apart).
    """
    previous = previous_assessment(session, assessment)
    if previous is None:
        return []
    return diff_assessments(previous, assessment)


def diff_assessments(before: DurableSolutionAssessment, after: DurableSolutionAssessment) -> list[Change]:
    """The changes from `before` to `after`, in a fixed order: options first, then the criteria."""
    changes: list[Change] = []
    for subject, attr in ((_("Opción preferida por el hogar"), "preferred_option"),
                          (_("Opción en curso"), "option_in_progress")):
        old, new = getattr(before, attr), getattr(after, attr)
        if old != new:
            changes.append(Change(subject, None, _option_label(old), _option_label(new)))
    old_rows = {row.criterion: row for row in before.criteria}
    new_rows = {row.criterion: row for row in after.criteria}
    for criterion in IascCriterion:
        old_status, new_status = before.status_of(criterion), after.status_of(criterion)
        if old_status != new_status:
            changes.append(Change("estado", criterion, old_status.label, new_status.label))
            continue
        old_row, new_row = old_rows.get(criterion), new_rows.get(criterion)
        old_evidence = old_row.evidence if old_row is not None else None
        new_evidence = new_row.evidence if new_row is not None else None
        if (old_evidence or "") != (new_evidence or ""):
            # Names the change, not the text: the notes are shown in full on each assessment.
            changes.append(Change("evidencia", criterion, _("nota anterior"), _("nota actualizada")))
    return changes


def blockers_of(assessment: DurableSolutionAssessment | None) -> list[str]:
    """Why this assessment does not allow closure as durable solution (empty when it does)."""
    if assessment is None:
        return [_("el hogar no tiene una evaluación de soluciones duraderas firmada por una supervisora o "
                "un supervisor")]
    # No final period: the cases service joins these with "; " into one message.
    return [
        _("%(criterion)s: %(status)s (debe ser «cumple» o «no aplica»)", criterion=criterion.label,
          status=assessment.status_of(criterion).label.lower())
        for criterion in IascCriterion
        if assessment.status_of(criterion) not in RESOLVED
    ]


def timeline_entries(session: Session, household_id: uuid.UUID) -> list[tuple[datetime, str]]:
    """The household's signed assessments for a case timeline: when each was signed, and a title (no evidence)."""
    stmt = (select(DurableSolutionAssessment)
            .where(DurableSolutionAssessment.household_id == household_id,
                   DurableSolutionAssessment.signed_at.is_not(None))
            .order_by(DurableSolutionAssessment.signed_at))
    return [(assessment.signed_at, _("Evaluación de soluciones duraderas del %(date)s firmada",
                                     date=day(assessment.assessed_on)))
            for assessment in session.scalars(stmt) if assessment.signed_at is not None]


def closure_blockers(session: Session, household_id: uuid.UUID) -> list[str]:
    """Spanish reasons why the household's case cannot close as "solución duradera alcanzada".

    Empty when the household's latest signed assessment has every criterion at "cumple" or
    "no aplica". The cases service calls this; a form check alone is not enough.
    """
    return blockers_of(latest_signed(session, household_id))
