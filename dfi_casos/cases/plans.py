"""Case plans: goals agreed with the household or person, actions with who and by when, four-eyes approval.

A plan is edited as a draft revision, sent for approval, and approved by a supervisor of the territory
who did not send it (like stage changes). The approved revision is the plan in force; a later
revision starts as a copy of it and replaces it only when approved, so every earlier revision stays
as history. Action statuses move on the plan in force without a new approval (that is its progress).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.auth.models import User
from dfi_casos.cases.locking import conflicts_as
from dfi_casos.cases.models import Case, CaseAssignee, CaseStatus
from dfi_casos.cases.plan_models import ActionStatus, CasePlan, PlanAction, PlanGoal, PlanStatus
from dfi_casos.cases.workflow import CaseError, NotPermitted
from dfi_casos.catalogs.enums import AssistanceType, IascCriterion
from dfi_casos.database import local_today, utcnow
from dfi_casos.errors import EditConflict, NotVisible
from dfi_casos.institutions.models import Institution
from dfi_casos.scope import scoped, works_on
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory
from dfi_casos.security.audit import Action

#: Statuses of an action still to be done: past its due date it is overdue.
OPEN_ACTION_STATUSES = (ActionStatus.PENDING, ActionStatus.IN_PROGRESS)
EDITABLE = (PlanStatus.DRAFT, PlanStatus.REJECTED)
CONFLICT_MESSAGE = _l("Otra persona cambió este plan mientras usted trabajaba (por ejemplo, lo decidió otra "
                    "supervisora o supervisor): no se guardó nada. Recargue la página y revise el plan.")
TEXT_LIMIT = 2000


class PlanError(CaseError):
    """The plan cannot be changed or decided as asked."""


def can_edit(user: Principal, case: Case) -> bool:
    """Whoever works an open case drafts and revises its plan."""
    return case.is_open and has_permission(user, Permission.RECORD_SERVICES) and works_on(user, case)


def can_decide(user: Principal, case: Case, plan: CasePlan) -> bool:
    """A supervisor of the territory who did not send the revision for approval."""
    return (plan.status == PlanStatus.SUBMITTED and has_permission(user, Permission.APPROVE_STAGE_CHANGE)
            and in_territory(user, case.state_code) and plan.submitted_by_id != user.id)


def _text(value: str | None, field: str, message: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise PlanError(message, field)
    if len(cleaned) > TEXT_LIMIT:
        raise PlanError(_("Máximo %(n)s caracteres.", n=TEXT_LIMIT), field)
    return cleaned


def _audit(session: Session, actor: Principal, action: Action, case: Case, object_type: str, object_id: object,
           fields: list[str], **facts: str | int | None) -> None:
    audit.record_change(session, actor, action, object_type, object_id, fields=fields, case_id=str(case.id),
                        state_code=case.state_code, folio=case.folio, **facts)


# --- reading -------------------------------------------------------------------------------------------

def revisions(session: Session, case: Case) -> list[CasePlan]:
    """Every revision of the case's plan, newest first, with goals and actions loaded."""
    stmt = (select(CasePlan).where(CasePlan.case_id == case.id)
            .options(selectinload(CasePlan.goals).selectinload(PlanGoal.actions).selectinload(
                PlanAction.responsible_user), selectinload(CasePlan.created_by), selectinload(CasePlan.decided_by),
                selectinload(CasePlan.submitted_by))
            .order_by(CasePlan.revision.desc()))
    return list(session.scalars(stmt))


def in_force(plans: list[CasePlan]) -> CasePlan | None:
    return next((p for p in plans if p.status == PlanStatus.APPROVED), None)


def in_progress(plans: list[CasePlan]) -> CasePlan | None:
    """The revision being drafted or waiting for approval, if any."""
    return next((p for p in plans if p.status in (*EDITABLE, PlanStatus.SUBMITTED)), None)


def is_overdue(action: PlanAction, today: date | None = None) -> bool:
    return action.status in OPEN_ACTION_STATUSES and action.due_on < (today or local_today())


# --- drafting ------------------------------------------------------------------------------------------

