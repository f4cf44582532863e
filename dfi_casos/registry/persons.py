"""Persons and households: registering, editing, members joining and leaving."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from dfi_casos.catalogs.ages import registration_age_group
from dfi_casos.catalogs.enums import (
    RelationshipToHead,
)
from dfi_casos.database import local_today
from dfi_casos.registry.data import PERSON_FIELD_LABELS, HouseholdData, MemberData, PersonData
from dfi_casos.registry.duplicates import check_duplicates, keep_override
from dfi_casos.registry.models import (
    Community,
    DisplacementEvent,
    Household,
    HouseholdMembership,
    Person,
)
from dfi_casos.registry.rules import (
    RegistryError,
    apply_changes,
    check_municipality,
    check_person,
    check_territory,
    check_version,
    chosen_record,
    filled_fields,
    person_values,
    require,
    save_edit,
)
from dfi_casos.scope import parse_uuid
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal
from dfi_casos.security.audit import Action


def new_person(session: Session, actor: Principal, data: PersonData, state_code: str) -> Person:
    person = Person(id=uuid.uuid4(), state_code=state_code, registered_by_id=actor.id)
    values = person_values(data)
    for name, value in values.items():
        setattr(person, name, value)
    person.age_group = registration_age_group(data.birth_date, data.estimated_age, local_today())
    session.add(person)
    audit.record_change(session, actor, Action.CREATE, "person", person.id, fields=filled_fields(values),
                        state_code=state_code)
    return person


def register_person(session: Session, actor: Principal, data: PersonData, state_code: str,
                    duplicate_reason: str | None = None) -> Person:
    """Register a person alone (no household). Raises RegistryError or DuplicatesFound."""
    require(actor, Permission.REGISTER)
    check_territory(actor, state_code)
    check_person(data, state_code)
    matches = check_duplicates(session, actor, [data], duplicate_reason)
    person = new_person(session, actor, data, state_code)
    session.flush()
    for match in matches:
        keep_override(session, actor, person, match, duplicate_reason or "")
    session.flush()
    return person


def register_household(session: Session, actor: Principal, data: HouseholdData,
                       duplicate_reason: str | None = None) -> Household:
    """Register a household and its members in one go. Raises RegistryError or DuplicatesFound."""
    require(actor, Permission.REGISTER)
    check_territory(actor, data.state_code)
    check_municipality(data.municipality_code, data.state_code, "municipality_code")
    if not data.members:
        raise RegistryError(_("Agregue al menos un integrante."), "members")
    heads = [m for m in data.members if m.relationship == RelationshipToHead.HEAD]
    if len(heads) != 1:
        raise RegistryError(_("El hogar debe tener exactamente una jefa o jefe de hogar."), "members")
    for i, member in enumerate(data.members):
        check_person(member.person, data.state_code, f"members-{i}-")
    event = chosen_record(session, actor, DisplacementEvent, data.event_id, "event_id")
    community = chosen_record(session, actor, Community, data.community_id, "community_id")
    matches = check_duplicates(session, actor, [m.person for m in data.members], duplicate_reason)

    household = Household(id=uuid.uuid4(), state_code=data.state_code, municipality_code=data.municipality_code,
                          event_id=event.id if event else None, community_id=community.id if community else None,
                          registered_by_id=actor.id)
    household.notes = (data.notes or "").strip() or None
    session.add(household)
    audit.record_change(session, actor, Action.CREATE, "household", household.id,
                        fields=filled_fields({"municipality_code": data.municipality_code, "notes": data.notes,
                                        "event_id": data.event_id, "community_id": data.community_id}),
                        state_code=household.state_code, members=len(data.members))
    for member in data.members:
        # members live where the household lives unless the form says otherwise
        member.person.municipality_code = member.person.municipality_code or data.municipality_code
    people = [new_person(session, actor, m.person, data.state_code) for m in data.members]
    session.flush()
    for member, person in zip(data.members, people, strict=True):
        join_household(session, household, person, member, actor)
    for match in matches:
        keep_override(session, actor, people[match.index], match, duplicate_reason or "")
    session.flush()
    return household


def join_household(session: Session, household: Household, person: Person, member: MemberData,
                   actor: Principal) -> None:
    # through both relationships, so objects already loaded in this session see the new row
    with session.no_autoflush:
        membership = HouseholdMembership(household=household, person=person,
                                         relationship_to_head=member.relationship, present=member.present,
                                         joined_on=local_today(), recorded_by_id=actor.id)
    session.add(membership)


#: Fields a duplicate lookup reads: an edit touching one of them is checked like a registration.
IDENTITY_FIELDS = frozenset({"given_names", "first_surname", "second_surname", "birth_date", "curp", "phone"})


def update_person(session: Session, actor: Principal, person: Person, data: PersonData, expected_version: int,
                  duplicate_reason: str | None = None, arco_request_id: str | None = None) -> list[str]:
    """Save an edit made on the form opened at `expected_version`; the changed field names.

    Refuses (EditConflict) when someone saved the person since; nothing is overwritten. An edit
    that makes the person look like another record raises DuplicatesFound unless a reason is given.
    """
    require(actor, Permission.EDIT_RECORDS)
    check_version(session, "person", person, expected_version, PERSON_FIELD_LABELS)
    check_person(data, person.state_code)
    values = person_values(data)
    identity_changed = any(getattr(person, name) != values[name] for name in IDENTITY_FIELDS)
    matches = check_duplicates(session, actor, [data], duplicate_reason, exclude=person.id) \
        if identity_changed else []
    changed = apply_changes(person, values)
    if {"birth_date", "estimated_age"} & set(changed):
        registered_on = person.created_at.date() if person.created_at else local_today()
        person.age_group = registration_age_group(person.birth_date, person.estimated_age, registered_on)
    for match in matches:
        keep_override(session, actor, person, match, duplicate_reason or "")
    return save_edit(session, actor, "person", person, changed, PERSON_FIELD_LABELS, arco_request_id)


def update_household(session: Session, actor: Principal, household: Household, data: HouseholdData,
                     expected_version: int) -> list[str]:
    """Save the household's own fields (not its members); persons follow its territory."""
    require(actor, Permission.EDIT_RECORDS)
    check_version(session, "household", household, expected_version, PERSON_FIELD_LABELS)
    check_territory(actor, data.state_code)
    check_municipality(data.municipality_code, data.state_code, "municipality_code")
    event = chosen_record(session, actor, DisplacementEvent, data.event_id, "event_id")
    community = chosen_record(session, actor, Community, data.community_id, "community_id")
    changed = apply_changes(household, {
        "state_code": data.state_code, "municipality_code": data.municipality_code,
        "event_id": event.id if event else None, "community_id": community.id if community else None,
        "notes": (data.notes or "").strip() or None,
    })
    if "state_code" in changed:
        with session.no_autoflush:  # one flush, in save_edit (see update_event)
            for membership in household.current_memberships:
                membership.person.state_code = data.state_code
    return save_edit(session, actor, "household", household, changed, PERSON_FIELD_LABELS)


