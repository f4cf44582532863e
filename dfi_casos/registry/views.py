"""Registry pages: registration, view, edit, lists and search of persons, households, events, communities."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from dfi_casos import scope
from dfi_casos.cases import lists
from dfi_casos.cases.lists import cases_of_subject, household_open_case
from dfi_casos.cases.pages import days_in_stage
from dfi_casos.catalogs.enums import (
    CaseSubject,
    ConsentMethod,
    ConsentScope,
    DisabilityDomain,
    DisabilityLevel,
    DocumentType,
    ProtectionRisk,
    RelationshipToHead,
    SpecificNeed,
)
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.catalogs.languages import language_name
from dfi_casos.database import local_today
from dfi_casos.errors import DomainError
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, parse_version
from dfi_casos.institutions import services as institutions
from dfi_casos.labels import event_label, household_name, place
from dfi_casos.pagination import page_number
from dfi_casos.registry import forms, services
from dfi_casos.registry.curp import CurpInvalida, curp_mismatches, validate_curp
from dfi_casos.registry.merge import merges_of
from dfi_casos.registry.models import Community, DisplacementEvent, Household, Person
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, require_permission

bp = Blueprint("registry", __name__, url_prefix="/registro")
P = Permission

#: Person fields the view page shows (and the audit entry names).
PERSON_VIEW_FIELDS = ["given_names", "first_surname", "second_surname", "aliases", "curp", "birth_date",
                      "gender_identity", "phone", "address", "safe_contact_channel", "protection_risks"]
#: Person fields shown in lists and member tables.
PERSON_ROW_FIELDS = ["given_names", "first_surname", "second_surname"]


# --- helpers ---------------------------------------------------------------------------------

def _catalog() -> Any:
    return services.municipalities()


def _state_name(code: str | None) -> str:
    state = state_by_code(code or "")
    return state.name if state else ("Extranjero" if code == "NE" else "—")


def _municipality_name(code: str | None) -> str:
    municipality = _catalog().get(code or "") if code else None
    return municipality.name if municipality else "—"


def _status() -> int:
    return 400 if request.method == "POST" else 200


def _re_rendering() -> bool:
    """A button that only re-renders the form (nothing is saved)."""
    return any(name in request.form for name in ("refresh_municipalities", "add_member", "remove_member"))


def _duplicates_for_display(matches: list[services.DuplicateMatch]) -> list[dict[str, Any]]:
    """Visible candidates with name and link; out-of-scope ones as a count only. Audits the names shown."""
    # Nothing was written before the service found them; the view entries of the names shown are kept.
    db.discard_refused_work()
    shown = []
    for match in matches:
        rows = []
        for person, reasons in match.visible:
            _audit_view("person", person, PERSON_ROW_FIELDS)
            rows.append({"id": person.id, "name": person.full_name(), "reasons": reasons,
                         "state": _state_name(person.state_code)})
        shown.append({"index": match.index, "visible": rows, "hidden": match.hidden})
    return shown


def _person_row(person: Person) -> dict[str, Any]:
    """What a list shows of a person: decrypts the name only."""
    return {"id": person.id, "name": person.full_name(), "sex": person.registered_sex.label,
            "state": _state_name(person.state_code), "municipality": _municipality_name(person.municipality_code),
            "created_at": person.created_at}


def _audit_view(object_type: str, record: Any, fields: list[str]) -> None:
    """The page showed these sensitive fields (names) of one record."""
    audit.record_view(db.session, current_user, object_type, record.id, fields=fields, state_code=record.state_code)


def _audit_list(object_type: str, records: list[Any], fields: list[str]) -> None:
    """A list page showed these fields of these records; the entry names the state when they share one."""
    if records:
        states = {r.state_code for r in records}
        audit.record_view(db.session, current_user, object_type, None, fields=fields, ids=[r.id for r in records],
                          state_code=states.pop() if len(states) == 1 else None)


def _page_number() -> int:
    return page_number(request.args.get("pagina"))


def _filter_form() -> tuple[forms.ListFilterForm, services.Filters]:
    form = forms.ListFilterForm(formdata=request.args)
    forms.set_municipality_choices(form.municipio, _catalog(), form.estado.data, "Todos")
    form.validate()
    return form, forms.list_filters(form)


def _page_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k != "pagina" and v}


def _size() -> int:
    return int(current_app.config["PAGE_SIZE"])


@bp.route("/")
@require_permission(P.VIEW_CASES)
def index() -> Any:
    return redirect(url_for("registry.households"))


@bp.route("/municipios")
@require_permission(P.VIEW_CASES)
def municipalities_json() -> Any:
    """The municipalities of a state for the progressive-enhancement script (public catalog data)."""
    return jsonify([{"code": code, "name": name} for code, name in _catalog().choices(request.args.get("estado", ""))])


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
    forms.set_municipality_choices(form.municipality_code, _catalog(), form.state_code.data, "Elija un municipio")
    forms.set_record_choices(form.event_id, services.visible_events(db.session, current_user), event_label,
                             blank="Sin evento vinculado")
    forms.set_record_choices(form.community_id, services.visible_communities(db.session, current_user),
                             lambda c: c.name, blank="Sin comunidad vinculada")


def _default_state(form: Any) -> None:
    if request.method == "GET" and not form.state_code.data and len(current_user.states) == 1:
        form.state_code.data = current_user.states[0]


@bp.route("/hogares/nuevo", methods=["GET", "POST"])
@require_permission(P.REGISTER)
def new_household() -> Any:
    formdata = None
    if request.method == "POST" and "remove_member" in request.form:
        formdata = _without_member(request.form, request.form.get("remove_member"))
    form = forms.HouseholdForm(formdata=formdata) if formdata is not None else forms.HouseholdForm()
    _default_state(form)
    if request.method == "GET":
        form.members[0].form.relationship.data = RelationshipToHead.HEAD.value
    _prepare_household_form(form)
    context: dict[str, Any] = {"form": form, "general_error": None, "duplicates": None}
    if request.method == "POST" and "add_member" in request.form and len(form.members) < form.members.max_entries:
        form.members.append_entry()
    if _re_rendering():
        return render_template("registry/household_form.html", **context)
    if form.validate_on_submit():
        try:
            household = services.register_household(db.session, current_user, forms.household_data(form),
                                                    form.duplicate_reason.data)
        except services.DuplicatesFound as exc:
            context["duplicates"] = _duplicates_for_display(exc.matches)
        except DomainError as exc:
            context["general_error"] = attach_error(form, exc)
        else:
            for warning in _member_curp_warnings(form):
                flash(warning, "warning")
            flash("Hogar registrado.", "success")
            return redirect(url_for("registry.household", household_id=household.id))
    context["curp_warnings"] = _member_curp_warnings(form) if request.method == "POST" else []
    return render_template("registry/household_form.html", **context), _status()


def _member_curp_warnings(form: forms.HouseholdForm) -> list[str]:
    warnings = []
    for i, entry in enumerate(form.members):
        for warning in _curp_warnings(entry.form):
            warnings.append(f"Integrante {i + 1}: {warning}")
    return warnings


def _curp_warnings(form: Any) -> list[str]:
    """CURP that disagrees with the date of birth or sex typed: a warning, not an error."""
    if not form.curp.data or form.curp.errors:
        return []
    try:
        info = validate_curp(form.curp.data)
    except CurpInvalida:
        return []
    return curp_mismatches(info, form.birth_date.data, form.registered_sex.data)


def _household_view(household: Household) -> dict[str, Any]:
    members = []
    for membership in household.memberships:
        person = membership.person
        members.append({"person_id": person.id, "name": person.full_name(),
                        "relationship": membership.relationship_to_head.label,
                        "relationship_value": membership.relationship_to_head.value, "present": membership.present,
                        "joined_on": membership.joined_on, "left_on": membership.left_on,
                        "left_reason": services.LEAVE_REASONS.get(membership.left_reason or "", "")})
    return {
        "id": household.id, "state": _state_name(household.state_code),
        "municipality": _municipality_name(household.municipality_code), "notes": household.notes,
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
        flash("Este hogar se fusionó con otro; se muestra el registro que se conservó.", "info")
        return redirect(url_for("registry.household", household_id=record.merged_into_id))
    view = _household_view(record)
    _audit_view("household", record, ["notes", "members.name"])
    leave_form = forms.LeaveForm()
    member_form = forms.NewMemberForm()
    return render_template("registry/household.html", household=view, leave_form=leave_form,
                           relationships=list(RelationshipToHead),
                           cases=_subject_cases(CaseSubject.HOUSEHOLD, record.id),
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
        _audit_view("household", record, ["notes"])
    _prepare_household_form(form)
    general_error = None
    if not _re_rendering() and form.validate_on_submit():
        try:
            services.update_household(db.session, current_user, record, forms.household_data(form),
                                      parse_version(form.version.data))
        except DomainError as exc:
            general_error = attach_error(form, exc)
        else:
            flash("Hogar actualizado.", "success")
            return redirect(url_for("registry.household", household_id=record.id))
    status = 200 if _re_rendering() else _status()
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
        try:
            services.add_member(db.session, current_user, record, member, form.duplicate_reason.data)
        except services.DuplicatesFound as exc:
            context["duplicates"] = _duplicates_for_display(exc.matches)
        except DomainError as exc:
            context["general_error"] = attach_error(form, exc)
        else:
            for warning in _curp_warnings(form):
                flash(warning, "warning")
            flash("Integrante agregado.", "success")
            return redirect(url_for("registry.household", household_id=record.id))
    return render_template("registry/member_form.html", **context), 400


@bp.route("/hogares/<household_id>/salida", methods=["POST"])
@require_permission(P.EDIT_RECORDS)
def end_membership(household_id: str) -> Any:
    record = scope.get_household_for(db.session, current_user, household_id)
    form = forms.LeaveForm()
    if form.validate_on_submit():
        try:
            services.end_membership(db.session, current_user, record, form.person_id.data, form.reason.data or "",
                                    form.left_on.data)
        except DomainError as exc:
            flash(str(exc), "error")
        else:
            flash("Salida registrada; queda en el historial del hogar.", "success")
            return redirect(url_for("registry.household", household_id=record.id))
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("registry.household", household_id=record.id))


@bp.route("/hogares/<household_id>/integrante", methods=["POST"])
@require_permission(P.EDIT_RECORDS)
def update_membership(household_id: str) -> Any:
    record = scope.get_household_for(db.session, current_user, household_id)
    form = forms.MembershipForm()
    if form.validate_on_submit():
        try:
            services.update_membership(db.session, current_user, record, form.person_id.data,
                                       RelationshipToHead(form.relationship.data), bool(form.present.data))
        except DomainError as exc:
            flash(str(exc), "error")
        else:
            flash("Integrante actualizado.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("registry.household", household_id=record.id))


@bp.route("/personas/<person_id>/hogar", methods=["POST"])
@require_permission(P.EDIT_RECORDS)
def move_person(person_id: str) -> Any:
    record = scope.get_person_for(db.session, current_user, person_id)
    form = forms.MoveForm()
    _prepare_move_form(form, record)
    if form.validate_on_submit():
        target = scope.get_household_for(db.session, current_user, form.household_id.data)
        try:
            services.move_to_household(db.session, current_user, record, target,
                                       RelationshipToHead(form.relationship.data))
        except DomainError as exc:
            flash(str(exc), "error")
        else:
            flash("La persona se incorporó al hogar; su estancia anterior queda en el historial.", "success")
            return redirect(url_for("registry.household", household_id=target.id))
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("registry.person", person_id=record.id))


def _prepare_move_form(form: forms.MoveForm, person: Any) -> None:
    """Households by their head's name and place, never the person's own: a list view of names, audited."""
    current = person.current_membership
    households = [h for h in services.visible_households(db.session, current_user)
                  if current is None or h.id != current.household_id]
    forms.set_record_choices(form.household_id, households,
                             lambda h: f"{household_name(h)} · {place(h.state_code, h.municipality_code)}",
                             blank="Elija un hogar")
    _audit_list("household", households, ["head.name"])


@bp.route("/hogares")
@require_permission(P.VIEW_CASES)
def households() -> Any:
    filter_form, filters = _filter_form()
    page = services.list_households(db.session, current_user, filters, _page_number(), _size())
    open_cases = lists.open_cases_of_households(db.session, current_user, [h.id for h in page.items])
    rows = []
    for item in page.items:
        head = next((m.person for m in item.current_memberships
                     if m.relationship_to_head == RelationshipToHead.HEAD), None)
        rows.append({"id": item.id, "head": head.full_name() if head else "—", "size": item.size,
                     "state": _state_name(item.state_code), "municipality": _municipality_name(item.municipality_code),
                     "created_at": item.created_at, "case": open_cases.get(item.id),
                     "days": days_in_stage(open_cases[item.id]) if item.id in open_cases else None})
    _audit_list("household", page.items, ["head.name"])
    return render_template("registry/households.html", rows=rows, page=page, filter_form=filter_form,
                           page_args=_page_args())


# --- persons ---------------------------------------------------------------------------------

def _prepare_person_form(form: forms.PersonForm) -> None:
    forms.set_municipality_choices(form.municipality_code, _catalog(), form.state_code.data, "Elija un municipio")


@bp.route("/personas/nueva", methods=["GET", "POST"])
@require_permission(P.REGISTER)
def new_person() -> Any:
    form = forms.PersonForm()
    _default_state(form)
    _prepare_person_form(form)
    context: dict[str, Any] = {"form": form, "person_id": None, "general_error": None, "duplicates": None,
                               "curp_warnings": []}
    if _re_rendering():
        return render_template("registry/person_form.html", **context)
    if form.validate_on_submit():
        try:
            person = services.register_person(db.session, current_user, forms.person_data(form),
                                              form.state_code.data or "", form.duplicate_reason.data)
        except services.DuplicatesFound as exc:
            context["duplicates"] = _duplicates_for_display(exc.matches)
        except DomainError as exc:
            context["general_error"] = attach_error(form, exc)
        else:
            for warning in _curp_warnings(form):
                flash(warning, "warning")
            flash("Persona registrada.", "success")
            return redirect(url_for("registry.person", person_id=person.id))
    context["curp_warnings"] = _curp_warnings(form) if request.method == "POST" else []
    return render_template("registry/person_form.html", **context), _status()


def _person_view(person: Person) -> dict[str, Any]:
    """The person's page content: decrypts exactly PERSON_VIEW_FIELDS."""
    disability = {DisabilityDomain(k).label: DisabilityLevel(v).label for k, v in (person.disability or {}).items()}
    return {
        "id": person.id, "name": person.full_name(), "aliases": person.aliases, "curp": person.curp,
        "birth_date": person.birth_date, "birth_date_estimated": person.birth_date_estimated,
        "estimated_age": person.estimated_age, "sex": person.registered_sex.label,
        "gender_identity": person.gender_identity, "birth_state": _state_name(person.birth_state_code),
        "nationality": person.nationality, "indigenous": person.indigenous,
        "languages": [language_name(c) for c in person.indigenous_languages or []],
        "speaks_spanish": person.speaks_spanish, "afro_mexican": person.afro_mexican, "disability": disability,
        "phone": person.phone, "address": person.address, "safe_contact_channel": person.safe_contact_channel,
        "may_contact": person.may_contact, "state": _state_name(person.state_code),
        "municipality": _municipality_name(person.municipality_code),
        "documents_held": [DocumentType(d).label for d in person.documents_held or []],
        "documents_lost": [DocumentType(d).label for d in person.documents_lost or []],
        "protection_risks": [ProtectionRisk(r).label for r in person.protection_risks or []],
        "specific_needs": [SpecificNeed(n).label for n in person.specific_needs or []],
        "households": [{"household_id": m.household_id, "relationship": m.relationship_to_head.label,
                        "joined_on": m.joined_on, "left_on": m.left_on} for m in person.memberships],
        "consents": [{"id": c.id, "scope": c.scope.label, "institution": c.institution.name if c.institution else None,
                      "method": c.method.label, "taken_on": c.taken_on, "withdrawn_on": c.withdrawn_on}
                     for c in person.consents],
        "created_at": person.created_at,
    }