def start_revision(session: Session, actor: Principal, case: Case) -> CasePlan:
    """The draft being worked on, or a new revision copying the plan in force (or empty, for the first plan)."""
    if not can_edit(actor, case):
        raise NotPermitted(_("Solo quien trabaja un caso abierto puede preparar su plan."))
    plans = revisions(session, case)
    current = in_progress(plans)
    if current is not None:
        if current.status == PlanStatus.SUBMITTED:
            raise PlanError(_("Hay una revisión del plan esperando aprobación: espere la decisión."))
        return current
    number = (session.scalar(select(func.max(CasePlan.revision)).where(CasePlan.case_id == case.id)) or 0) + 1
    plan = CasePlan(case_id=case.id, revision=number, status=PlanStatus.DRAFT, created_by_id=actor.id)
    base = in_force(plans)
    for goal in base.goals if base else []:
        copy = PlanGoal(position=goal.position, criterion=goal.criterion, need=goal.need)
        copy.description = goal.description
        for action in goal.actions:
            moved = PlanAction(case_id=case.id, responsible_user_id=action.responsible_user_id,
                               institution_id=action.institution_id, due_on=action.due_on, status=action.status)
            moved.description = action.description
            copy.actions.append(moved)
        plan.goals.append(copy)
    session.add(plan)
    session.flush()
    _audit(session, actor, Action.CREATE, case, "case_plan", plan.id, [], revision=number,
           copied_from=base.revision if base else None)
    return plan


def _editable(plan: CasePlan) -> None:
    if plan.status not in EDITABLE:
        raise PlanError(_("Esta revisión del plan ya no se puede modificar."))


def add_goal(session: Session, actor: Principal, case: Case, plan: CasePlan, description: str | None,
             criterion: IascCriterion | None, need: AssistanceType | None) -> PlanGoal:
    """A goal agreed with the household: linked to one IASC criterion or to one need."""
    if plan.case_id != case.id:
        raise NotVisible("case_plan", plan.id, "not_in_case")
    if not can_edit(actor, case):
        raise NotPermitted(_("Solo quien trabaja el caso modifica su plan."))
    _editable(plan)
    text = _text(description, "description", _("Describa la meta acordada."))
    if (criterion is None) == (need is None):
        raise PlanError(_("Vincule la meta a un criterio IASC o a una necesidad (uno de los dos)."), "criterion")
    goal = PlanGoal(position=len(plan.goals) + 1, criterion=criterion, need=need)
    goal.description = text
    plan.goals.append(goal)
    session.flush()
    _audit(session, actor, Action.UPDATE, case, "case_plan", plan.id, ["goal.description"], step="goal_added",
           goal_id=str(goal.id))
    return goal


def responsible_choices(session: Session, case: Case) -> list[User]:
    """The people who may be responsible for an action: the case's owner, assignees and territory's staff."""
    ids = {case.owner_id, *case.assignee_ids}
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.full_name))
    return [u for u in users if u.id in ids or (has_permission(u, Permission.VIEW_CASES)
                                                 and in_territory(u, case.state_code) and not u.is_national)]


def add_action(session: Session, actor: Principal, case: Case, goal: PlanGoal, description: str | None,
               due_on: date | None, responsible_user_id: int | None, institution_id: int | None) -> PlanAction:
    """An action toward a goal, with a responsible user or institution and a due date."""
    plan = goal.plan
    if plan.case_id != case.id:
        raise NotVisible("plan_goal", goal.id, "not_in_case")
    if not can_edit(actor, case):
        raise NotPermitted(_("Solo quien trabaja el caso modifica su plan."))
    _editable(plan)
    text = _text(description, "description", _("Describa la acción."))
    if due_on is None:
        raise PlanError(_("Escriba la fecha compromiso."), "due_on")
    if responsible_user_id is None and institution_id is None:
        raise PlanError(_("Elija a la persona o la institución responsable."), "responsible_user_id")
    if responsible_user_id is not None and responsible_user_id not in {
            u.id for u in responsible_choices(session, case)}:
        raise PlanError(_("La persona responsable debe trabajar en la entidad del caso."), "responsible_user_id")
    if institution_id is not None:
        institution = session.get(Institution, institution_id)
        if institution is None or not institution.active or institution.state_code not in (None, case.state_code):
            raise PlanError(_("La institución no existe, no está activa o no atiende en la entidad del caso."),
                            "institution_id")
    action = PlanAction(case_id=case.id, responsible_user_id=responsible_user_id, institution_id=institution_id,
                        due_on=due_on, status=ActionStatus.PENDING)
    action.description = text
    goal.actions.append(action)
    session.flush()
    _audit(session, actor, Action.UPDATE, case, "case_plan", plan.id, ["action.description"], step="action_added",
           action_id=str(action.id))
    return action


