"""Registry pages: persons and their consents (households in household_views, events and communities in event_views)."""
from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dfi_casos import scope
from dfi_casos.cases.lists import household_open_case
from dfi_casos.catalogs.enums import (
    CaseSubject,
    ConsentMethod,
    ConsentScope,
    DisabilityDomain,
    DisabilityLevel,
    DocumentType,
    ProtectionRisk,
    SpecificNeed,
)
from dfi_casos.catalogs.languages import language_name
from dfi_casos.database import local_today
from dfi_casos.errors import DomainError
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, parse_version
from dfi_casos.institutions import services as institutions

# event_views and household_views are imported for their routes: they join `bp` when they load.
from dfi_casos.registry import event_views, forms, household_views, services  # noqa: F401
from dfi_casos.registry.merge import merges_of
from dfi_casos.registry.models import Person
from dfi_casos.registry.view_support import (
    PERSON_ROW_FIELDS,
    PERSON_VIEW_FIELDS,
    P,
    audit_list,
    audit_view,
    bp,
    catalog,
    curp_warnings,
    default_state,
    form_status,
    history,
    municipality_name,
    page_args,
    page_size,
    person_row,
    post_and_flash,
    re_rendering,
    read_list_filters,
    requested_page,
    save_person_form,
    state_name,
    subject_cases,
)
from dfi_casos.rights import services as rights
from dfi_casos.security.access import require_permission


@bp.route("/")
@require_permission(P.VIEW_CASES)
def index() -> Any:
    return redirect(url_for("registry.households"))


@bp.route("/municipios")
@require_permission(P.VIEW_CASES)
def municipalities_json() -> Any:
    """The municipalities of a state for the progressive-enhancement script (public catalog data)."""
    return jsonify([{"code": code, "name": name} for code, name in catalog().choices(request.args.get("estado", ""))])


# --- persons ---------------------------------------------------------------------------------

def _prepare_person_form(form: forms.PersonForm) -> None:
    forms.set_municipality_choices(form.municipality_code, catalog(), form.state_code.data, _("Elija un municipio"))


@bp.route("/personas/nueva", methods=["GET", "POST"])
@require_permission(P.REGISTER)
def new_person() -> Any:
    form = forms.PersonForm()
    default_state(form)
    _prepare_person_form(form)
    context: dict[str, Any] = {"form": form, "person_id": None, "general_error": None, "duplicates": None,
                               "curp_warnings": []}
    if re_rendering():
        return render_template("registry/person_form.html", **context)
    if form.validate_on_submit():
        person = save_person_form(form, context, lambda: services.register_person(
            db.session, current_user, forms.person_data(form), form.state_code.data or "", form.duplicate_reason.data),
            lambda: curp_warnings(form), _("Persona registrada."))
        if person is not None:
            return redirect(url_for("registry.person", person_id=person.id))
    context["curp_warnings"] = curp_warnings(form) if request.method == "POST" else []
    return render_template("registry/person_form.html", **context), form_status()


def _person_view(person: Person) -> dict[str, Any]:
    """The person's page content: decrypts exactly PERSON_VIEW_FIELDS."""
    disability = {DisabilityDomain(k).label: DisabilityLevel(v).label for k, v in (person.disability or {}).items()}
    names = institutions.institution_names(db.session, [c.institution_id for c in person.consents])
    return {
        "id": person.id, "name": person.full_name(), "aliases": person.aliases, "curp": person.curp,
        "birth_date": person.birth_date, "birth_date_estimated": person.birth_date_estimated,
        "estimated_age": person.estimated_age, "sex": person.registered_sex.label,
        "gender_identity": person.gender_identity, "birth_state": state_name(person.birth_state_code),
        "nationality": person.nationality, "indigenous": person.indigenous,
        "languages": [language_name(c) for c in person.indigenous_languages or []],
        "speaks_spanish": person.speaks_spanish, "afro_mexican": person.afro_mexican, "disability": disability,
        "phone": person.phone, "address": person.address, "safe_contact_channel": person.safe_contact_channel,
        "may_contact": person.may_contact, "state": state_name(person.state_code),
        "municipality": municipality_name(person.municipality_code),
        "documents_held": [DocumentType(d).label for d in person.documents_held or []],
        "documents_lost": [DocumentType(d).label for d in person.documents_lost or []],
        "protection_risks": [ProtectionRisk(r).label for r in person.protection_risks or []],
        "specific_needs": [SpecificNeed(n).label for n in person.specific_needs or []],
        "households": [{"household_id": m.household_id, "relationship": m.relationship_to_head.label,
                        "joined_on": m.joined_on, "left_on": m.left_on} for m in person.memberships],
        "consents": [{"id": c.id, "scope": c.scope.label, "institution": names.get(c.institution_id or 0),
                      "method": c.method.label, "taken_on": c.taken_on, "withdrawn_on": c.withdrawn_on}
                     for c in person.consents],
        "created_at": person.created_at,
    }


