"""Registry pages of displacement events and communities: registration, view, edit, lists."""
from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dfi_casos import scope
from dfi_casos.cases.community import representatives
from dfi_casos.catalogs.enums import CaseSubject
from dfi_casos.extensions import db
from dfi_casos.labels import event_label
from dfi_casos.registry import forms, services
from dfi_casos.registry.models import Community, DisplacementEvent
from dfi_casos.registry.view_support import (
    P,
    audit_view,
    bp,
    catalog,
    default_state,
    form_status,
    history,
    municipality_name,
    page_args,
    page_size,
    re_rendering,
    read_list_filters,
    requested_page,
    save_record,
    state_name,
    subject_cases,
)
from dfi_casos.security.access import require_permission

# --- events ----------------------------------------------------------------------------------

def _prepare_event_form(form: forms.EventForm) -> None:
    forms.set_municipality_choices(form.origin_municipality_code, catalog(), form.origin_state_code.data,
                                   _("Elija un municipio"))
    forms.set_municipality_choices(form.destination_municipality_code, catalog(), form.destination_state_code.data,
                                   _("Sin dato"))



def _event_form_page(form: forms.EventForm, record: DisplacementEvent | None) -> Any:
    _prepare_event_form(form)
    saved, general_error = save_record(form, record, forms.event_data, services.register_event,
                                        services.update_event, (_("Evento registrado."), _("Evento actualizado.")))
    if saved is not None:
        return redirect(url_for("registry.event", event_id=saved.id))
    status = 200 if re_rendering() else form_status()
    return render_template("registry/event_form.html", form=form, event_id=record.id if record else None,
                           general_error=general_error, mass_hint=_mass_hint(form)), status


def _mass_hint(form: forms.EventForm) -> str | None:
    """A reminder when the figures and the chosen type disagree (the caseworker decides)."""
    if form.event_type.data not in ("mass", "individual_or_family") or form.errors:
        return None
    households, persons = form.estimated_households.data, form.estimated_persons.data
    mass = services.is_mass_event(households, persons)
    if mass and form.event_type.data != "mass":
        return _("Las cifras estimadas alcanzan el umbral de un desplazamiento masivo.")
    return None


@bp.route("/eventos/nuevo", methods=["GET", "POST"])
@require_permission(P.REGISTER)
def new_event() -> Any:
    form = forms.EventForm()
    default_state(form)
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
        audit_view("event", record, ["narrative"])
    return _event_form_page(form, record)


def _event_row(event: DisplacementEvent) -> dict[str, Any]:
    return {"id": event.id, "type": event.event_type.label, "started_on": event.started_on,
            "ended_on": event.ended_on, "origin": f"{municipality_name(event.origin_municipality_code)}, "
                                                  f"{state_name(event.origin_state_code)}",
            "causes": [c.label for c in event.causes], "households": event.estimated_households,
            "persons": event.estimated_persons, "state": state_name(event.state_code)}


@bp.route("/eventos/<event_id>")
@require_permission(P.VIEW_CASES)
def event(event_id: str) -> Any:
    record = scope.get_event_for(db.session, current_user, event_id)
    view = {**_event_row(record), "narrative": record.narrative, "locality": record.origin_locality,
            "cause_other": record.cause_other,
            "destination": (f"{municipality_name(record.destination_municipality_code)}, "
                            f"{state_name(record.destination_state_code)}") if record.destination_state_code else None,
            "communities": [{"id": c.id, "name": c.name} for c in record.communities]}
    audit_view("event", record, ["narrative"])
    return render_template("registry/event.html", event=view,
                           history=history("event", record.id, services.EVENT_LABELS))


@bp.route("/eventos")
@require_permission(P.VIEW_CASES)
def events() -> Any:
    filter_form, filters = read_list_filters()
    page = services.list_events(db.session, current_user, filters, requested_page(), page_size())
    return render_template("registry/events.html", rows=[_event_row(e) for e in page.items], page=page,
                           filter_form=filter_form, page_args=page_args())


# --- communities -----------------------------------------------------------------------------

def _community_form_page(form: forms.CommunityForm, record: Community | None) -> Any:
    forms.set_municipality_choices(form.municipality_code, catalog(), form.state_code.data, _("Elija un municipio"))
    forms.set_record_choices(form.event_ids, services.visible_events(db.session, current_user), event_label)
    saved, general_error = save_record(form, record, forms.community_data, services.register_community,
                                        services.update_community,
                                        (_("Comunidad registrada."), _("Comunidad actualizada.")))
    if saved is not None:
        return redirect(url_for("registry.community", community_id=saved.id))
    status = 200 if re_rendering() else form_status()
    return render_template("registry/community_form.html", form=form,
                           community_id=record.id if record else None, general_error=general_error), status


@bp.route("/comunidades/nueva", methods=["GET", "POST"])
@require_permission(P.REGISTER)
def new_community() -> Any:
    form = forms.CommunityForm()
    default_state(form)
    return _community_form_page(form, None)


@bp.route("/comunidades/<community_id>/editar", methods=["GET", "POST"])
@require_permission(P.EDIT_RECORDS)
def edit_community(community_id: str) -> Any:
    record = scope.get_community_for(db.session, current_user, community_id)
    form = forms.CommunityForm()
    if request.method == "GET":
        forms.fill_community_form(form, record)
        audit_view("community", record, ["notes"])
    return _community_form_page(form, record)


@bp.route("/comunidades/<community_id>")
@require_permission(P.VIEW_CASES)
def community(community_id: str) -> Any:
    record = scope.get_community_for(db.session, current_user, community_id)
    view = {"id": record.id, "name": record.name, "kind": services.COMMUNITY_KINDS.get(record.kind, record.kind),
            "state": state_name(record.state_code), "municipality": municipality_name(record.municipality_code),
            "locality": record.locality, "at_risk": record.at_risk, "indigenous": record.indigenous,
            "households": record.estimated_households, "persons": record.estimated_persons, "notes": record.notes,
            "events": [{"id": e.id, "label": event_label(e)} for e in record.events],
            "registered_households": len(record.households)}
    listed = representatives(db.session, record.id)
    audit_view("community", record, ["notes", "representatives.name"] if listed else ["notes"])
    return render_template("registry/community.html", community=view, representatives=listed,
                           cases=subject_cases(CaseSubject.COMMUNITY, record.id),
                           history=history("community", record.id, services.COMMUNITY_LABELS))


@bp.route("/comunidades")
@require_permission(P.VIEW_CASES)
def communities() -> Any:
    filter_form, filters = read_list_filters()
    page = services.list_communities(db.session, current_user, filters, requested_page(), page_size())
    rows = [{"id": c.id, "name": c.name, "kind": services.COMMUNITY_KINDS.get(c.kind, c.kind),
             "state": state_name(c.state_code), "municipality": municipality_name(c.municipality_code),
             "at_risk": c.at_risk} for c in page.items]
    return render_template("registry/communities.html", rows=rows, page=page, filter_form=filter_form,
                           page_args=page_args())