def _draft_check(actor: Principal, case: Case, plan: CasePlan, object_type: str, object_id: object) -> None:
    if plan.case_id != case.id:
        raise NotVisible(object_type, object_id, "not_in_case")
    if not can_edit(actor, case):
        raise NotPermitted(_("Solo quien trabaja el caso modifica su plan."))
    _editable(plan)


def remove_goal(session: Session, actor: Principal, case: Case, goal: PlanGoal) -> None:
    """Take a goal (and its actions) out of a revision still being drafted; the others keep their order."""
    plan = goal.plan
    _draft_check(actor, case, plan, "plan_goal", goal.id)
    goal_id = goal.id
    plan.goals.remove(goal)  # delete-orphan: the goal and its actions go
    for position, remaining in enumerate(sorted(plan.goals, key=lambda g: g.position), start=1):
        remaining.position = position
    session.flush()
    _audit(session, actor, Action.UPDATE, case, "case_plan", plan.id, ["goal.description"], step="goal_removed",
           goal_id=str(goal_id))


def remove_action(session: Session, actor: Principal, case: Case, action: PlanAction) -> None:
    """Take an action out of a revision still being drafted (a mistake, a duplicate)."""
    goal = action.goal
    _draft_check(actor, case, goal.plan, "plan_action", action.id)
    action_id = action.id
    goal.actions.remove(action)
    session.flush()
    _audit(session, actor, Action.UPDATE, case, "case_plan", goal.plan.id, ["action.description"],
           step="action_removed", action_id=str(action_id))


# --- approval (four eyes) --------------------------------------------------------------------------------

def submit(session: Session, actor: Principal, case: Case, plan: CasePlan, summary: str | None,
           expected_version: int | None = None) -> CasePlan:
    """Send the draft for approval; every goal needs at least one action."""
    if plan.case_id != case.id:
        raise NotVisible("case_plan", plan.id, "not_in_case")
    if expected_version is not None and plan.version != expected_version:
        raise EditConflict(CONFLICT_MESSAGE)
    if not can_edit(actor, case):
        raise NotPermitted(_("Solo quien trabaja el caso envía su plan."))
    _editable(plan)
    if not plan.goals:
        raise PlanError(_("El plan necesita al menos una meta."))
    empty = [g.position for g in plan.goals if not g.actions]
    if empty:
        raise PlanError(_("Cada meta necesita al menos una acción (falta en la meta %(n)s).", n=empty[0]))
    with conflicts_as(CONFLICT_MESSAGE):
        plan.summary = _text(summary, "summary", _("Escriba cómo se acordó el plan (o qué cambia en esta revisión)."))
        plan.status = PlanStatus.SUBMITTED
        plan.submitted_by_id = actor.id
        plan.submitted_at = utcnow()
        session.flush()
    _audit(session, actor, Action.APPROVAL, case, "case_plan", plan.id, ["summary"], step="requested",
           revision=plan.revision)
    return plan


