"""Persons over the API: list (cursor), read, register, update; the screens' services, scope and audit entries."""
from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any
from uuid import UUID

from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from dfi_casos import scope
from dfi_casos.api import bp, requires, spec, validated
from dfi_casos.api.common import (
    ApiError,
    PageQuery,
    fetch_page,
    filter_fields,
    for_update,
    page_body,
    responses,
    visible_fields,
    with_etag,
)
from dfi_casos.catalogs.enums import (
    DisabilityDomain,
    DisabilityLevel,
    DocumentType,
    ProtectionRisk,
    RegisteredSex,
    SpecificNeed,
)
from dfi_casos.extensions import db
from dfi_casos.registry import services
from dfi_casos.registry.models import Person
from dfi_casos.registry.view_support import PERSON_ROW_FIELDS, PERSON_VIEW_FIELDS, audit_list, audit_view
from dfi_casos.rights import services as rights
from dfi_casos.security.access import Permission

P = Permission
TAGS = ["personas"]
StateCode = str
_STATE = r"^(\d{2}|NE)$"
_MUNICIPALITY = r"^\d{5}$"
_CODE = r"^[a-z0-9_-]{1,40}$"


# --- schemas ------------------------------------------------------------------------------------------

class PersonFields(BaseModel):
    """What a client may say about a person (the registration form's fields)."""

    model_config = ConfigDict(extra="forbid")

    given_names: str = Field(min_length=1, max_length=200)
    first_surname: str = Field(min_length=1, max_length=200)
    second_surname: str | None = Field(default=None, max_length=200)
    aliases: str | None = Field(default=None, max_length=500)
    curp: str | None = Field(default=None, max_length=18)
    birth_date: date | None = None
    birth_date_estimated: bool = False
    estimated_age: int | None = Field(default=None, ge=0, le=120)
    registered_sex: RegisteredSex = RegisteredSex.UNKNOWN
    gender_identity: str | None = Field(default=None, max_length=200)
    birth_state_code: str | None = Field(default=None, pattern=_STATE)
    nationality: str | None = Field(default=None, max_length=60)
    indigenous: bool | None = None
    indigenous_languages: list[str] = Field(default_factory=list, max_length=20)
    speaks_spanish: bool | None = None
    afro_mexican: bool | None = None
    disability: dict[DisabilityDomain, DisabilityLevel] = Field(default_factory=dict)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    municipality_code: str | None = Field(default=None, pattern=_MUNICIPALITY)
    safe_contact_channel: str | None = Field(default=None, max_length=500)
    may_contact: bool = False
    documents_held: list[DocumentType] = Field(default_factory=list, max_length=20)
    documents_lost: list[DocumentType] = Field(default_factory=list, max_length=20)
    protection_risks: list[ProtectionRisk] = Field(default_factory=list, max_length=20)
    specific_needs: list[SpecificNeed] = Field(default_factory=list, max_length=20)

    def data(self) -> services.PersonData:
        values = self.model_dump(exclude={"state_code", "duplicate_reason"})
        values["indigenous_languages"] = list(self.indigenous_languages)
        values["disability"] = {k.value: v.value for k, v in self.disability.items()}
        for name in ("documents_held", "documents_lost", "protection_risks", "specific_needs"):
            values[name] = [item.value for item in getattr(self, name)]
        return services.PersonData(**values)


class PersonCreate(PersonFields):
    state_code: str = Field(pattern=r"^\d{2}$", description="Entidad (clave INEGI) donde se registra.")
    duplicate_reason: str | None = Field(default=None, max_length=500,
                                         description="Motivo para registrar pese a un posible duplicado (409).")


class PersonUpdate(PersonFields):
    duplicate_reason: str | None = Field(default=None, max_length=500)


class Membership(BaseModel):
    household_id: UUID
    relationship: str
    joined_on: date
    left_on: date | None = None


class PersonSummary(BaseModel):
    """A person in a list: the names only, as the screens' lists (fields the role may not see are absent)."""

    id: UUID
    state_code: str
    municipality_code: str | None = None
    registered_sex: str | None = None
    created_at: datetime | None = None
    version: int
    given_names: str | None = None
    first_surname: str | None = None
    second_surname: str | None = None


class PersonOut(PersonSummary):
    """A person, as the person's page shows them."""

    aliases: str | None = None
    curp: str | None = None
    birth_date: date | None = None
    birth_date_estimated: bool | None = None
    estimated_age: int | None = None
    gender_identity: str | None = None
    birth_state_code: str | None = None
    nationality: str | None = None
    indigenous: bool | None = None
    indigenous_languages: list[str] | None = None
    speaks_spanish: bool | None = None
    afro_mexican: bool | None = None
    disability: dict[str, str] | None = None
    phone: str | None = None
    address: str | None = None
    safe_contact_channel: str | None = None
    may_contact: bool | None = None
    documents_held: list[str] | None = None
    documents_lost: list[str] | None = None
    protection_risks: list[str] | None = None
    specific_needs: list[str] | None = None
    memberships: list[Membership] | None = None
    merged_into_id: UUID | None = None


class PersonPage(BaseModel):
    items: list[PersonSummary]
    next_cursor: str | None = Field(description="Cursor de la página siguiente; null en la última.")


