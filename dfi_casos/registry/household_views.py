"""Registry pages of households: registration, view, edit, members joining, leaving and moving, the list."""
from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from dfi_casos import scope
from dfi_casos.cases import lists
from dfi_casos.cases.pages import days_in_stage
from dfi_casos.catalogs.enums import CaseSubject, RelationshipToHead
from dfi_casos.errors import DomainError
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, parse_version
from dfi_casos.labels import event_label, household_name, place
from dfi_casos.registry import finder, forms, services
from dfi_casos.registry.merge import merges_of
from dfi_casos.registry.models import Household, Person
from dfi_casos.registry.view_support import (
    P,
    audit_list,
    audit_view,
    bp,
    catalog,
    curp_warnings,
    default_state,
    form_status,
    municipality_name,
    page_args,
    page_size,
    post_and_flash,
    re_rendering,
    read_list_filters,
    requested_page,
    save_person_form,
    state_name,
    subject_cases,
)
from dfi_casos.security.access import require_permission

# --- households ------------------------------------------------------------------------------

def _without_member(formdata: MultiDict[str, str], raw_index: str | None) -> MultiDict[str, str]:
    """The submitted data minus one member row, the later rows renumbered."""
    try:
        removed = int(raw_index or "")
    except ValueError:
        return formdata
    kept: MultiDict[str, str] = MultiDict()
    for key, value in formdata.items(multi=True):
        match = re.fullmatch(r"members-(\d+)-(.+)", key)
        if not match:
            kept.add(key, value)
        elif int(match[1]) != removed:
            index = int(match[1]) - (1 if int(match[1]) > removed else 0)
            kept.add(f"members-{index}-{match[2]}", value)
    return kept


def _prepare_household_form(form: Any) -> None:
    forms.set_municipality_choices(form.municipality_code, catalog(), form.state_code.data, _("Elija un municipio"))
    forms.set_record_choices(form.event_id, services.visible_events(db.session, current_user), event_label,
                             blank=_("Sin evento vinculado"))
    forms.set_record_choices(form.community_id, services.visible_communities(db.session, current_user),
                             lambda c: c.name, blank=_("Sin comunidad vinculada"))


@bp.route("/hogares/nuevo", methods=["GET", "POST"])
@require_permission(P.REGISTER)
def new_household() -> Any:
    formdata = None
    if request.method == "POST" and "remove_member" in request.form:
        formdata = _without_member(request.form, request.form.get("remove_member"))
    form = forms.HouseholdForm(formdata=formdata) if formdata is not None else forms.HouseholdForm()
    default_state(form)
    if request.method == "GET":
        form.members[0].form.relationship.data = RelationshipToHead.HEAD.value
    _prepare_household_form(form)
    context: dict[str, Any] = {"form": form, "general_error": None, "duplicates": None}
    if request.method == "POST" and "add_member" in request.form and len(form.members) < form.members.max_entries:
        form.members.append_entry()
    if re_rendering():
        return render_template("registry/household_form.html", **context)
    if form.validate_on_submit():
        household = save_person_form(form, context, lambda: services.register_household(
            db.session, current_user, forms.household_data(form), form.duplicate_reason.data),
            lambda: _member_curp_warnings(form), _("Hogar registrado."))
        if household is not None:
            return redirect(url_for("registry.household", household_id=household.id))
    context["curp_warnings"] = _member_curp_warnings(form) if request.method == "POST" else []
    return render_template("registry/household_form.html", **context), form_status()


def _member_curp_warnings(form: forms.HouseholdForm) -> list[str]:
    warnings = []
    for i, entry in enumerate(form.members):
        for warning in curp_warnings(entry.form):
            warnings.append(_("Integrante %(n)s: %(warning)s", n=i + 1, warning=warning))
    return warnings