def add_member(session: Session, actor: Principal, household: Household, member: MemberData,
               duplicate_reason: str | None = None) -> Person:
    """Register a new person into an existing household (a birth, a reunification)."""
    require(actor, Permission.REGISTER)
    check_person(member.person, household.state_code)
    if member.relationship == RelationshipToHead.HEAD and any(
            m.relationship_to_head == RelationshipToHead.HEAD for m in household.current_memberships):
        raise RegistryError(_("El hogar ya tiene jefa o jefe de hogar."), "relationship")
    matches = check_duplicates(session, actor, [member.person], duplicate_reason)
    person = new_person(session, actor, member.person, household.state_code)
    session.flush()
    join_household(session, household, person, member, actor)
    for match in matches:
        keep_override(session, actor, person, match, duplicate_reason or "")
    audit.record_change(session, actor, Action.MEMBER_JOINED, "household", household.id,
                        state_code=household.state_code, person_id=str(person.id))
    session.flush()
    return person


def move_to_household(session: Session, actor: Principal, person: Person, household: Household,
                      relationship: RelationshipToHead, on_date: date | None = None) -> HouseholdMembership:
    """A registered person joins another household (reunification, a new union); the old stay is kept.

    A person belongs to one household at a time: the current membership, if any, ends the same day.
    """
    require(actor, Permission.EDIT_RECORDS)
    on_date = on_date or local_today()
    current = person.current_membership
    if current is not None and current.household_id == household.id:
        raise RegistryError(_("La persona ya es integrante de este hogar."), "person_id")
    if relationship == RelationshipToHead.HEAD and any(
            m.relationship_to_head == RelationshipToHead.HEAD for m in household.current_memberships):
        raise RegistryError(_("El hogar ya tiene jefa o jefe de hogar."), "relationship")
    if current is not None:
        current.left_on, current.left_reason = on_date, "moved_out"
        audit.record_change(session, actor, Action.MEMBER_LEFT, "household", current.household_id,
                            state_code=current.household.state_code, person_id=str(person.id), reason="moved_out")
    with session.no_autoflush:
        membership = HouseholdMembership(household=household, person=person, relationship_to_head=relationship,
                                         present=True, joined_on=on_date, recorded_by_id=actor.id)
    session.add(membership)
    if person.state_code != household.state_code:
        person.state_code = household.state_code
    audit.record_change(session, actor, Action.MEMBER_JOINED, "household", household.id,
                        state_code=household.state_code, person_id=str(person.id))
    session.flush()
    return membership


