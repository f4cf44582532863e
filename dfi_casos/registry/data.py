"""What registry forms carry to the services: plain values, and the Spanish names of the fields."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from dfi_casos.catalogs.enums import (
    ConsentMethod,
    ConsentScope,
    DisplacementCause,
    EventType,
    RegisteredSex,
    RelationshipToHead,
)


@dataclass
class PersonData:
    """What a form says about a person (plain values; the service encrypts)."""

    given_names: str
    first_surname: str
    second_surname: str | None = None
    aliases: str | None = None
    curp: str | None = None
    birth_date: date | None = None
    birth_date_estimated: bool = False
    estimated_age: int | None = None
    registered_sex: RegisteredSex = RegisteredSex.UNKNOWN
    gender_identity: str | None = None
    birth_state_code: str | None = None
    nationality: str | None = None
    indigenous: bool | None = None
    indigenous_languages: list[str] = field(default_factory=list)
    speaks_spanish: bool | None = None
    afro_mexican: bool | None = None
    disability: dict[str, str] = field(default_factory=dict)
    phone: str | None = None
    address: str | None = None
    municipality_code: str | None = None
    safe_contact_channel: str | None = None
    may_contact: bool = False
    documents_held: list[str] = field(default_factory=list)
    documents_lost: list[str] = field(default_factory=list)
    protection_risks: list[str] = field(default_factory=list)
    specific_needs: list[str] = field(default_factory=list)


#: Person attributes a form sets, in the order the history lists them.
PERSON_FIELDS = tuple(PersonData.__dataclass_fields__)

PERSON_FIELD_LABELS = {
    "given_names": _l("nombre(s)"), "first_surname": _l("primer apellido"), "second_surname": _l("segundo apellido"),
    "aliases": _l("otros nombres"), "curp": "CURP", "birth_date": _l("fecha de nacimiento"),
    "birth_date_estimated": _l("fecha estimada"), "estimated_age": _l("edad estimada"), "registered_sex": _l("sexo"),
    "gender_identity": _l("identidad de género"), "birth_state_code": _l("entidad de nacimiento"),
    "nationality": _l("nacionalidad"), "indigenous": _l("autoadscripción indígena"),
    "indigenous_languages": _l("lenguas indígenas"), "speaks_spanish": _l("habla español"),
    "afro_mexican": _l("autoadscripción afromexicana"), "disability": _l("discapacidad"), "phone": _l("teléfono"),
    "address": _l("domicilio"), "municipality_code": _l("municipio"),
    "safe_contact_channel": _l("medio de contacto seguro"),
    "may_contact": _l("autoriza contacto"), "documents_held": _l("documentos con que cuenta"),
    "documents_lost": _l("documentos perdidos"), "protection_risks": _l("riesgos de protección"),
    "specific_needs": _l("necesidades específicas"), "state_code": _l("entidad"), "notes": _l("notas"),
    "event_id": _l("evento"), "community_id": _l("comunidad"),
}


@dataclass
class MemberData:
    person: PersonData
    relationship: RelationshipToHead
    present: bool = True


@dataclass
class HouseholdData:
    state_code: str
    municipality_code: str | None
    members: list[MemberData]
    event_id: uuid.UUID | None = None
    community_id: uuid.UUID | None = None
    notes: str | None = None


@dataclass
class EventData:
    event_type: EventType
    started_on: date
    origin_state_code: str
    state_code: str
    causes: list[DisplacementCause]
    ended_on: date | None = None
    origin_municipality_code: str | None = None
    origin_locality: str | None = None
    cause_other: str | None = None
    estimated_households: int | None = None
    estimated_persons: int | None = None
    narrative: str | None = None
    destination_state_code: str | None = None
    destination_municipality_code: str | None = None


EVENT_FIELDS = tuple(EventData.__dataclass_fields__)


@dataclass
class CommunityData:
    name: str
    kind: str
    state_code: str
    municipality_code: str | None = None
    locality: str | None = None
    at_risk: bool = False
    indigenous: bool = False
    estimated_households: int | None = None
    estimated_persons: int | None = None
    notes: str | None = None
    event_ids: list[uuid.UUID] = field(default_factory=list)


COMMUNITY_FIELDS = tuple(f for f in CommunityData.__dataclass_fields__ if f != "event_ids")


@dataclass
class ConsentData:
    scope: ConsentScope
    method: ConsentMethod
    taken_on: date
    institution_id: int | None = None
    witness_name: str | None = None