@bp.route("/personas/<person_id>")
@require_permission(P.VIEW_CASES)
def person(person_id: str) -> Any:
    record = scope.get_person_for(db.session, current_user, person_id)
    if record.merged_into_id is not None:  # a tombstone: its record lives on in the survivor
        flash("Este registro se fusionó con otro; se muestra el registro que se conservó.", "info")
        return redirect(url_for("registry.person", person_id=record.merged_into_id))
    view = _person_view(record)
    _audit_view("person", record, PERSON_VIEW_FIELDS)
    consent_form = forms.ConsentForm()
    _prepare_consent_form(consent_form, record.state_code)
    move_form = forms.MoveForm()
    _prepare_move_form(move_form, record)
    current = record.current_membership
    return render_template("registry/person.html", person=view, consent_form=consent_form, move_form=move_form,
                           cases=_subject_cases(CaseSubject.INDIVIDUAL, record.id),
                           household_case=household_open_case(db.session, current_user,
                                                              current.household_id if current else None),
                           withdraw_form=forms.WithdrawConsentForm(),
                           history=_history("person", record.id, services.PERSON_FIELD_LABELS),
                           merges=merges_of(db.session, "person", record.id))


def _subject_cases(subject_type: CaseSubject, subject_id: Any) -> list[Any]:
    return cases_of_subject(db.session, current_user, subject_type, subject_id)


