"""The case plan's page: the plan in force, the revision being drafted or decided, and every earlier revision."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from dfi_casos import scope
from dfi_casos.cases import actions, plans
from dfi_casos.cases.forms import GoalForm, PlanActionForm, PlanActionStatusForm, PlanDecisionForm, PlanSubmitForm
from dfi_casos.cases.models import Case
from dfi_casos.cases.plan_models import ActionStatus, CasePlan, PlanGoal
from dfi_casos.catalogs.enums import AssistanceType, IascCriterion
from dfi_casos.errors import DomainError, EditConflict
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, select_choices
from dfi_casos.institutions import services as catalog
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, require_permission

#: Encrypted fields the plan page decrypts (named in its "view" audit entry).
PLAN_FIELDS = ["case_plan.summary", "case_plan.comment", "plan_goal.description", "plan_action.description"]


def _action_form(case: Case, goal: PlanGoal, *, blank: bool = False) -> PlanActionForm:
    """The form adding an action to `goal` (read from the request unless `blank`)."""
    form = PlanActionForm(prefix=f"accion{goal.position}", **({"formdata": None} if blank else {}))
    form.responsible_user_id.choices = select_choices(
        [(str(u.id), u.full_name) for u in plans.responsible_choices(db.session, case)], blank=_("(ninguna)"))
    form.institution_id.choices = select_choices(
        catalog.institution_options(db.session, case.state_code), blank=_("(ninguna)"))
    return form


def render_plan(case: Case, status: int = 200, forms: dict[str, FlaskForm] | None = None) -> Any:
    """The plan page; `forms` carries a refused form back with its errors (by name)."""
    forms = forms or {}
    revisions = plans.revisions(db.session, case)
    current = plans.in_force(revisions)
    draft = plans.in_progress(revisions)
    may_edit = plans.can_edit(current_user, case)
    action_forms = {}
    if draft is not None and draft.status in plans.EDITABLE and may_edit:
        for goal in draft.goals:
            name = f"accion{goal.position}"
            action_forms[goal.id] = forms.get(name) or _action_form(case, goal, blank=True)
    submit_form = forms.get("enviar") or PlanSubmitForm(prefix="enviar", formdata=None)
    decision_form = forms.get("decision") or PlanDecisionForm(prefix="decision", formdata=None)
    if draft is not None:
        submit_form.version.data = submit_form.version.data or str(draft.version)
        decision_form.version.data = decision_form.version.data or str(draft.version)
    audit.record_view(db.session, current_user, "case", case.id, fields=PLAN_FIELDS, state_code=case.state_code,
                      folio=case.folio)
    return render_template(
        "cases/plan.html", case=case, revisions=revisions, current=current, draft=draft, may_edit=may_edit,
        may_decide=draft is not None and plans.can_decide(current_user, case, draft),
        goal_form=forms.get("meta") or GoalForm(prefix="meta", formdata=None), action_forms=action_forms,
        submit_form=submit_form, decision_form=decision_form, is_overdue=plans.is_overdue,
        institution_names={i.id: i.name for i in catalog.active_institutions(db.session, case.state_code)}), status


def _refused(case_id: uuid.UUID, name: str, form: FlaskForm, exc: DomainError | None) -> Any:
    db.discard_refused_work()
    case = actions.load(case_id)
    if exc is not None and (message := attach_error(form, exc)) is not None:
        flash(message, "error")
    return render_plan(case, 409 if isinstance(exc, EditConflict) else 400, {name: form})


def _done(case_id: uuid.UUID, message: str) -> Any:
    flash(message, "success")
    return redirect(url_for("cases.plan_page", case_id=case_id))


def _draft_of(case: Case, plan_id: uuid.UUID) -> CasePlan:
    plan = scope.get_plan_for(db.session, current_user, plan_id)
    if plan.case_id != case.id:
        raise scope.NotVisible("case_plan", plan.id, "not_in_case")
    return plan


# --- routes ------------------------------------------------------------------------------------------------

def plan_page(case_id: uuid.UUID) -> Any:
    return render_plan(actions.load(case_id))


def start_revision(case_id: uuid.UUID) -> Any:
    case = actions.load(case_id)
    try:
        plan = plans.start_revision(db.session, current_user, case)
    except DomainError as exc:
        db.discard_refused_work()
        flash(exc.message, "error")
        return render_plan(actions.load(case_id), 400)
    return _done(case_id, _("Revisión %(n)s del plan en borrador.", n=plan.revision))


def add_goal(case_id: uuid.UUID, plan_id: uuid.UUID) -> Any:
    case = actions.load(case_id)
    plan = _draft_of(case, plan_id)
    form = GoalForm(prefix="meta")
    if not form.validate_on_submit():
        return _refused(case_id, "meta", form, None)
    try:
        plans.add_goal(db.session, current_user, case, plan, form.description.data,
                       IascCriterion(form.criterion.data) if form.criterion.data else None,
                       AssistanceType(form.need.data) if form.need.data else None)
    except DomainError as exc:
        return _refused(case_id, "meta", form, exc)
    return _done(case_id, _("Meta agregada."))


def add_action(case_id: uuid.UUID, goal_id: uuid.UUID) -> Any:
    case = actions.load(case_id)
    goal = scope.get_plan_goal_for(db.session, current_user, goal_id)
    if goal.plan.case_id != case.id:
        raise scope.NotVisible("plan_goal", goal.id, "not_in_case")
    form = _action_form(case, goal)
    name = f"accion{goal.position}"
    if not form.validate_on_submit():
        return _refused(case_id, name, form, None)
    try:
        plans.add_action(db.session, current_user, case, goal, form.description.data, form.due_on.data,
                         int(form.responsible_user_id.data) if form.responsible_user_id.data else None,
                         int(form.institution_id.data) if form.institution_id.data else None)
    except DomainError as exc:
        return _refused(case_id, name, form, exc)
    return _done(case_id, _("Acción agregada."))


def _removed(case_id: uuid.UUID, remove: Any, message: str) -> Any:
    try:
        remove()
    except DomainError as exc:
        db.discard_refused_work()
        flash(exc.message, "error")
        return render_plan(actions.load(case_id), 409 if isinstance(exc, EditConflict) else 400)
    return _done(case_id, message)


def remove_goal(case_id: uuid.UUID, goal_id: uuid.UUID) -> Any:
    case = actions.load(case_id)
    goal = scope.get_plan_goal_for(db.session, current_user, goal_id)
    return _removed(case_id, lambda: plans.remove_goal(db.session, current_user, case, goal),
                    _("Meta quitada del borrador, con sus acciones."))


def remove_action(case_id: uuid.UUID, action_id: uuid.UUID) -> Any:
    case = actions.load(case_id)
    action = scope.get_plan_action_for(db.session, current_user, action_id)
    return _removed(case_id, lambda: plans.remove_action(db.session, current_user, case, action),
                    _("Acción quitada del borrador."))


def submit_plan(case_id: uuid.UUID, plan_id: uuid.UUID) -> Any:
    case = actions.load(case_id)
    plan = _draft_of(case, plan_id)
    form = PlanSubmitForm(prefix="enviar")
    if not form.validate_on_submit():
        return _refused(case_id, "enviar", form, None)
    try:
        plans.submit(db.session, current_user, case, plan, form.summary.data, int(form.version.data))
    except DomainError as exc:
        return _refused(case_id, "enviar", form, exc)
    return _done(case_id, _("Plan enviado a aprobación. Otra supervisora o supervisor lo decidirá."))


def decide_plan(case_id: uuid.UUID, plan_id: uuid.UUID) -> Any:
    case = actions.load(case_id)
    plan = _draft_of(case, plan_id)
    form = PlanDecisionForm(prefix="decision")
    if not form.validate_on_submit():
        return _refused(case_id, "decision", form, None)
    try:
        plans.decide(db.session, current_user, case, plan, form.decision.data == "approve", form.comment.data,
                     int(form.version.data))
    except DomainError as exc:
        return _refused(case_id, "decision", form, exc)
    return _done(case_id, _("Plan aprobado: es el plan vigente.") if form.decision.data == "approve"
                 else _("Plan devuelto con comentarios."))


def update_action(case_id: uuid.UUID, action_id: uuid.UUID) -> Any:
    case = actions.load(case_id)
    action = scope.get_plan_action_for(db.session, current_user, action_id)
    if action.case_id != case.id:
        raise scope.NotVisible("plan_action", action.id, "not_in_case")
    form = PlanActionStatusForm(prefix="estado_accion")
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                plans.update_action(db.session, current_user, case, action, ActionStatus(form.status.data))
            except DomainError as exc:
                db.discard_refused_work()
                if (message := attach_error(form, exc)) is not None:
                    flash(message, "error")
            else:
                return _done(case_id, _("Acción actualizada."))
        status = 400
    else:
        form.status.data = action.status.value
    text = action.description or ""
    audit.record_view(db.session, current_user, "plan_action", action.id, fields=["description"],
                      state_code=case.state_code, folio=case.folio)
    return render_template("cases/plan_action.html", case=case, action=action, text=text, form=form,
                           action_url=request.path), status


def register(bp: Blueprint) -> None:
    """The plan's routes, each with the permission it needs."""
    P = Permission  # noqa: N806 - short alias for the table below
    bp.add_url_rule("/<uuid:case_id>/plan", "plan_page", require_permission(P.VIEW_CASES)(plan_page))
    for rule, view, permission in [
        ("/<uuid:case_id>/plan/revision", start_revision, P.RECORD_SERVICES),
        ("/<uuid:case_id>/plan/<uuid:plan_id>/metas", add_goal, P.RECORD_SERVICES),
        ("/<uuid:case_id>/plan/metas/<uuid:goal_id>/acciones", add_action, P.RECORD_SERVICES),
        ("/<uuid:case_id>/plan/metas/<uuid:goal_id>/quitar", remove_goal, P.RECORD_SERVICES),
        ("/<uuid:case_id>/plan/acciones/<uuid:action_id>/quitar", remove_action, P.RECORD_SERVICES),
        ("/<uuid:case_id>/plan/<uuid:plan_id>/envio", submit_plan, P.RECORD_SERVICES),
        ("/<uuid:case_id>/plan/<uuid:plan_id>/decision", decide_plan, P.APPROVE_STAGE_CHANGE),
    ]:
        bp.add_url_rule(rule, view.__name__, require_permission(permission)(view), methods=["POST"])
    bp.add_url_rule("/<uuid:case_id>/plan/acciones/<uuid:action_id>", "update_plan_action",
                    require_permission(P.RECORD_SERVICES)(update_action), methods=["GET", "POST"])