def _household_view(household: Household) -> dict[str, Any]:
    members = []
    # Every member in one query (held: the identity map keeps them only weakly), not one per row.
    ids = [m.person_id for m in household.memberships]
    held = db.session.scalars(select(Person).where(Person.id.in_(ids))).all()  # noqa: F841
    for membership in household.visible_memberships:
        person = membership.person
        members.append({"person_id": person.id, "name": person.full_name(),
                        "relationship": membership.relationship_to_head.label,
                        "relationship_value": membership.relationship_to_head.value, "present": membership.present,
                        "joined_on": membership.joined_on, "left_on": membership.left_on,
                        "left_reason": str(services.LEAVE_REASONS.get(membership.left_reason or "", ""))})
    return {
        "id": household.id, "state": state_name(household.state_code),
        "municipality": municipality_name(household.municipality_code), "notes": household.notes,
        "event": event_label(household.event) if household.event else None, "event_id": household.event_id,
        "community": household.community.name if household.community else None,
        "community_id": household.community_id, "size": household.size, "created_at": household.created_at,
        "members": members,
    }


@bp.route("/hogares/<household_id>")
@require_permission(P.VIEW_CASES)
def household(household_id: str) -> Any:
    record = scope.get_household_for(db.session, current_user, household_id)
    if record.merged_into_id is not None:  # a tombstone: its record lives on in the survivor
        flash(_("Este hogar se fusionó con otro; se muestra el registro que se conservó."), "info")
        return redirect(url_for("registry.household", household_id=record.merged_into_id))
    view = _household_view(record)
    audit_view("household", record, ["notes", "members.name"])
    leave_form = forms.LeaveForm()
    member_form = forms.NewMemberForm()
    return render_template("registry/household.html", household=view, leave_form=leave_form,
                           relationships=list(RelationshipToHead),
                           cases=subject_cases(CaseSubject.HOUSEHOLD, record.id),
                           member_form=member_form, version=record.version,
                           history=services.changes_since(db.session, "household", record.id, 0),
                           merges=merges_of(db.session, "household", record.id))


@bp.route("/hogares/<household_id>/editar", methods=["GET", "POST"])
@require_permission(P.EDIT_RECORDS)
def edit_household(household_id: str) -> Any:
    record = scope.get_household_for(db.session, current_user, household_id)
    form = forms.HouseholdEditForm()
    if request.method == "GET":
        form.state_code.data, form.municipality_code.data = record.state_code, record.municipality_code or ""
        form.event_id.data = str(record.event_id or "")
        form.community_id.data = str(record.community_id or "")
        form.notes.data = record.notes
        form.version.data = str(record.version)
        audit_view("household", record, ["notes"])
    _prepare_household_form(form)
    general_error = None
    if not re_rendering() and form.validate_on_submit():
        try:
            services.update_household(db.session, current_user, record, forms.household_data(form),
                                      parse_version(form.version.data))
        except DomainError as exc:
            general_error = attach_error(form, exc)
        else:
            flash(_("Hogar actualizado."), "success")
            return redirect(url_for("registry.household", household_id=record.id))
    status = 200 if re_rendering() else form_status()
    return render_template("registry/household_edit.html", form=form, household_id=record.id,
                           general_error=general_error), status


@bp.route("/hogares/<household_id>/integrantes", methods=["GET", "POST"])
@require_permission(P.REGISTER)
def add_member(household_id: str) -> Any:
    record = scope.get_household_for(db.session, current_user, household_id)
    form = forms.NewMemberForm()
    context: dict[str, Any] = {"form": form, "household_id": record.id, "general_error": None, "duplicates": None}
    if request.method == "GET":  # the address a refused form comes back at also opens the empty form
        return render_template("registry/member_form.html", **context)
    if form.validate_on_submit():
        member = services.MemberData(person=forms.person_data(form),
                                     relationship=RelationshipToHead(form.relationship.data),
                                     present=bool(form.present.data))
        added = save_person_form(form, context, lambda: services.add_member(
            db.session, current_user, record, member, form.duplicate_reason.data),
            lambda: curp_warnings(form), _("Integrante agregado."))
        if added is not None:
            return redirect(url_for("registry.household", household_id=record.id))
    return render_template("registry/member_form.html", **context), 400


@bp.route("/hogares/<household_id>/salida", methods=["POST"])
@require_permission(P.EDIT_RECORDS)
def end_membership(household_id: str) -> Any:
    record = scope.get_household_for(db.session, current_user, household_id)
    form = forms.LeaveForm()
    post_and_flash(form, lambda: services.end_membership(db.session, current_user, record, form.person_id.data,
                                                         form.reason.data or "", form.left_on.data),
                   _("Salida registrada; queda en el historial del hogar."))
    return redirect(url_for("registry.household", household_id=record.id))