def _history(record_type: str, record_id: Any, labels: dict[str, str]) -> list[dict[str, Any]]:
    return [{"version": c.version, "fields": [labels.get(f, f) for f in c.fields], "username": c.username,
             "changed_at": c.changed_at} for c in services.changes_since(db.session, record_type, record_id, 0)]


@bp.route("/personas/<person_id>/editar", methods=["GET", "POST"])
@require_permission(P.EDIT_RECORDS)
def edit_person(person_id: str) -> Any:
    record = scope.get_person_for(db.session, current_user, person_id)
    form = forms.PersonForm()
    if request.method == "GET":
        forms.fill_person_form(form, record)
        _audit_view("person", record, PERSON_VIEW_FIELDS)
    # the territory follows the household; the form shows it but the edit keeps the record's
    form.state_code.data = record.state_code
    _prepare_person_form(form)
    general_error, duplicates = None, None
    if not _re_rendering() and form.validate_on_submit():
        try:
            services.update_person(db.session, current_user, record, forms.person_data(form),
                                   parse_version(form.version.data), form.duplicate_reason.data)
        except services.DuplicatesFound as exc:
            duplicates = _duplicates_for_display(exc.matches)
        except DomainError as exc:
            general_error = attach_error(form, exc)
        else:
            for warning in _curp_warnings(form):
                flash(warning, "warning")
            flash("Datos de la persona actualizados.", "success")
            return redirect(url_for("registry.person", person_id=record.id))
    status = 200 if _re_rendering() else _status()
    return render_template("registry/person_form.html", form=form, person_id=record.id, general_error=general_error,
                           duplicates=duplicates, curp_warnings=_curp_warnings(form)), status


