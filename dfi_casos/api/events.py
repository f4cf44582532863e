"""Displacement events and communities over the API: list (cursor), read, register, update."""
from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any, Literal
from uuid import UUID

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from dfi_casos import scope
from dfi_casos.api import bp, requires, spec, validated
from dfi_casos.api.common import (
    PageQuery,
    fetch_page,
    filter_fields,
    for_update,
    page_body,
    responses,
    visible_fields,
    with_etag,
)
from dfi_casos.catalogs.enums import DisplacementCause, EventType
from dfi_casos.extensions import db
from dfi_casos.registry import services
from dfi_casos.registry.models import Community, DisplacementEvent
from dfi_casos.registry.view_support import audit_list, audit_view
from dfi_casos.security.access import Permission

P = Permission
_STATE = r"^\d{2}$"
_MUNICIPALITY = r"^\d{5}$"


# --- events -------------------------------------------------------------------------------------------

class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_type: EventType
    started_on: date
    origin_state_code: str = Field(pattern=_STATE)
    state_code: str = Field(pattern=_STATE, description="Entidad que registra el evento.")
    causes: list[DisplacementCause] = Field(min_length=1, max_length=10)
    ended_on: date | None = None
    origin_municipality_code: str | None = Field(default=None, pattern=_MUNICIPALITY)
    origin_locality: str | None = Field(default=None, max_length=200)
    cause_other: str | None = Field(default=None, max_length=200)
    estimated_households: int | None = Field(default=None, ge=0, le=10_000_000)
    estimated_persons: int | None = Field(default=None, ge=0, le=10_000_000)
    narrative: str | None = Field(default=None, max_length=20_000)
    destination_state_code: str | None = Field(default=None, pattern=_STATE)
    destination_municipality_code: str | None = Field(default=None, pattern=_MUNICIPALITY)

    def data(self) -> services.EventData:
        return services.EventData(**{**self.model_dump(), "causes": list(dict.fromkeys(self.causes))})


class EventOut(BaseModel):
    id: UUID
    version: int
    event_type: str
    started_on: date
    ended_on: date | None = None
    origin_state_code: str
    origin_municipality_code: str | None = None
    origin_locality: str | None = None
    state_code: str
    causes: list[str]
    cause_other: str | None = None
    estimated_households: int | None = None
    estimated_persons: int | None = None
    narrative: str | None = None
    destination_state_code: str | None = None
    destination_municipality_code: str | None = None
    created_at: datetime | None = None


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None = None


#: The narrative is what the event's page protects; lists never carry it.
EVENT_FIELD_RULES: dict[str, Permission | None] = {**{name: None for name in EventOut.model_fields},
                                                   "narrative": P.VIEW_CASES}


def event_body(event: DisplacementEvent, *, with_narrative: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(event.id), "version": event.version, "event_type": event.event_type.value,
        "started_on": event.started_on.isoformat(), "ended_on": event.ended_on.isoformat() if event.ended_on else None,
        "origin_state_code": event.origin_state_code, "origin_municipality_code": event.origin_municipality_code,
        "origin_locality": event.origin_locality, "state_code": event.state_code,
        "causes": [cause.value for cause in event.causes], "cause_other": event.cause_other,
        "estimated_households": event.estimated_households, "estimated_persons": event.estimated_persons,
        "destination_state_code": event.destination_state_code,
        "destination_municipality_code": event.destination_municipality_code,
        "created_at": event.created_at.isoformat(),
    }
    if with_narrative:
        payload["narrative"] = event.narrative
    return filter_fields(payload, visible_fields(current_user, EVENT_FIELD_RULES))


@bp.get("/eventos")
@requires("registry:read", P.VIEW_CASES)
@spec.validate(query=PageQuery, resp=responses(EventPage, errors=[422]), tags=["eventos"])
def list_events() -> Any:
    """Eventos de desplazamiento a su alcance, los más recientes primero (sin narrativa)."""
    page = fetch_page("events", validated("query"),
                      partial(services.list_events, db.session(), current_user, services.Filters()))
    return page_body("events", page, [event_body(e, with_narrative=False) for e in page.items])


@bp.get("/eventos/<event_id>")
@requires("registry:read", P.VIEW_CASES)
@spec.validate(resp=responses(EventOut), tags=["eventos"])
def read_event(event_id: str) -> Any:
    """Un evento de desplazamiento, con su narrativa."""
    record = scope.get_event_for(db.session(), current_user, event_id)
    audit_view("event", record, ["narrative"])
    return with_etag(event_body(record, with_narrative=True), record)


@bp.post("/eventos")
@requires("registry:write", P.REGISTER)
@spec.validate(json=EventIn, resp=responses(EventOut, 201, errors=[422]), tags=["eventos"])
def create_event() -> Any:
    """Registra un evento de desplazamiento."""
    body: EventIn = validated("json")
    record = services.register_event(db.session(), current_user, body.data())
    return with_etag(event_body(record, with_narrative=True), record, 201, f"/api/v1/eventos/{record.id}")


