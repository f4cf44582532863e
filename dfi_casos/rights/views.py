"""The transparency unit's pages: the ARCO worklist, a request and its steps, the business-day calendar."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from dfi_casos import scope
from dfi_casos.catalogs.enums import ArcoRight, ObjectionUse
from dfi_casos.errors import DomainError, NotVisible
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, parse_version
from dfi_casos.i18n import day
from dfi_casos.institutions.services import active_institutions
from dfi_casos.pdf import html_to_pdf
from dfi_casos.rights import blocking, calendar, deletion, pages, report, services
from dfi_casos.rights.forms import ObjectionForm, PeriodForm, ReasonForm, RemovePeriodForm, RequestForm, StepForm
from dfi_casos.rights.models import ArcoChannel, IdentityDocument
from dfi_casos.security.access import Permission, require_permission

bp = Blueprint("rights", __name__, url_prefix="/arco")


@bp.route("/")
@require_permission(Permission.MANAGE_ARCO)
def worklist() -> Any:
    data = pages.worklist(db.session, current_user, current_app.config)
    return render_template("rights/worklist.html", worklist=data,
                           near_days=current_app.config["ARCO_NEAR_DEADLINE_DAYS"])


def _request_data(form: RequestForm) -> services.RequestData:
    return services.RequestData(
        right=ArcoRight(form.right.data), channel=ArcoChannel(form.channel.data),
        received_on=form.received_on.data, description=form.description.data or "",
        person_id=form.person_id.data or None, curp=form.curp.data or "",
        requester_name=form.requester_name.data or "", representative=form.representative.data or "",
        state_code=form.state_code.data or None, identity_verified=bool(form.identity_verified.data),
        identity_document=IdentityDocument(form.identity_document.data) if form.identity_document.data else None,
    )


@bp.route("/nueva", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_ARCO)
def new() -> Any:
    form = RequestForm()
    general_error = None
    if form.validate_on_submit():
        try:
            created = services.register_request(db.session, current_user, current_app.config, _request_data(form))
        except services.PersonNotFound as exc:
            db.discard_refused_work()
            services.record_refused_lookup(db.session, current_user, exc)
            general_error = attach_error(form, exc)
        except DomainError as exc:
            general_error = attach_error(form, exc)
        else:
            flash(_("Solicitud %(folio)s registrada; vence el %(date)s.", folio=created.folio,
                    date=day(created.due_on)), "success")
            return redirect(url_for("rights.show", request_id=created.id))
    status = 400 if request.method == "POST" else 200
    return render_template("rights/new.html", form=form, general_error=general_error), status


def _render_request(arco: Any, step_form: StepForm | None = None, general_error: str | None = None,
                    status: int = 200) -> Any:
    services.record_request_view(db.session, current_user, arco)
    form = step_form or StepForm(formdata=None)
    form.version.data = str(arco.version)
    return render_template("rights/request.html", arco=arco, form=form, general_error=general_error,
                           steps=services.available_steps(arco), reason_form=ReasonForm(formdata=None),
                           objection_form=_objection_form(formdata=None),
                           objections=services.objections_of(db.session, arco),
                           rectifications=services.rectifications_of(db.session, arco),
                           person=pages.person_status(db.session, arco),
                           days_left=pages.days_left(db.session, current_app.config, arco)), status


@bp.route("/<uuid:request_id>")
@require_permission(Permission.MANAGE_ARCO)
def show(request_id: Any) -> Any:
    arco = scope.get_arco_request_for(db.session, current_user, request_id)
    return _render_request(arco)


@bp.route("/<uuid:request_id>/paso", methods=["POST"])
@require_permission(Permission.MANAGE_ARCO)
def step(request_id: Any) -> Any:
    arco = scope.get_arco_request_for(db.session, current_user, request_id)
    form = StepForm()
    if not form.validate_on_submit():
        return _render_request(arco, form, _("Revise el formulario."), 400)
    data = services.StepData(text=form.text.data or "", granted=bool(form.granted.data),
                             identity_document=IdentityDocument(form.identity_document.data)
                             if form.identity_document.data else None)
    try:
        services.take_step(db.session, current_user, current_app.config, arco, form.step.data or "", data,
                           parse_version(form.version.data))
    except DomainError as exc:
        db.discard_refused_work()
        db.session.refresh(arco)
        return _render_request(arco, form, attach_error(form, exc), 409 if exc.field is None else 400)
    flash(_("Solicitud actualizada."), "success")
    return redirect(url_for("rights.show", request_id=arco.id))


@bp.route("/<uuid:request_id>/reporte.<any(pdf, json):fmt>")
@require_permission(Permission.MANAGE_ARCO)
def access_report(request_id: Any, fmt: str) -> Any:
    arco = scope.get_arco_request_for(db.session, current_user, request_id)
    person = services.access_report_person(db.session, current_user, arco)
    # The access report is the institution's answer to the data subject under Mexican law: it is
    # written in Spanish (labels, enumerations, dates) whatever the staff member's interface language.
    with force_locale("es_MX"):
        data = report.build(db.session, current_app.config, person)
        html = render_template("rights/access_report_pdf.html", report=data, arco=arco) if fmt == "pdf" else ""
    if fmt == "json":
        content, mimetype = report.to_json(data), "application/json"
    else:
        content, mimetype = html_to_pdf(html).content, "application/pdf"
    report.record_delivery(db.session, current_user, arco, data, fmt)
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="acceso-{arco.folio}.{fmt}"', "Cache-Control": "no-store"})


def _objection_form(**kwargs: Any) -> ObjectionForm:
    form = ObjectionForm(**kwargs)
    form.institution_id.choices = [("", "—")] + [(str(i.id), i.name) for i in active_institutions(db.session)]
    return form


@bp.route("/<uuid:request_id>/oposicion", methods=["POST"])
@require_permission(Permission.MANAGE_ARCO)
def objection(request_id: Any) -> Any:
    arco = scope.get_arco_request_for(db.session, current_user, request_id)
    form = _objection_form()
    if not form.validate_on_submit():
        return _render_request(arco, None, _("Elija el uso al que la persona se opone."), 400)
    try:
        services.record_objection(db.session, current_user, arco, ObjectionUse(form.use.data),
                                  int(form.institution_id.data) if form.institution_id.data else None)
    except DomainError as exc:
        db.discard_refused_work()
        return _render_request(arco, None, str(exc), 400)
    flash(_("Oposición registrada: ese uso de sus datos queda impedido."), "success")
    return redirect(url_for("rights.show", request_id=arco.id))


@bp.route("/<uuid:request_id>/bloquear", methods=["POST"])
@require_permission(Permission.MANAGE_ARCO)
def block(request_id: Any) -> Any:
    arco = scope.get_arco_request_for(db.session, current_user, request_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _render_request(arco, None, _("Escriba el fundamento del bloqueo."), 400)
    try:
        blocking.block_for_request(db.session, current_user, arco, form.reason.data or "")
    except DomainError as exc:
        db.discard_refused_work()
        return _render_request(arco, None, str(exc), 400)
    flash(_("Datos bloqueados: la persona ya no aparece en ninguna pantalla, búsqueda, estadística ni exportación."),
          "success")
    return redirect(url_for("rights.show", request_id=arco.id))


@bp.route("/bloqueos")
@require_permission(Permission.MANAGE_ARCO)
def blocked() -> Any:
    return render_template("rights/blocked.html", blocks=blocking.blocked_list(db.session, current_user),
                           form=ReasonForm(formdata=None))


@bp.route("/bloqueos/<uuid:block_id>/levantar", methods=["POST"])
@require_permission(Permission.MANAGE_ARCO)
def unblock(block_id: Any) -> Any:
    record = scope.get_person_block_for(db.session, current_user, block_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            head_replaced = blocking.unblock(db.session, current_user, record, form.reason.data or "")
        except DomainError as exc:
            db.discard_refused_work()
            flash(str(exc), "error")
            return redirect(url_for("rights.blocked"))
        flash(_("Bloqueo levantado: la persona vuelve a estar disponible para su atención."), "success")
        if head_replaced:
            flash(_("Mientras estuvo bloqueada, su hogar registró otra jefatura: vuelve como «Otro pariente». "
                    "Pida a quien atiende el hogar que revise el parentesco."), "warning")
    else:
        flash(_("Escriba el motivo para levantar el bloqueo."), "error")
    return redirect(url_for("rights.blocked"))


@bp.route("/bloqueos/<uuid:block_id>/suprimir", methods=["POST"])
@require_permission(Permission.MANAGE_ARCO)
def suppress(block_id: Any) -> Any:
    record = scope.get_person_block_for(db.session, current_user, block_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Escriba el fundamento de la supresión."), "error")
        return redirect(url_for("rights.blocked"))
    try:
        deletion.suppress(db.session, current_user, record.person, reason=form.reason.data or "", source="arco")
    except DomainError as exc:
        db.discard_refused_work()
        flash(str(exc), "error")
        return redirect(url_for("rights.blocked"))
    flash(_("Datos suprimidos: queda solo el registro de que existieron."), "success")
    return redirect(url_for("rights.blocked"))


# --- the business-day calendar ---------------------------------------------------------------------

@bp.route("/calendario", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_ARCO)
def calendar_page() -> Any:
    form = PeriodForm()
    general_error = None
    editable = scope.can_edit_calendar(current_user)
    if request.method == "POST":
        if not editable:
            raise NotVisible("calendar_period", None, "not_calendar_editor")
        if form.validate_on_submit():
            try:
                services.add_period(db.session, current_user, services.PeriodData(
                    form.name.data or "", form.starts_on.data, form.ends_on.data, form.source.data or ""))
            except DomainError as exc:
                general_error = attach_error(form, exc)
            else:
                flash(_("Periodo agregado: los plazos que se calculen desde ahora lo descuentan."), "success")
                return redirect(url_for("rights.calendar_page"))
    stored = calendar.stored_calendar(db.session)
    status = 400 if request.method == "POST" else 200
    return render_template("rights/calendar.html", form=form, remove_form=RemovePeriodForm(), stored=stored,
                           editable=editable, general_error=general_error,
                           yearly=current_app.config["ARCO_NONWORKING_DAYS"],
                           extra=current_app.config["ARCO_EXTRA_NONWORKING_DATES"]), status


@bp.route("/calendario/<int:period_id>/quitar", methods=["POST"])
@require_permission(Permission.MANAGE_ARCO)
def remove_period(period_id: int) -> Any:
    period = scope.get_calendar_period_for(db.session, current_user, period_id)
    if RemovePeriodForm().validate_on_submit():
        services.remove_period(db.session, current_user, period)
        flash(_("Periodo quitado."), "success")
    return redirect(url_for("rights.calendar_page"))