@bp.route("/personas")
@require_permission(P.VIEW_CASES)
def persons() -> Any:
    filter_form, filters = _filter_form()
    page = services.list_persons(db.session, current_user, filters, _page_number(), _size())
    rows = [_person_row(p) for p in page.items]
    _audit_list("person", page.items, PERSON_ROW_FIELDS)
    return render_template("registry/persons.html", rows=rows, page=page, filter_form=filter_form,
                           page_args=_page_args())


# --- consent ---------------------------------------------------------------------------------

def _prepare_consent_form(form: forms.ConsentForm, state_code: str) -> None:
    forms.set_record_choices(form.institution_id, institutions.active_institutions(db.session, state_code),
                             lambda i: i.name, blank="Ninguna")
    if not form.taken_on.data and request.method == "GET":

        form.taken_on.data = local_today()
    if request.method == "GET":
        form.scope.data = form.scope.data or ConsentScope.REGISTRATION.value
        form.method.data = form.method.data or ConsentMethod.SIGNED.value


@bp.route("/personas/<person_id>/consentimientos", methods=["GET", "POST"])
@require_permission(P.REGISTER)
def add_consent(person_id: str) -> Any:
    record = scope.get_person_for(db.session, current_user, person_id)
    form = forms.ConsentForm()
    _prepare_consent_form(form, record.state_code)
    general_error = None
    if request.method == "GET":  # the address a refused form comes back at also opens the empty form
        return render_template("registry/consent_form.html", form=form, person_id=record.id, general_error=None)
    if form.validate_on_submit():
        try:
            services.record_consent(db.session, current_user, record, forms.consent_data(form))
        except DomainError as exc:
            general_error = attach_error(form, exc)
        else:
            flash("Consentimiento registrado.", "success")
            return redirect(url_for("registry.person", person_id=record.id))
    return render_template("registry/consent_form.html", form=form, person_id=record.id,
                           general_error=general_error), 400


