"""Case pages: Mis casos, the case list, opening a case, the case page (actions in actions.py)."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dfi_casos import scope
from dfi_casos.cases import actions, community_views, life_views, lists, pages, plan_views, plans, services
from dfi_casos.cases.forms import ApprovalRequestForm, CaseFilterForm, OpenCaseForm
from dfi_casos.catalogs.enums import Stage
from dfi_casos.catalogs.geography import STATE_CHOICES
from dfi_casos.documents import pages as document_pages
from dfi_casos.documents.models import RecordType
from dfi_casos.documents.services import owner_of
from dfi_casos.errors import DomainError, NotVisible
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, select_choices
from dfi_casos.pagination import page_number
from dfi_casos.registry.models import Community, Household, Person
from dfi_casos.security.access import Permission, has_permission, require_permission

bp = Blueprint("cases", __name__, url_prefix="/casos")
actions.register(bp)
life_views.register(bp)
plan_views.register(bp)
community_views.register(bp)

#: URL words for the subject of a new case: its table, and the name its audit entries use.
SUBJECT_WORDS: dict[str, tuple[type[Household | Person | Community], str]] = {
    "hogar": (Household, "household"), "persona": (Person, "person"), "comunidad": (Community, "community")}


def idle_days() -> int:
    """Days without activity after which a case is flagged as idle (CASE_IDLE_DAYS, DFI_CASE_IDLE_DAYS)."""
    return int(current_app.config["CASE_IDLE_DAYS"])


# --- lists -------------------------------------------------------------------------------------

@bp.route("/")
@require_permission(Permission.VIEW_CASES)
def my_cases() -> Any:
    work = lists.worklist(db.session, current_user, idle_days=idle_days())
    listed = list({c.id: c for c in [*work.to_decide, *work.cases]}.values())
    rows = {row.case.id: row for row in lists.case_rows(db.session, current_user, listed)}
    return render_template("cases/my_cases.html", work=work, rows=rows, idle_days=idle_days(),
                           overdue_actions=plans.overdue_actions(db.session, current_user, mine_only=True))


@bp.route("/lista")
@require_permission(Permission.ASSIGN_CASES)
def case_list() -> Any:
    form = CaseFilterForm(request.args)
    form.state.choices = _state_choices(blank=_("Todas"))
    form.owner.choices = select_choices(
        [(str(u.id), u.full_name) for u in lists.owners_in_territory(db.session, current_user)], blank=_("Todas"))
    if not form.validate():
        return render_template("cases/list.html", form=form, rows=[]), 400
    if form.folio.data:
        found = lists.find_by_folio(db.session, current_user, form.folio.data)
        if found is not None:
            return redirect(url_for("cases.view_case", case_id=found.id))
        form.folio.errors = [_("No hay un caso con ese folio a su alcance.")]
        return render_template("cases/list.html", form=form, rows=[]), 404
    filters = lists.CaseFilters(stage=Stage(form.stage.data) if form.stage.data else None,
                               state_code=form.state.data or None,
                               owner_id=int(form.owner.data) if form.owner.data else None,
                               overdue_only=bool(form.overdue.data), sort=form.sort.data or "recientes",
                               flag=form.flag.data or None)
    page = lists.find_cases(db.session, current_user, filters, page_number(request.args.get("pagina")),
                           current_app.config["PAGE_SIZE"])
    args = {k: v for k, v in {"stage": form.stage.data, "state": form.state.data, "owner": form.owner.data,
                              "overdue": "y" if form.overdue.data else "", "sort": form.sort.data,
                              "flag": form.flag.data}.items() if v}
    return render_template("cases/list.html", form=form, rows=lists.case_rows(db.session, current_user, page.items),
                           page=page, page_args=args)


def _state_choices(blank: str | None = None) -> list[Any]:
    user = current_user._get_current_object()  # type: ignore[attr-defined]  # resolve the proxy once
    allowed = set(user.states)
    pairs = [(code, name) for code, name in STATE_CHOICES if user.is_national or code in allowed]
    return select_choices(pairs, blank=blank)


# --- opening -----------------------------------------------------------------------------------

@bp.route("/nuevo/<word>/<uuid:subject_id>", methods=["GET", "POST"])
@require_permission(Permission.REGISTER)
def open_case(word: str, subject_id: uuid.UUID) -> Any:
    if word not in SUBJECT_WORDS:
        raise NotVisible("case_subject", subject_id, "bad_subject")
    model, object_type = SUBJECT_WORDS[word]
    subject = scope.get_subject_for(db.session, current_user, model, subject_id, object_type)
    form = OpenCaseForm()
    if form.validate_on_submit():
        try:
            case = services.open_case(db.session, current_user, subject, stage=Stage(form.stage.data))
        except DomainError as exc:
            if (message := attach_error(form, exc)) is not None:
                flash(message, "error")
        else:
            flash(_("Caso %(folio)s abierto.", folio=case.folio), "success")
            return redirect(url_for("cases.view_case", case_id=case.id))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/open.html", form=form, word=word, subject_id=subject_id), status


# --- the case page -----------------------------------------------------------------------------

@bp.route("/<uuid:case_id>")
@require_permission(Permission.VIEW_CASES)
def view_case(case_id: uuid.UUID) -> Any:
    case = actions.load(case_id)
    record = pages.case_record(db.session, current_user, case, idle_days=idle_days())
    documents = document_pages.attachments_of(db.session, current_user, owner_of(RecordType.CASE, case),
                                              with_deleted=False)
    return render_template(
        "cases/case.html", case=case, record=record, actions=actions.available(case), stages=list(Stage),
        documents=documents,
        referral_flow=services.REFERRAL_FLOW, service_flow=services.SERVICE_FLOW,
        can_assess=has_permission(current_user, Permission.ASSESS_SOLUTIONS))


@bp.route("/<uuid:case_id>/cierre", methods=["GET", "POST"])
@require_permission(Permission.REQUEST_STAGE_CHANGE)
def request_closure(case_id: uuid.UUID) -> Any:
    case = actions.load(case_id)
    form = ApprovalRequestForm(prefix="solicitud")
    form.to_stage.choices = select_choices([(Stage.CLOSED.value, Stage.CLOSED.label)])
    if request.method == "GET":
        form.to_stage.data = Stage.CLOSED.value
        form.version.data = str(case.version)
    elif form.validate_on_submit():
        try:
            message = actions.run_request_approval(case, form)
        except DomainError as exc:
            db.discard_refused_work()
            if (text := attach_error(form, exc)) is not None:
                flash(text, "error")
        else:
            flash(message, "success")
            return redirect(actions.case_url(case_id, "resumen"))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/closure.html", case=actions.load(case_id), form=form), status