@bp.put("/eventos/<event_id>")
@requires("registry:write", P.EDIT_RECORDS)
@spec.validate(json=EventIn, resp=responses(EventOut, errors=[412, 422, 428]), tags=["eventos"])
def update_event(event_id: str) -> Any:
    """Reemplaza los datos de un evento; requiere If-Match."""
    record, expected = for_update(scope.get_event_for, event_id)
    body: EventIn = validated("json")
    services.update_event(db.session(), current_user, record, body.data(), expected)
    db.session.flush()
    return with_etag(event_body(record, with_narrative=True), record)


# --- communities --------------------------------------------------------------------------------------

class CommunityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["locality", "ejido", "indigenous_community", "other"]
    state_code: str = Field(pattern=_STATE)
    municipality_code: str | None = Field(default=None, pattern=_MUNICIPALITY)
    locality: str | None = Field(default=None, max_length=200)
    at_risk: bool = False
    indigenous: bool = False
    estimated_households: int | None = Field(default=None, ge=0, le=10_000_000)
    estimated_persons: int | None = Field(default=None, ge=0, le=10_000_000)
    notes: str | None = Field(default=None, max_length=20_000)
    event_ids: list[UUID] = Field(default_factory=list, max_length=50)

    def data(self) -> services.CommunityData:
        return services.CommunityData(**self.model_dump())


class CommunityOut(BaseModel):
    id: UUID
    version: int
    name: str
    kind: str
    state_code: str
    municipality_code: str | None = None
    locality: str | None = None
    at_risk: bool
    indigenous: bool
    estimated_households: int | None = None
    estimated_persons: int | None = None
    notes: str | None = None
    event_ids: list[UUID] | None = None
    created_at: datetime | None = None


class CommunityPage(BaseModel):
    items: list[CommunityOut]
    next_cursor: str | None = None


COMMUNITY_FIELD_RULES: dict[str, Permission | None] = {**{name: None for name in CommunityOut.model_fields},
                                                       "notes": P.VIEW_CASES}


def community_body(community: Community, *, with_notes: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(community.id), "version": community.version, "name": community.name, "kind": community.kind,
        "state_code": community.state_code, "municipality_code": community.municipality_code,
        "locality": community.locality, "at_risk": community.at_risk, "indigenous": community.indigenous,
        "estimated_households": community.estimated_households, "estimated_persons": community.estimated_persons,
        "created_at": community.created_at.isoformat(),
    }
    if with_notes:
        payload["notes"] = community.notes
        payload["event_ids"] = [str(event.id) for event in community.events]
    return filter_fields(payload, visible_fields(current_user, COMMUNITY_FIELD_RULES))


@bp.get("/comunidades")
@requires("registry:read", P.VIEW_CASES)
@spec.validate(query=PageQuery, resp=responses(CommunityPage, errors=[422]), tags=["comunidades"])
def list_communities() -> Any:
    """Comunidades a su alcance, por nombre (sin notas)."""
    page = fetch_page("communities", validated("query"),
                      partial(services.list_communities, db.session(), current_user, services.Filters()))
    audit_list("community", page.items, [])
    return page_body("communities", page, [community_body(c, with_notes=False) for c in page.items])


@bp.get("/comunidades/<community_id>")
@requires("registry:read", P.VIEW_CASES)
@spec.validate(resp=responses(CommunityOut), tags=["comunidades"])
def read_community(community_id: str) -> Any:
    """Una comunidad, con sus notas y eventos."""
    record = scope.get_community_for(db.session(), current_user, community_id)
    audit_view("community", record, ["notes"])
    return with_etag(community_body(record, with_notes=True), record)


@bp.post("/comunidades")
@requires("registry:write", P.REGISTER)
@spec.validate(json=CommunityIn, resp=responses(CommunityOut, 201, errors=[422]), tags=["comunidades"])
def create_community() -> Any:
    """Registra una comunidad, vinculada a los eventos que vivió."""
    body: CommunityIn = validated("json")
    record = services.register_community(db.session(), current_user, body.data())
    return with_etag(community_body(record, with_notes=True), record, 201, f"/api/v1/comunidades/{record.id}")


@bp.put("/comunidades/<community_id>")
@requires("registry:write", P.EDIT_RECORDS)
@spec.validate(json=CommunityIn, resp=responses(CommunityOut, errors=[412, 422, 428]), tags=["comunidades"])
def update_community(community_id: str) -> Any:
    """Reemplaza los datos de una comunidad; requiere If-Match."""
    record, expected = for_update(scope.get_community_for, community_id)
    body: CommunityIn = validated("json")
    services.update_community(db.session(), current_user, record, body.data(), expected)
    db.session.flush()
    return with_etag(community_body(record, with_notes=True), record)
