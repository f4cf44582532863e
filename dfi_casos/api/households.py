"""Households with their members over the API: list (cursor), read, register (with members), update."""
from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any
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
from dfi_casos.api.persons import PersonFields, duplicate_refusal
from dfi_casos.catalogs.enums import RelationshipToHead
from dfi_casos.extensions import db
from dfi_casos.registry import services
from dfi_casos.registry.models import Household
from dfi_casos.registry.view_support import audit_list, audit_view
from dfi_casos.security.access import Permission

P = Permission
TAGS = ["hogares"]


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: PersonFields
    relationship: RelationshipToHead
    present: bool = True


class HouseholdFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state_code: str = Field(pattern=r"^\d{2}$", description="Entidad (clave INEGI).")
    municipality_code: str | None = Field(default=None, pattern=r"^\d{5}$")
    event_id: UUID | None = None
    community_id: UUID | None = None
    notes: str | None = Field(default=None, max_length=4000)


class HouseholdCreate(HouseholdFields):
    members: list[MemberIn] = Field(min_length=1, max_length=30,
                                    description="Integrantes; exactamente uno con relationship=head.")
    duplicate_reason: str | None = Field(default=None, max_length=500)

    def data(self) -> services.HouseholdData:
        return services.HouseholdData(
            state_code=self.state_code, municipality_code=self.municipality_code, event_id=self.event_id,
            community_id=self.community_id, notes=self.notes,
            members=[services.MemberData(person=m.person.data(), relationship=m.relationship, present=m.present)
                     for m in self.members])


class HouseholdUpdate(HouseholdFields):
    """The household's own fields (members join and leave through their own operations, on the screens)."""

    def data(self) -> services.HouseholdData:
        return services.HouseholdData(state_code=self.state_code, municipality_code=self.municipality_code,
                                      event_id=self.event_id, community_id=self.community_id, notes=self.notes,
                                      members=[])


class MemberOut(BaseModel):
    person_id: UUID
    relationship: str
    present: bool
    joined_on: date
    left_on: date | None = None
    given_names: str | None = None
    first_surname: str | None = None
    second_surname: str | None = None


class HouseholdSummary(BaseModel):
    id: UUID
    state_code: str
    municipality_code: str | None = None
    event_id: UUID | None = None
    community_id: UUID | None = None
    size: int
    created_at: datetime | None = None
    version: int
    head_person_id: UUID | None = None


class HouseholdOut(HouseholdSummary):
    notes: str | None = None
    members: list[MemberOut] | None = None


class HouseholdPage(BaseModel):
    items: list[HouseholdSummary]
    next_cursor: str | None = None


#: The household's page shows the notes and the members' names: both need the permission that opens it.
HOUSEHOLD_FIELD_RULES: dict[str, Permission | None] = {
    **{name: None for name in HouseholdOut.model_fields}, "notes": P.VIEW_CASES, "members": P.VIEW_CASES,
}
MEMBER_FIELD_RULES: dict[str, Permission | None] = {
    **{name: None for name in MemberOut.model_fields},
    "given_names": P.VIEW_CASES, "first_surname": P.VIEW_CASES, "second_surname": P.VIEW_CASES,
}


def household_summary(household: Household) -> dict[str, Any]:
    head = household.head
    return {"id": str(household.id), "state_code": household.state_code,
            "municipality_code": household.municipality_code,
            "event_id": str(household.event_id) if household.event_id else None,
            "community_id": str(household.community_id) if household.community_id else None,
            "size": household.size, "created_at": household.created_at.isoformat(), "version": household.version,
            "head_person_id": str(head.id) if head else None}


def household_body(household: Household) -> dict[str, Any]:
    member_fields = visible_fields(current_user, MEMBER_FIELD_RULES)
    members = [filter_fields({
        "person_id": str(m.person_id), "relationship": m.relationship_to_head.value, "present": m.present,
        "joined_on": m.joined_on.isoformat(), "left_on": m.left_on.isoformat() if m.left_on else None,
        "given_names": m.person.given_names, "first_surname": m.person.first_surname,
        "second_surname": m.person.second_surname}, member_fields) for m in household.visible_memberships]
    payload = {**household_summary(household), "notes": household.notes, "members": members}
    return filter_fields(payload, visible_fields(current_user, HOUSEHOLD_FIELD_RULES))


@bp.get("/hogares")
@requires("registry:read", P.VIEW_CASES)
@spec.validate(query=PageQuery, resp=responses(HouseholdPage, errors=[422]), tags=TAGS)
def list_households() -> Any:
    """Hogares a su alcance, los más recientes primero."""
    page = fetch_page("households", validated("query"),
                      partial(services.list_households, db.session(), current_user, services.Filters()))
    audit_list("household", page.items, [])
    return page_body("households", page, [household_summary(h) for h in page.items])


@bp.get("/hogares/<household_id>")
@requires("registry:read", P.VIEW_CASES)
@spec.validate(resp=responses(HouseholdOut), tags=TAGS)
def read_household(household_id: str) -> Any:
    """Un hogar con sus integrantes."""
    record = scope.get_household_for(db.session(), current_user, household_id)
    audit_view("household", record, ["notes", "members.name"])
    return with_etag(household_body(record), record)


@bp.post("/hogares")
@requires("registry:write", P.REGISTER)
@spec.validate(json=HouseholdCreate, resp=responses(HouseholdOut, 201, errors=[409, 422]), tags=TAGS)
def create_household() -> Any:
    """Registra un hogar con todos sus integrantes en una sola operación."""
    body: HouseholdCreate = validated("json")
    try:
        record = services.register_household(db.session(), current_user, body.data(), body.duplicate_reason)
    except services.DuplicatesFound as exc:
        raise duplicate_refusal(exc) from None
    audit_view("household", record, ["notes", "members.name"])
    return with_etag(household_body(record), record, 201, f"/api/v1/hogares/{record.id}")


@bp.put("/hogares/<household_id>")
@requires("registry:write", P.EDIT_RECORDS)
@spec.validate(json=HouseholdUpdate, resp=responses(HouseholdOut, errors=[412, 422, 428]), tags=TAGS)
def update_household(household_id: str) -> Any:
    """Modifica los datos propios del hogar; requiere If-Match."""
    record, expected = for_update(scope.get_household_for, household_id)
    body: HouseholdUpdate = validated("json")
    services.update_household(db.session(), current_user, record, body.data(), expected)
    db.session.flush()
    audit_view("household", record, ["notes", "members.name"])
    return with_etag(household_body(record), record)