def update_membership(session: Session, actor: Principal, household: Household, person_id: Any,
                      relationship: RelationshipToHead, present: bool) -> list[str]:
    """Change a current member's relationship to the head or whether they are present (separated)."""
    require(actor, Permission.EDIT_RECORDS)
    parsed = parse_uuid(person_id)
    membership = next((m for m in household.current_memberships if m.person_id == parsed), None)
    if membership is None:
        raise RegistryError(_("La persona no es integrante actual de este hogar."), "person_id")
    if relationship == RelationshipToHead.HEAD and any(
            m.relationship_to_head == RelationshipToHead.HEAD and m is not membership
            for m in household.current_memberships):
        raise RegistryError(_("El hogar ya tiene jefa o jefe de hogar."), "relationship")
    changed = apply_changes(membership, {"relationship_to_head": relationship, "present": present})
    if changed:
        audit.record_change(session, actor, Action.MEMBERSHIP_CHANGED, "household", household.id, fields=changed,
                            state_code=household.state_code, person_id=str(membership.person_id))
        session.flush()
    return changed


#: Why a member left the household (stored value, Spanish label).
LEAVE_REASONS = {
    "separation": _l("Separación"),
    "moved_out": _l("Formó otro hogar o se mudó"),
    "death": _l("Fallecimiento"),
    "error": _l("Registro por error"),
}


def end_membership(session: Session, actor: Principal, household: Household, person_id: Any, reason: str,
                   on_date: date | None = None) -> HouseholdMembership:
    """Record that a member left; the row stays as history."""
    require(actor, Permission.EDIT_RECORDS)
    if reason not in LEAVE_REASONS:
        raise RegistryError(_("Elija el motivo de la salida."), "reason")
    on_date = on_date or local_today()
    if on_date > local_today():
        raise RegistryError(_("La fecha no puede ser posterior a hoy."), "left_on")
    parsed = parse_uuid(person_id)
    membership = next((m for m in household.current_memberships if m.person_id == parsed), None)
    if membership is None:
        raise RegistryError(_("La persona no es integrante actual de este hogar."), "person_id")
    membership.left_on, membership.left_reason = on_date, reason
    audit.record_change(session, actor, Action.MEMBER_LEFT, "household", household.id,
                        state_code=household.state_code, person_id=str(membership.person_id), reason=reason)
    session.flush()
    return membership