# --- which fields a role reads (the screens' rules: PERSON_VIEW_FIELDS / PERSON_ROW_FIELDS) --------------

#: Sensitive fields need the permission that opens the person's page; the others go with any read.
PERSON_FIELD_RULES: dict[str, Permission | None] = {
    **{name: None for name in PersonOut.model_fields},
    **{name: P.VIEW_CASES for name in PERSON_VIEW_FIELDS},
}
SUMMARY_FIELD_RULES: dict[str, Permission | None] = {
    **{name: None for name in PersonSummary.model_fields if name not in PERSON_VIEW_FIELDS},
    **{name: P.VIEW_CASES for name in PERSON_ROW_FIELDS},
}


def person_summary(person: Person) -> dict[str, Any]:
    payload = {
        "id": str(person.id), "state_code": person.state_code, "municipality_code": person.municipality_code,
        "registered_sex": person.registered_sex.value, "created_at": person.created_at.isoformat(),
        "version": person.version, "given_names": person.given_names, "first_surname": person.first_surname,
        "second_surname": person.second_surname,
    }
    return filter_fields(payload, visible_fields(current_user, SUMMARY_FIELD_RULES))


def person_body(person: Person) -> dict[str, Any]:
    payload = {
        **{name: getattr(person, name) for name in services.PERSON_FIELDS},
        "id": str(person.id), "state_code": person.state_code, "version": person.version,
        "created_at": person.created_at.isoformat(),
        "registered_sex": person.registered_sex.value,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "protection_risks": list(person.protection_risks or []),
        "merged_into_id": str(person.merged_into_id) if person.merged_into_id else None,
        "memberships": [{"household_id": str(m.household_id), "relationship": m.relationship_to_head.value,
                         "joined_on": m.joined_on.isoformat(),
                         "left_on": m.left_on.isoformat() if m.left_on else None} for m in person.memberships],
    }
    return filter_fields(payload, visible_fields(current_user, PERSON_FIELD_RULES))


def duplicate_refusal(exc: services.DuplicatesFound) -> ApiError:
    """409: the registration looks like records already held; the visible ones by id, the others as a count."""
    visible = [str(person.id) for match in exc.matches for person, _reasons in match.visible]
    hidden = sum(match.hidden for match in exc.matches)
    return ApiError(409, "possible_duplicate",
                    _("Hay registros parecidos (%(visible)s a su alcance, %(hidden)s en otro territorio). "
                      "Revíselos; para registrar de todos modos, envíe duplicate_reason.",
                      visible=len(visible), hidden=hidden),
                    {"duplicate_reason": visible})


# --- endpoints ----------------------------------------------------------------------------------------

@bp.get("/personas")
@requires("registry:read", P.VIEW_CASES)
@spec.validate(query=PageQuery, resp=responses(PersonPage, errors=[422]), tags=TAGS)
def list_persons() -> Any:
    """Personas a su alcance, las más recientes primero."""
    page = fetch_page("persons", validated("query"),
                      partial(services.list_persons, db.session(), current_user, services.Filters()))
    audit_list("person", page.items, PERSON_ROW_FIELDS)
    return page_body("persons", page, [person_summary(p) for p in page.items])


@bp.get("/personas/<person_id>")
@requires("registry:read", P.VIEW_CASES)
@spec.validate(resp=responses(PersonOut), tags=TAGS)
def read_person(person_id: str) -> Any:
    """Una persona: los datos de su ficha, con ETag para modificarla."""
    record = scope.get_person_for(db.session(), current_user, person_id)
    audit_view("person", record, PERSON_VIEW_FIELDS)
    return with_etag(person_body(record), record)


@bp.post("/personas")
@requires("registry:write", P.REGISTER)
@spec.validate(json=PersonCreate, resp=responses(PersonOut, 201, errors=[409, 422]), tags=TAGS)
def create_person() -> Any:
    """Registra a una persona sin hogar (los hogares se registran con sus integrantes)."""
    body: PersonCreate = validated("json")
    try:
        record = services.register_person(db.session(), current_user, body.data(), body.state_code,
                                          body.duplicate_reason)
    except services.DuplicatesFound as exc:
        raise duplicate_refusal(exc) from None
    audit_view("person", record, PERSON_VIEW_FIELDS)
    return with_etag(person_body(record), record, 201, f"/api/v1/personas/{record.id}")


@bp.put("/personas/<person_id>")
@requires("registry:write", P.EDIT_RECORDS)
@spec.validate(json=PersonUpdate, resp=responses(PersonOut, errors=[409, 412, 422, 428]), tags=TAGS)
def update_person(person_id: str) -> Any:
    """Reemplaza los datos de una persona; requiere If-Match con el ETag leído."""
    record, expected = for_update(scope.get_person_for, person_id)
    body: PersonUpdate = validated("json")
    try:
        services.update_person(db.session(), current_user, record, body.data(), expected, body.duplicate_reason,
                               rights.rectification_for(db.session(), record, ""))
    except services.DuplicatesFound as exc:
        raise duplicate_refusal(exc) from None
    db.session.flush()
    audit_view("person", record, PERSON_VIEW_FIELDS)
    return with_etag(person_body(record), record)