@bp.route("/hogares/<household_id>/integrante", methods=["POST"])
@require_permission(P.EDIT_RECORDS)
def update_membership(household_id: str) -> Any:
    record = scope.get_household_for(db.session, current_user, household_id)
    form = forms.MembershipForm()
    post_and_flash(form, lambda: services.update_membership(db.session, current_user, record, form.person_id.data,
                                                            RelationshipToHead(form.relationship.data),
                                                            bool(form.present.data)),
                   _("Integrante actualizado."))
    return redirect(url_for("registry.household", household_id=record.id))


@bp.route("/personas/<person_id>/hogar", methods=["GET", "POST"])
@require_permission(P.EDIT_RECORDS)
def move_person(person_id: str) -> Any:
    # Its own page: the household list (up to 200 names decrypted and audited) is built only when asked for.
    record = scope.get_person_for(db.session, current_user, person_id)
    form = forms.MoveForm()
    # The search travels in the POST body, as on the search page: names and CURPs stay out of URLs
    # (access logs, browser history). The move form carries it back to rebuild the same choices.
    searching = request.method == "POST" and "buscar" in request.form
    query = (request.form.get("q") or "").strip() if request.method == "POST" else ""
    search_error = prepare_move_form(form, record, query)
    general_error = None
    if not searching and request.method == "POST" and form.validate_on_submit():
        target = scope.get_household_for(db.session, current_user, form.household_id.data)
        try:
            services.move_to_household(db.session, current_user, record, target,
                                       RelationshipToHead(form.relationship.data))
        except DomainError as exc:
            db.discard_refused_work()
            general_error = attach_error(form, exc)
        else:
            flash(_("La persona se incorporó al hogar; su estancia anterior queda en el historial."), "success")
            return redirect(url_for("registry.household", household_id=target.id))
    status = 400 if search_error or (request.method == "POST" and not searching) else 200
    return render_template("registry/move_form.html", form=form, person_id=record.id, query=query,
                           search_error=search_error, found=len(form.household_id.choices or []) - 1,
                           general_error=general_error), status


def prepare_move_form(form: forms.MoveForm, person: Any, query: str = "") -> str | None:
    """The households to choose from, never the person's own: those of the persons a search finds (name,
    CURP, folio or phone of any member), or the latest of the territory; a list view of names, audited.

    Returns the search's refusal in words (the box's message), if it was refused.
    """
    current = person.current_membership
    error = None
    if query:
        try:
            outcome = finder.find(db.session, current_user, finder.interpret(query))
        except finder.SearchError as exc:
            error, households = exc.message, []
        else:
            seen: dict[Any, Household] = {}
            for hit in outcome.hits:
                membership = hit.person.current_membership
                if membership is not None and membership.household.merged_into_id is None:
                    seen.setdefault(membership.household_id, membership.household)
            households = list(seen.values())
    else:
        households = services.visible_households(db.session, current_user)
    households = [h for h in households if current is None or h.id != current.household_id]
    forms.set_record_choices(form.household_id, households,
                             lambda h: f"{household_name(h)} · {place(h.state_code, h.municipality_code)}",
                             blank=_("Elija un hogar"))
    audit_list("household", households, ["head.name"])
    return error


@bp.route("/hogares")
@require_permission(P.VIEW_CASES)
def households() -> Any:
    filter_form, filters = read_list_filters()
    page = services.list_households(db.session, current_user, filters, requested_page(), page_size())
    open_cases = lists.open_cases_of_households(db.session, current_user, [h.id for h in page.items])
    rows = []
    for item in page.items:
        head = next((m.person for m in item.current_memberships
                     if m.relationship_to_head == RelationshipToHead.HEAD), None)
        rows.append({"id": item.id, "head": head.full_name() if head else "—", "size": item.size,
                     "state": state_name(item.state_code), "municipality": municipality_name(item.municipality_code),
                     "created_at": item.created_at, "case": open_cases.get(item.id),
                     "days": days_in_stage(open_cases[item.id]) if item.id in open_cases else None})
    audit_list("household", page.items, ["head.name"])
    return render_template("registry/households.html", rows=rows, page=page, filter_form=filter_form,
                           page_args=page_args())
