"""Displacement events and communities: registering, editing, and the ones a form may link to."""
from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from dfi_casos.catalogs.enums import (
    DisplacementCause,
)
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.database import local_today
from dfi_casos.registry.data import COMMUNITY_FIELDS, EVENT_FIELDS, CommunityData, EventData
from dfi_casos.registry.models import (
    Community,
    DisplacementEvent,
    Household,
    HouseholdMembership,
)
from dfi_casos.registry.rules import (
    RegistryError,
    apply_changes,
    check_municipality,
    check_territory,
    check_version,
    chosen_record,
    filled_fields,
    require,
    save_edit,
)
from dfi_casos.scope import scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal
from dfi_casos.security.audit import Action


def _check_event(actor: Principal, data: EventData) -> None:
    check_territory(actor, data.state_code)
    if state_by_code(data.origin_state_code) is None:
        raise RegistryError(_("Elija la entidad de origen."), "origin_state_code")
    check_municipality(data.origin_municipality_code, data.origin_state_code, "origin_municipality_code")
    check_municipality(data.destination_municipality_code, data.destination_state_code,
                        "destination_municipality_code")
    if data.started_on > local_today():
        raise RegistryError(_("La fecha no puede ser posterior a hoy."), "started_on")
    if data.ended_on is not None and (data.ended_on < data.started_on or data.ended_on > local_today()):
        raise RegistryError(_("El fin del periodo debe estar entre el inicio y hoy."), "ended_on")
    if not data.causes:
        raise RegistryError(_("Elija al menos una causa."), "causes")
    if DisplacementCause.OTHER in data.causes and not (data.cause_other or "").strip():
        raise RegistryError(_("Especifique la otra causa."), "cause_other")


def is_mass_event(households: int | None, persons: int | None) -> bool:
    """Whether the figures reach the configured threshold of a massive displacement."""
    config = current_app.config
    return ((households or 0) >= int(config["MASS_EVENT_MIN_HOUSEHOLDS"])
            or (persons or 0) >= int(config["MASS_EVENT_MIN_PERSONS"]))


def _event_values(data: EventData) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in EVENT_FIELDS if name != "causes"}
    values["narrative"] = (data.narrative or "").strip() or None
    return values


def register_event(session: Session, actor: Principal, data: EventData) -> DisplacementEvent:
    """Register a displacement event (massive or individual/family)."""
    require(actor, Permission.REGISTER)
    _check_event(actor, data)
    event = DisplacementEvent(id=uuid.uuid4(), registered_by_id=actor.id)
    values = _event_values(data)
    for name, value in values.items():
        setattr(event, name, value)
    event.causes = data.causes
    session.add(event)
    audit.record_change(session, actor, Action.CREATE, "event", event.id, fields=[*filled_fields(values), "causes"],
                        state_code=event.state_code)
    session.flush()
    return event


def update_event(session: Session, actor: Principal, event: DisplacementEvent, data: EventData,
                 expected_version: int) -> list[str]:
    """Save an edit of an event; EditConflict when someone saved it since the form was opened."""
    require(actor, Permission.EDIT_RECORDS)
    check_version(session, "event", event, expected_version, EVENT_LABELS)
    _check_event(actor, data)
    # No autoflush while reading the links: the one flush of this edit is save_edit's, where a
    # concurrent save becomes an EditConflict instead of an error.
    with session.no_autoflush:
        changed = apply_changes(event, _event_values(data))
        if sorted(event.causes) != sorted(data.causes):
            event.causes = data.causes
            changed.append("causes")
    if "causes" in changed and len(changed) == 1:
        # only the child table changed: bump the version explicitly so the lock sees the edit
        flag_modified(event, "state_code")
    return save_edit(session, actor, "event", event, changed, EVENT_LABELS)


EVENT_LABELS = {
    "event_type": _l("tipo"), "started_on": _l("fecha"), "ended_on": _l("fin del periodo"),
    "origin_state_code": _l("entidad de origen"),
    "origin_municipality_code": _l("municipio de origen"), "origin_locality": _l("localidad de origen"),
    "causes": _l("causas"),
    "cause_other": _l("otra causa"), "estimated_households": _l("familias estimadas"),
    "estimated_persons": _l("personas estimadas"), "narrative": _l("relato"),
    "destination_state_code": _l("entidad de destino"),
    "destination_municipality_code": _l("municipio de destino"), "state_code": _l("entidad de atención"),
}

