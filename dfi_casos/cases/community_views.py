"""Pages of community cases: collective measures on the case, representatives on the community."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dfi_casos import scope
from dfi_casos.cases import actions, community
from dfi_casos.cases.community_models import CollectiveMeasureType, MeasureStatus
from dfi_casos.cases.forms import MeasureForm, MeasureStatusForm, RemoveRepresentativeForm, RepresentativeForm
from dfi_casos.cases.models import Case
from dfi_casos.errors import DomainError, NotVisible
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, select_choices
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, require_permission


def add_measure(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: MeasureForm) -> str:
        community.add_measure(db.session, current_user, case, CollectiveMeasureType(form.measure_type.data),
                              form.measure_on.data, MeasureStatus(form.status.data),
                              int(form.institution_id.data) if form.institution_id.data else None, form.notes.data)
        return _("Medida colectiva registrada.")

    return actions.act(case_id, "add_measure", run)


def update_measure(case_id: uuid.UUID, measure_id: uuid.UUID) -> Any:
    measure = scope.get_measure_for(db.session, current_user, measure_id)
    case = actions.load(case_id)
    if measure.case_id != case.id:
        raise NotVisible("collective_measure", measure.id, "not_in_case")
    form = MeasureStatusForm(prefix="estado_medida")
    form.status.choices = select_choices(sorted((s.value, s.label) for s in community.MEASURE_FLOW[measure.status]))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                community.update_measure(db.session, current_user, case, measure, MeasureStatus(form.status.data))
            except DomainError as exc:
                db.discard_refused_work()
                if (message := attach_error(form, exc)) is not None:
                    flash(message, "error")
            else:
                flash(_("Medida actualizada."), "success")
                return redirect(actions.case_url(case_id, "medidas"))
        status = 400
    elif not community.MEASURE_FLOW[measure.status] or "add_note" not in actions.available(case):
        flash(_("El estado de esta medida ya no puede cambiar."), "warning")
        return redirect(actions.case_url(case_id, "medidas"))
    return render_template("cases/measure_status.html", case=case, measure=measure, form=form,
                           action_url=request.path), status


def representatives(community_id: uuid.UUID) -> Any:
    record = scope.get_community_for(db.session, current_user, community_id)
    form = RepresentativeForm(prefix="representante")
    members = community.member_choices(db.session, record)
    form.person_id.choices = select_choices([(str(p.id), p.full_name()) for p in members], blank=_("Elija"))
    remove_form = RemoveRepresentativeForm(prefix="quitar")
    status = 200
    if request.method == "POST" and "quitar-representative_id" in request.form:
        if remove_form.validate_on_submit():
            try:
                removed = community.remove_representative(db.session, current_user, record,
                                                          remove_form.representative_id.data)
            except DomainError as exc:
                db.discard_refused_work()
                record = scope.get_community_for(db.session, current_user, community_id)
                flash(str(exc), "error")
            else:
                flash(_("Ya no es representante: %(role)s.", role=removed.role), "success")
                return redirect(url_for("cases.representatives", community_id=record.id))
        else:
            flash(_("No se pudo quitar: recargue la página y vuelva a intentarlo."), "error")
        status = 400
    elif request.method == "POST":
        if form.validate_on_submit():
            try:
                community.add_representative(db.session, current_user, record, form.person_id.data, form.role.data)
            except DomainError as exc:
                db.discard_refused_work()
                record = scope.get_community_for(db.session, current_user, community_id)
                if (message := attach_error(form, exc)) is not None:
                    flash(message, "error")
            else:
                flash(_("Representante registrado."), "success")
                return redirect(url_for("registry.community", community_id=record.id))
        status = 400
    listed = community.representatives(db.session, record.id)
    audit.record_view(db.session, current_user, "person", None, fields=["person.name"],
                      ids=[p.id for p in members], state_code=record.state_code)
    return render_template("cases/representatives.html", community=record, representatives=listed, form=form,
                           remove_form=remove_form, action_url=request.path), status


def register(bp: Blueprint) -> None:
    """The routes of community cases, each with the permission it needs."""
    P = Permission  # noqa: N806 - short alias for the table below
    for rule, view, permission in [
        ("/<uuid:case_id>/medidas", add_measure, P.RECORD_SERVICES),
        ("/<uuid:case_id>/medidas/<uuid:measure_id>", update_measure, P.RECORD_SERVICES),
        ("/comunidad/<uuid:community_id>/representantes", representatives, P.EDIT_RECORDS),
    ]:
        bp.add_url_rule(rule, view.__name__, require_permission(permission)(view), methods=["GET", "POST"])