@bp.route("/personas/<person_id>")
@require_permission(P.VIEW_CASES)
def person(person_id: str) -> Any:
    record = scope.get_person_for(db.session, current_user, person_id)
    if record.merged_into_id is not None:  # a tombstone: its record lives on in the survivor
        flash(_("Este registro se fusionó con otro; se muestra el registro que se conservó."), "info")
        return redirect(url_for("registry.person", person_id=record.merged_into_id))
    view = _person_view(record)
    audit_view("person", record, PERSON_VIEW_FIELDS)
    current = record.current_membership
    # The consent and move forms have their own pages: this one builds no option lists.
    return render_template("registry/person.html", person=view,
                           cases=subject_cases(CaseSubject.INDIVIDUAL, record.id),
                           household_case=household_open_case(db.session, current_user,
                                                              current.household_id if current else None),
                           withdraw_form=forms.WithdrawConsentForm(),
                           history=history("person", record.id, services.PERSON_FIELD_LABELS),
                           merges=merges_of(db.session, "person", record.id))


@bp.route("/personas/<person_id>/editar", methods=["GET", "POST"])
@require_permission(P.EDIT_RECORDS)
def edit_person(person_id: str) -> Any:
    record = scope.get_person_for(db.session, current_user, person_id)
    form = forms.PersonForm()
    if request.method == "GET":
        forms.fill_person_form(form, record)
        form.arco.data = request.args.get("arco", "")[:64]
        audit_view("person", record, PERSON_VIEW_FIELDS)
    # the territory follows the household; the form shows it but the edit keeps the record's
    form.state_code.data = record.state_code
    _prepare_person_form(form)
    context: dict[str, Any] = {"form": form, "person_id": record.id, "general_error": None, "duplicates": None}
    if not re_rendering() and form.validate_on_submit():
        saved = save_person_form(form, context, lambda: services.update_person(
            db.session, current_user, record, forms.person_data(form), parse_version(form.version.data),
            form.duplicate_reason.data, rights.rectification_for(db.session, record, form.arco.data)),
            lambda: curp_warnings(form), _("Datos de la persona actualizados."))
        if saved is not None:
            return redirect(url_for("registry.person", person_id=record.id))
    status = 200 if re_rendering() else form_status()
    return render_template("registry/person_form.html", curp_warnings=curp_warnings(form), **context), status


@bp.route("/personas")
@require_permission(P.VIEW_CASES)
def persons() -> Any:
    filter_form, filters = read_list_filters()
    page = services.list_persons(db.session, current_user, filters, requested_page(), page_size())
    rows = [person_row(p) for p in page.items]
    audit_list("person", page.items, PERSON_ROW_FIELDS)
    return render_template("registry/persons.html", rows=rows, page=page, filter_form=filter_form,
                           page_args=page_args())


# --- consent ---------------------------------------------------------------------------------

def _prepare_consent_form(form: forms.ConsentForm, state_code: str) -> None:
    forms.set_record_choices(form.institution_id, institutions.active_institutions(db.session, state_code),
                             lambda i: i.name, blank=_("Ninguna"))
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
            flash(_("Consentimiento registrado."), "success")
            return redirect(url_for("registry.person", person_id=record.id))
    return render_template("registry/consent_form.html", form=form, person_id=record.id,
                           general_error=general_error), 400


@bp.route("/personas/<person_id>/consentimientos/retiro", methods=["POST"])
@require_permission(P.EDIT_RECORDS)
def withdraw_consent(person_id: str) -> Any:
    record = scope.get_person_for(db.session, current_user, person_id)
    form = forms.WithdrawConsentForm()
    post_and_flash(form, lambda: services.withdraw_consent(db.session, current_user, record, form.consent_id.data,
                                                           form.withdrawn_on.data),
                   _("Retiro del consentimiento registrado."))
    return redirect(url_for("registry.person", person_id=record.id))


# --- search ----------------------------------------------------------------------------------

@bp.route("/busqueda")
@require_permission(P.VIEW_CASES)
def search() -> Any:
    # The exact search was replaced by the one search box (/busqueda); old bookmarks land there.
    return redirect(url_for("search.index"))
