"""Durable-solution pages: a household's assessments, recording and signing them, the dashboard and its export."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dfi_casos import scope
from dfi_casos.database import local_today
from dfi_casos.errors import DomainError
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error
from dfi_casos.labels import household_name, place
from dfi_casos.ratelimits import export_limits
from dfi_casos.registry.models import Household
from dfi_casos.reports import charts, export
from dfi_casos.reports import solutions as dashboard
from dfi_casos.reports.tables import CountTable
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, require_permission
from dfi_casos.solutions import services
from dfi_casos.solutions.forms import AssessmentForm, SignForm
from dfi_casos.solutions.models import DurableSolutionAssessment
from dfi_casos.web import render_error

bp = Blueprint("solutions", __name__, url_prefix="/soluciones")

#: Households listed as needing a visit; the count above the list is the full one.
STALE_LIST_LIMIT = 100
EXPORT_FORMATS = {"csv": (export.to_csv, export.CSV_MEDIA_TYPE), "xlsx": (export.to_xlsx, export.XLSX_MEDIA_TYPE)}


def _household(household_id: uuid.UUID) -> Household:
    return scope.get_household_for(db.session, current_user, household_id)


def _assessment(assessment_id: uuid.UUID) -> DurableSolutionAssessment:
    return scope.get_assessment_for(db.session, current_user, assessment_id)


def _single_state(user: Principal) -> str | None:
    # A territory of one state lets that state's auditors find the entry; wider ones are for national auditors.
    return user.states[0] if not user.is_national and len(user.states) == 1 else None


def _endpoint(name: str) -> str | None:
    return name if name in current_app.view_functions else None


# --- a household's assessments ----------------------------------------------------------------------

@bp.route("/hogares/<uuid:household_id>")
@require_permission(Permission.ASSESS_SOLUTIONS)
def household(household_id: uuid.UUID) -> Any:
    record = _household(household_id)
    history = services.assessments_of(db.session, record.id)
    standing = services.latest_signed(db.session, record.id)
    return render_template("solutions/household.html", household=record, history=history, standing=standing,
                           blockers=services.blockers_of(standing),
                           household_endpoint=_endpoint("registry.household"))


@bp.route("/hogares/<uuid:household_id>/nueva", methods=["GET", "POST"])
@require_permission(Permission.ASSESS_SOLUTIONS)
def new_assessment(household_id: uuid.UUID) -> Any:
    record = _household(household_id)
    form = AssessmentForm()
    if request.method == "GET":
        form.assessed_on.data = local_today()
        _prefill_from_latest(form, record)
    elif form.validate_on_submit():
        try:
            assessment = services.record_assessment(db.session, current_user, record, form.data_for_service(),
                                                    today=local_today())
        except DomainError as exc:
            db.session.rollback()
            if (message := attach_error(form, exc)) is not None:
                flash(message, "error")
        else:
            flash(_("Evaluación registrada. Una supervisora o un supervisor debe firmarla."), "success")
            return redirect(url_for("solutions.assessment", assessment_id=assessment.id))
    status = 400 if request.method == "POST" else 200
    return render_template("solutions/assessment_form.html", household=record, form=form), status


def _prefill_from_latest(form: AssessmentForm, household: Household) -> None:
    # A follow-up visit starts from where the household stood, so only changes need typing.
    history = services.assessments_of(db.session, household.id)
    if not history:
        return
    latest = history[0]
    form.preferred_option.data = latest.preferred_option.value if latest.preferred_option else ""
    form.option_in_progress.data = latest.option_in_progress.value if latest.option_in_progress else ""
    rows = {row.criterion: row for row in latest.criteria}
    for criterion, status_field, evidence_field in form.criterion_fields():
        status_field.data = latest.status_of(criterion).value
        row = rows.get(criterion)
        evidence_field.data = (row.evidence or "") if row is not None else ""
    audit.record_view(db.session, current_user, services.OBJECT_TYPE, latest.id, fields=["criteria.evidence"],
                      state_code=latest.state_code)


def _assessment_page(record: DurableSolutionAssessment, status: int = 200) -> Any:
    previous = services.previous_assessment(db.session, record)
    changes = services.diff_assessments(previous, record) if previous is not None else []
    return render_template(
        "solutions/assessment.html", assessment=record, previous=previous, changes=changes,
        can_sign=services.can_sign(current_user, record), sign_form=SignForm(version=str(record.version)),
        blockers=services.blockers_of(record) if record.is_signed else None,
    ), status


@bp.route("/evaluaciones/<uuid:assessment_id>")
@require_permission(Permission.ASSESS_SOLUTIONS)
def assessment(assessment_id: uuid.UUID) -> Any:
    record = _assessment(assessment_id)
    audit.record_view(db.session, current_user, services.OBJECT_TYPE, record.id, fields=["criteria.evidence"],
                      state_code=record.state_code)
    return _assessment_page(record)


@bp.route("/evaluaciones/<uuid:assessment_id>/firmar", methods=["POST"])
@require_permission(Permission.SIGN_ASSESSMENTS)
def sign(assessment_id: uuid.UUID) -> Any:
    record = _assessment(assessment_id)
    form = SignForm()
    if not form.validate_on_submit():
        flash(next(iter(form.version.errors), _("El formulario no es válido. Recargue la página.")), "error")
        return _assessment_page(record, 400)
    try:
        services.sign_assessment(db.session, current_user, record, int(form.version.data))
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _assessment_page(_assessment(assessment_id), 400)
    flash(_("Evaluación firmada: es ahora la situación vigente del hogar."), "success")
    return redirect(url_for("solutions.assessment", assessment_id=assessment_id))


# --- the dashboard -----------------------------------------------------------------------------------

def _charts(data: dashboard.Dashboard) -> dict[str, Any]:
    option, stage, criteria, monthly = data.by_option, data.by_stage, data.criteria, data.monthly

    def series(table: CountTable) -> list[charts.Series]:
        return [charts.Series(name, [row.counts[j] for row in table.rows]) for j, name in enumerate(table.columns)]

    return {
        "por_opcion": charts.bar_chart("grafica-opcion", option.title, [r.label for r in option.rows], series(option)),
        "por_etapa": charts.bar_chart("grafica-etapa", stage.title, [r.label for r in stage.rows], series(stage)),
        "criterios": charts.stacked_bar_chart(
            "grafica-criterios", criteria.title, [r.label for r in criteria.rows], series(criteria)),
        "por_mes": charts.bar_chart("grafica-mes", monthly.title, [r.label for r in monthly.rows], series(monthly)),
    }


@bp.route("/")
@require_permission(Permission.VIEW_DASHBOARD)
def dashboard_page() -> Any:
    data = dashboard.build(db.session, current_user, local_today())
    # Counts only, no record: the entry names the tables shown.
    audit.record_view(db.session, current_user, "solutions_dashboard", None, fields=dashboard.TABLE_NAMES,
                      state_code=_single_state(current_user))
    # The list of households to visit names each one: a list view of their heads' names, audited as such.
    listed = dashboard.households_by_id(db.session, [line.household_id for line in data.stale[:STALE_LIST_LIMIT]])
    if listed:
        audit.record_view(db.session, current_user, "household", None, fields=["head.name"], ids=list(listed),
                          state_code=_single_state(current_user))
    names = {hid: f"{household_name(h)} · {place(h.state_code, h.municipality_code)}" for hid, h in listed.items()}
    return render_template(
        "solutions/dashboard.html", data=data, charts=_charts(data), household_names=names,
        closure_endpoint=_endpoint("cases.request_closure"), case_endpoint=_endpoint("cases.view_case"),
        can_export=has_permission(current_user, Permission.EXPORT_STATISTICS),
        table_names=dashboard.TABLE_NAMES, stale_months=data.stale_months, stale_limit=STALE_LIST_LIMIT,
    )


@bp.route("/exportar.csv")
@export_limits
@require_permission(Permission.EXPORT_STATISTICS)
def export_csv() -> Any:
    return _export("csv")


@bp.route("/exportar.xlsx")
@export_limits
@require_permission(Permission.EXPORT_STATISTICS)
def export_xlsx() -> Any:
    return _export("xlsx")


def _export(fmt: str) -> Any:
    names = request.args.getlist("tabla")
    if any(n not in dashboard.TABLE_NAMES for n in names):
        return render_error(400, _("La tabla pedida no existe. Elija una de las del tablero."))
    threshold = int(current_app.config["SMALL_CELL_THRESHOLD"])
    data = dashboard.build(db.session, current_user, local_today())
    tables = dashboard.published_tables(data, threshold, names or None)
    writer, media_type = EXPORT_FORMATS[fmt]
    audit.record_export(db.session, current_user, "solutions_dashboard", count=len(tables), file_format=fmt,
                        state_code=_single_state(current_user), tables=[t.name for t in tables],
                        threshold=threshold)
    filename = f"soluciones-duraderas-{local_today().isoformat()}.{fmt}"
    return Response(writer(tables), headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Content-Type": media_type})