@bp.route("/personas/<person_id>/consentimientos/retiro", methods=["POST"])
@require_permission(P.EDIT_RECORDS)
def withdraw_consent(person_id: str) -> Any:
    record = scope.get_person_for(db.session, current_user, person_id)
    form = forms.WithdrawConsentForm()
    if form.validate_on_submit():
        try:
            services.withdraw_consent(db.session, current_user, record, form.consent_id.data, form.withdrawn_on.data)
        except DomainError as exc:
            flash(str(exc), "error")
        else:
            flash("Retiro del consentimiento registrado.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("registry.person", person_id=record.id))


# --- events ----------------------------------------------------------------------------------

def _prepare_event_form(form: forms.EventForm) -> None:
    forms.set_municipality_choices(form.origin_municipality_code, _catalog(), form.origin_state_code.data,
                                   "Elija un municipio")
    forms.set_municipality_choices(form.destination_municipality_code, _catalog(), form.destination_state_code.data,
                                   "Sin dato")


def _save_record(form: Any, record: Any, read: Callable[[Any], Any], register: Callable[..., Any],
                 update: Callable[..., Any], messages: tuple[str, str]) -> tuple[Any, str | None]:
    """Register a new record or update `record` from a submitted form: (saved record or None, error)."""
    if _re_rendering() or not form.validate_on_submit():
        return None, None
    is_new = record is None
    try:
        if is_new:
            record = register(db.session, current_user, read(form))
        else:
            update(db.session, current_user, record, read(form), parse_version(form.version.data))
    except DomainError as exc:
        return None, attach_error(form, exc)
    flash(messages[0] if is_new else messages[1], "success")
    return record, None


def _event_form_page(form: forms.EventForm, record: DisplacementEvent | None) -> Any:
    _prepare_event_form(form)
    saved, general_error = _save_record(form, record, forms.event_data, services.register_event,
                                        services.update_event, ("Evento registrado.", "Evento actualizado."))
    if saved is not None:
        return redirect(url_for("registry.event", event_id=saved.id))
    status = 200 if _re_rendering() else _status()
    return render_template("registry/event_form.html", form=form, event_id=record.id if record else None,
                           general_error=general_error, mass_hint=_mass_hint(form)), status


def _mass_hint(form: forms.EventForm) -> str | None:
    """A reminder when the figures and the chosen type disagree (the caseworker decides)."""
    if form.event_type.data not in ("mass", "individual_or_family") or form.errors:
        return None
    households, persons = form.estimated_households.data, form.estimated_persons.data
    mass = services.is_mass_event(households, persons)
    if mass and form.event_type.data != "mass":
        return "Las cifras estimadas alcanzan el umbral de un desplazamiento masivo."
    return None


@bp.route("/eventos/nuevo", methods=["GET", "POST"])
@require_permission(P.REGISTER)
def new_event() -> Any:
    form = forms.EventForm()
    _default_state(form)
    if request.method == "GET" and form.state_code.data:
        form.origin_state_code.data = form.state_code.data
    return _event_form_page(form, None)


@bp.route("/eventos/<event_id>/editar", methods=["GET", "POST"])
@require_permission(P.EDIT_RECORDS)
def edit_event(event_id: str) -> Any:
    record = scope.get_event_for(db.session, current_user, event_id)
    form = forms.EventForm()
    if request.method == "GET":
        forms.fill_event_form(form, record)
        _audit_view("event", record, ["narrative"])
    return _event_form_page(form, record)


def _event_row(event: DisplacementEvent) -> dict[str, Any]:
    return {"id": event.id, "type": event.event_type.label, "started_on": event.started_on,
            "ended_on": event.ended_on, "origin": f"{_municipality_name(event.origin_municipality_code)}, "
                                                  f"{_state_name(event.origin_state_code)}",
            "causes": [c.label for c in event.causes], "households": event.estimated_households,
            "persons": event.estimated_persons, "state": _state_name(event.state_code)}


@bp.route("/eventos/<event_id>")
@require_permission(P.VIEW_CASES)
def event(event_id: str) -> Any:
    record = scope.get_event_for(db.session, current_user, event_id)
    view = {**_event_row(record), "narrative": record.narrative, "locality": record.origin_locality,
            "cause_other": record.cause_other,
            "destination": (f"{_municipality_name(record.destination_municipality_code)}, "
                            f"{_state_name(record.destination_state_code)}") if record.destination_state_code else None,
            "communities": [{"id": c.id, "name": c.name} for c in record.communities]}
    _audit_view("event", record, ["narrative"])
    return render_template("registry/event.html", event=view,
                           history=_history("event", record.id, services.EVENT_LABELS))


@bp.route("/eventos")
@require_permission(P.VIEW_CASES)
def events() -> Any:
    filter_form, filters = _filter_form()
    page = services.list_events(db.session, current_user, filters, _page_number(), _size())
    return render_template("registry/events.html", rows=[_event_row(e) for e in page.items], page=page,
                           filter_form=filter_form, page_args=_page_args())


# --- communities -----------------------------------------------------------------------------

def _community_form_page(form: forms.CommunityForm, record: Community | None) -> Any:
    forms.set_municipality_choices(form.municipality_code, _catalog(), form.state_code.data, "Elija un municipio")
    forms.set_record_choices(form.event_ids, services.visible_events(db.session, current_user), event_label)
    saved, general_error = _save_record(form, record, forms.community_data, services.register_community,
                                        services.update_community,
                                        ("Comunidad registrada.", "Comunidad actualizada."))
    if saved is not None:
        return redirect(url_for("registry.community", community_id=saved.id))
    status = 200 if _re_rendering() else _status()
    return render_template("registry/community_form.html", form=form,
                           community_id=record.id if record else None, general_error=general_error), status


@bp.route("/comunidades/nueva", methods=["GET", "POST"])
@require_permission(P.REGISTER)
def new_community() -> Any:
    form = forms.CommunityForm()
    _default_state(form)
    return _community_form_page(form, None)


@bp.route("/comunidades/<community_id>/editar", methods=["GET", "POST"])
@require_permission(P.EDIT_RECORDS)
def edit_community(community_id: str) -> Any:
    record = scope.get_community_for(db.session, current_user, community_id)
    form = forms.CommunityForm()
    if request.method == "GET":
        forms.fill_community_form(form, record)
        _audit_view("community", record, ["notes"])
    return _community_form_page(form, record)


@bp.route("/comunidades/<community_id>")
@require_permission(P.VIEW_CASES)
def community(community_id: str) -> Any:
    record = scope.get_community_for(db.session, current_user, community_id)
    view = {"id": record.id, "name": record.name, "kind": services.COMMUNITY_KINDS.get(record.kind, record.kind),
            "state": _state_name(record.state_code), "municipality": _municipality_name(record.municipality_code),
            "locality": record.locality, "at_risk": record.at_risk, "indigenous": record.indigenous,
            "households": record.estimated_households, "persons": record.estimated_persons, "notes": record.notes,
            "events": [{"id": e.id, "label": event_label(e)} for e in record.events],
            "registered_households": len(record.households)}
    _audit_view("community", record, ["notes"])
    return render_template("registry/community.html", community=view,
                           history=_history("community", record.id, services.COMMUNITY_LABELS))


@bp.route("/comunidades")
@require_permission(P.VIEW_CASES)
def communities() -> Any:
    filter_form, filters = _filter_form()
    page = services.list_communities(db.session, current_user, filters, _page_number(), _size())
    rows = [{"id": c.id, "name": c.name, "kind": services.COMMUNITY_KINDS.get(c.kind, c.kind),
             "state": _state_name(c.state_code), "municipality": _municipality_name(c.municipality_code),
             "at_risk": c.at_risk} for c in page.items]
    return render_template("registry/communities.html", rows=rows, page=page, filter_form=filter_form,
                           page_args=_page_args())


# --- search ----------------------------------------------------------------------------------

@bp.route("/busqueda")
@require_permission(P.VIEW_CASES)
def search() -> Any:
    # The exact search was replaced by the one search box (/busqueda); old bookmarks land there.
    return redirect(url_for("search.index"))
