"""Merge pages: compare two persons (or households) side by side, choose values, merge; undo within N days."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from dfi_casos import scope
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.errors import DomainError
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error
from dfi_casos.i18n import day
from dfi_casos.labels import event_label
from dfi_casos.registry import merge, services
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, require_permission

bp = Blueprint("merge", __name__, url_prefix="/fusion")


class MergeForm(FlaskForm):
    survivor_version = HiddenField()
    absorbed_version = HiddenField()
    reason = TextAreaField(_l("Motivo de la fusión"), validators=[
        Optional(), Length(max=1000, message=_l("Máximo 1000 caracteres."))],
        description=_l("Por qué son el mismo registro (queda cifrado; la bitácora guarda solo los identificadores)."))


class PickHouseholdForm(FlaskForm):
    other_id = SelectField(_l("Otro registro del mismo hogar"), choices=[], validate_choice=False)


def _versions(form: MergeForm) -> tuple[int, int]:
    try:
        return int(form.survivor_version.data or 0), int(form.absorbed_version.data or 0)
    except ValueError:
        return (-1, -1)


def _display(value: Any, field: str, record: Any) -> str:
    if value is None or value == "":
        return "—"
    if field == "event_id":
        return event_label(record.event) if record.event else str(value)
    if field == "community_id":
        return record.community.name if record.community else str(value)
    if hasattr(value, "label"):
        return str(value.label)
    if hasattr(value, "strftime"):
        return day(value)
    if field == "birth_state_code":
        state = state_by_code(value)
        return state.name if state else (_("Extranjero") if value == "NE" else str(value))
    if field == "municipality_code":
        municipality = services.municipalities().get(value)
        return municipality.name if municipality else str(value)
    return str(value)


def _compare_page(kind: merge.MergeKind, survivor_id: str, absorbed_id: str) -> Any:
    survivor, absorbed = merge.load_pair(db.session, current_user, kind, survivor_id, absorbed_id)
    form = MergeForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        take = [name for name in kind.fields if request.form.get(f"take_{name}") == "absorbed"]
        try:
            log = merge.merge(db.session, current_user, kind, survivor.id, absorbed.id, take,
                              form.reason.data or "", _versions(form))
        except DomainError as exc:
            if attach_error(form, exc):
                form.survivor_version.errors = [str(exc)]
            status = 400
        else:
            flash(_("Registros fusionados. Otra supervisora o supervisor puede deshacerlo en %(n)s días.",
                    n=merge.undo_days()), "success")
            return redirect(url_for("merge.record", merge_id=log.id))
    elif request.method == "POST":
        status = 400
    if request.method == "GET":
        form.survivor_version.data, form.absorbed_version.data = str(survivor.version), str(absorbed.version)
    rows = [{**row, "survivor_text": _display(row["survivor"], row["field"], survivor),
             "absorbed_text": _display(row["absorbed"], row["field"], absorbed)}
            for row in merge.comparison(kind, survivor, absorbed)]
    for record in (survivor, absorbed):
        audit.record_view(db.session, current_user, kind.record_type, record.id, fields=list(kind.fields),
                          state_code=record.state_code)
    return render_template("merge/compare.html", kind=kind, survivor=survivor, absorbed=absorbed, rows=rows,
                           form=form, swap_url=url_for(request.endpoint or "merge.persons",
                                                       survivor_id=absorbed.id, absorbed_id=survivor.id)), status


@bp.route("/personas", methods=["POST"])
@require_permission(Permission.MERGE_PERSONS)
def choose_persons() -> Any:
    ids = request.form.getlist("ids")
    if len(ids) != 2:
        flash(_("Elija exactamente dos personas para compararlas."), "error")
        return redirect(url_for("search.index"))
    return redirect(url_for("merge.persons", survivor_id=ids[0], absorbed_id=ids[1]))


@bp.route("/personas/<survivor_id>/<absorbed_id>", methods=["GET", "POST"])
@require_permission(Permission.MERGE_PERSONS)
def persons(survivor_id: str, absorbed_id: str) -> Any:
    return _compare_page(merge.PERSON, survivor_id, absorbed_id)


@bp.route("/hogares/<survivor_id>", methods=["GET", "POST"])
@require_permission(Permission.MERGE_PERSONS)
def pick_household(survivor_id: str) -> Any:
    household = scope.get_household_for(db.session, current_user, survivor_id)
    form = PickHouseholdForm()
    others = [h for h in services.visible_households(db.session, current_user)
              if h.id != household.id and h.merged_into_id is None and h.state_code == household.state_code]
    form.other_id.choices = [("", _("Elija…"))] + [(str(h.id), _household_label(h)) for h in others]
    if form.validate_on_submit() and form.other_id.data:
        return redirect(url_for("merge.households", survivor_id=household.id, absorbed_id=form.other_id.data))
    heads = [m.person for h in [household, *others] for m in h.current_memberships[:1]]
    audit.record_view(db.session, current_user, "person", None, fields=["given_names", "first_surname",
                                                                       "second_surname"], ids=[p.id for p in heads])
    return render_template("merge/pick_household.html", household=household, label=_household_label(household),
                           form=form), 400 if request.method == "POST" else 200


def _household_label(household: Any) -> str:
    head = next((m.person for m in household.current_memberships), None)
    name = head.full_name() if head else _("sin integrantes")
    return _("%(name)s y %(n)s más · registrado %(date)s", name=name, n=household.size - 1,
             date=day(household.created_at))


@bp.route("/hogares/<survivor_id>/<absorbed_id>", methods=["GET", "POST"])
@require_permission(Permission.MERGE_PERSONS)
def households(survivor_id: str, absorbed_id: str) -> Any:
    return _compare_page(merge.HOUSEHOLD, survivor_id, absorbed_id)


@bp.route("/<merge_id>", methods=["GET"])
@require_permission(Permission.VIEW_CASES)
def record(merge_id: str) -> Any:
    log, survivor = merge.get_merge_for(db.session, current_user, merge_id)
    refusal = merge.undo_refusal(db.session, current_user, log, survivor)
    return render_template("merge/record.html", log=log, survivor=survivor, refusal=refusal,
                           labels=merge.KINDS[log.record_type].fields, form=FlaskForm(), days=merge.undo_days())


@bp.route("/<merge_id>/deshacer", methods=["POST"])
@require_permission(Permission.MERGE_PERSONS)
def undo(merge_id: str) -> Any:
    form = FlaskForm()
    if not form.validate_on_submit():
        return redirect(url_for("merge.record", merge_id=merge_id))
    try:
        log = merge.undo(db.session, current_user, merge_id)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("merge.record", merge_id=merge_id))
    flash(_("Fusión deshecha: los dos registros vuelven a estar separados."), "success")
    return redirect(url_for("merge.record", merge_id=log.id))