def decide(session: Session, actor: Principal, case: Case, plan: CasePlan, approve: bool, comment: str | None,
           expected_version: int | None = None) -> CasePlan:
    """Approve (the revision comes into force, the previous one is superseded) or send it back with a comment."""
    if plan.case_id != case.id:
        raise NotVisible("case_plan", plan.id, "not_in_case")
    if expected_version is not None and plan.version != expected_version:
        raise EditConflict(CONFLICT_MESSAGE)
    if plan.status != PlanStatus.SUBMITTED:
        raise PlanError(_("Esta revisión del plan no espera aprobación."))
    if not has_permission(actor, Permission.APPROVE_STAGE_CHANGE) or not in_territory(actor, case.state_code):
        raise NotPermitted(_("Su rol no permite aprobar planes de caso."))
    if plan.submitted_by_id == actor.id:
        raise PlanError(_("Nadie aprueba el plan que envió: debe decidirlo otra supervisora u otro supervisor."))
    note = (comment or "").strip() or None
    if not approve and note is None:
        raise PlanError(_("Para devolver el plan escriba un comentario."), "comment")
    previous = in_force(revisions(session, case)) if approve else None
    with conflicts_as(CONFLICT_MESSAGE):
        plan.status = PlanStatus.APPROVED if approve else PlanStatus.REJECTED
        plan.decided_by_id = actor.id
        plan.decided_at = utcnow()
        plan.comment = note
        if previous is not None and previous.id != plan.id:
            previous.status = PlanStatus.SUPERSEDED
        session.flush()
    _audit(session, actor, Action.APPROVAL, case, "case_plan", plan.id, ["comment"] if note else [], step="decided",
           decision=plan.status.value, revision=plan.revision)
    return plan


def update_action(session: Session, actor: Principal, case: Case, action: PlanAction,
                  status: ActionStatus) -> PlanAction:
    """Record an action's progress on the plan in force."""
    if action.case_id != case.id:
        raise NotVisible("plan_action", action.id, "not_in_case")
    if not can_edit(actor, case):
        raise NotPermitted(_("Solo quien trabaja el caso actualiza sus acciones."))
    if action.goal.plan.status != PlanStatus.APPROVED:
        raise PlanError(_("Solo se actualizan las acciones del plan vigente."))
    action.status = status
    action.updated_at = utcnow()
    session.flush()
    _audit(session, actor, Action.UPDATE, case, "plan_action", action.id, ["status"], status=status.value)
    return action


# --- overdue actions (worklists, supervisor home, reports) ------------------------------------------------

@dataclass(frozen=True)
class OverdueAction:
    case: Case
    action: PlanAction
    #: The action's description, decrypted for the list (the caller audits the view).
    text: str


def overdue_clause(today: date) -> object:
    """SQL condition on PlanAction: open, past its due date, on a plan in force of an open case."""
    in_force_plans = select(CasePlan.id).where(CasePlan.status == PlanStatus.APPROVED)
    goals = select(PlanGoal.id).where(PlanGoal.plan_id.in_(in_force_plans))
    return (PlanAction.goal_id.in_(goals) & PlanAction.status.in_(OPEN_ACTION_STATUSES)
            & (PlanAction.due_on < today))


def overdue_actions(session: Session, actor: Principal, *, mine_only: bool, today: date | None = None,
                    limit: int = 50) -> list[OverdueAction]:
    """Overdue actions of the open cases `actor` may see (only those they own or are assigned to if `mine_only`)."""
    today = today or local_today()
    stmt = scoped(select(PlanAction, Case).join(Case, Case.id == PlanAction.case_id), Case, actor).where(
        overdue_clause(today), Case.status == CaseStatus.OPEN)
    if mine_only:
        assigned = select(CaseAssignee.case_id).where(CaseAssignee.user_id == actor.id)
        stmt = stmt.where((Case.owner_id == actor.id) | Case.id.in_(assigned))
    rows = session.execute(stmt.order_by(PlanAction.due_on).limit(limit)).all()
    found = [OverdueAction(case, action, action.description or "") for action, case in rows]
    if found:
        audit.record_view(session, actor, "plan_action", None, fields=["description"],
                          ids=[o.action.id for o in found])
    return found


def plan_of(session: Session, case_id: uuid.UUID) -> CasePlan | None:
    """The plan in force of a case (or None)."""
    return session.scalars(select(CasePlan).where(CasePlan.case_id == case_id,
                                                  CasePlan.status == PlanStatus.APPROVED)).first()