COMMUNITY_KINDS = {
    "locality": _l("Localidad"),
    "ejido": _l("Ejido o comunidad agraria"),
    "indigenous_community": _l("Comunidad indígena"),
    "other": _l("Otro grupo"),
}

COMMUNITY_LABELS = {
    "name": _l("nombre"), "kind": _l("tipo"), "state_code": _l("entidad"), "municipality_code": _l("municipio"),
    "locality": _l("localidad"), "at_risk": _l("en riesgo"), "indigenous": _l("indígena"),
    "estimated_households": _l("familias estimadas"), "estimated_persons": _l("personas estimadas"),
    "notes": _l("notas"),
    "events": _l("eventos"),
}


def _check_community(actor: Principal, data: CommunityData) -> None:
    check_territory(actor, data.state_code)
    check_municipality(data.municipality_code, data.state_code, "municipality_code")
    if not data.name.strip():
        raise RegistryError(_("Escriba el nombre de la comunidad."), "name")
    if data.kind not in COMMUNITY_KINDS:
        raise RegistryError(_("Elija el tipo de comunidad."), "kind")


def _community_events(session: Session, actor: Principal, ids: list[uuid.UUID]) -> list[DisplacementEvent]:
    return [chosen_record(session, actor, DisplacementEvent, i, "event_ids") for i in dict.fromkeys(ids)]


def register_community(session: Session, actor: Principal, data: CommunityData) -> Community:
    """Register a community, linked to the events it lived through."""
    require(actor, Permission.REGISTER)
    _check_community(actor, data)
    community = Community(id=uuid.uuid4(), registered_by_id=actor.id)
    values = {name: getattr(data, name) for name in COMMUNITY_FIELDS}
    values["notes"] = (data.notes or "").strip() or None
    values["name"] = data.name.strip()
    for name, value in values.items():
        setattr(community, name, value)
    community.events = _community_events(session, actor, data.event_ids)
    session.add(community)
    audit.record_change(session, actor, Action.CREATE, "community", community.id, fields=filled_fields(values),
                        state_code=community.state_code, event_ids=[str(e.id) for e in community.events])
    session.flush()
    return community


def update_community(session: Session, actor: Principal, community: Community, data: CommunityData,
                     expected_version: int) -> list[str]:
    """Save an edit of a community; EditConflict when someone saved it since."""
    require(actor, Permission.EDIT_RECORDS)
    check_version(session, "community", community, expected_version, COMMUNITY_LABELS)
    _check_community(actor, data)
    values = {name: getattr(data, name) for name in COMMUNITY_FIELDS}
    values["notes"] = (data.notes or "").strip() or None
    values["name"] = data.name.strip()
    with session.no_autoflush:  # one flush, in save_edit (see update_event)
        changed = apply_changes(community, values)
        events = _community_events(session, actor, data.event_ids)
        if {e.id for e in events} != {e.id for e in community.events}:
            community.events = events
            changed.append("events")
            if len(changed) == 1:
                flag_modified(community, "name")  # a link change is still a new version
    return save_edit(session, actor, "community", community, changed, COMMUNITY_LABELS)


def visible_events(session: Session, actor: Principal, limit: int = 200) -> list[DisplacementEvent]:
    """Events the actor may link records to, newest first."""
    stmt = scoped(select(DisplacementEvent), DisplacementEvent, actor)
    return list(session.scalars(stmt.order_by(DisplacementEvent.started_on.desc()).limit(limit)))


def visible_households(session: Session, actor: Principal, limit: int = 200) -> list[Household]:
    """Households the actor may move a person into, newest first."""
    stmt = scoped(select(Household), Household, actor).options(
        selectinload(Household.memberships).selectinload(HouseholdMembership.person))
    return list(session.scalars(stmt.order_by(Household.created_at.desc()).limit(limit)))


def visible_communities(session: Session, actor: Principal, limit: int = 200) -> list[Community]:
    """Communities the actor may link households to, by name."""
    stmt = scoped(select(Community), Community, actor)
    return list(session.scalars(stmt.order_by(Community.name).limit(limit)))
