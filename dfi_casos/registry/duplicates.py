"""Possible duplicates of a person being registered or edited, and the reasons kept when saving anyway."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.registry.data import PersonData
from dfi_casos.registry.models import (
    DuplicateOverride,
    Person,
)
from dfi_casos.registry.name_search import similar_persons
from dfi_casos.registry.rules import RegistryError
from dfi_casos.scope import scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Principal
from dfi_casos.security.audit import Action
from dfi_casos.security.fields import find_by_blind_index

#: What the caseworker reads when a similar record lies outside their scope: nothing more.
OUT_OF_SCOPE_NOTICE = _l("Hay un registro similar en otro territorio; consulte a su supervisor(a).")


@dataclass
class DuplicateMatch:
    """Candidates similar to one person being registered."""

    #: Position of the person in the submission (0 for a person alone).
    index: int
    #: Visible candidates: (person, reasons as Spanish words).
    visible: list[tuple[Person, list[str]]] = field(default_factory=list)
    #: How many similar records lie outside the actor's scope (only the notice is shown).
    hidden: int = 0
    candidate_ids: list[str] = field(default_factory=list)


class DuplicatesFound(RegistryError):
    """Similar records exist; saving anyway needs a reason (`duplicate_reason`)."""

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        super().__init__(_("Hay registros similares. Revíselos; para guardar de todos modos, escriba el motivo."),
                         "duplicate_reason")
        self.matches = matches


def find_similar(session: Session, actor: Principal, data: PersonData, index: int = 0,
                 exclude: uuid.UUID | None = None) -> DuplicateMatch:
    """Persons with the same CURP, a name that sounds alike with a birth date within a year, or the same phone.

    The lookup runs over the whole registry, not the actor's scope: a person registered in
    another state must still be noticed. Only the ids of out-of-scope matches are used here,
    and the caller shows nothing about them but a notice.
    """
    reasons: dict[uuid.UUID, list[str]] = {}
    found: dict[uuid.UUID, Person] = {}

    def note(person: Person, reason: str) -> None:
        # A tombstone is no duplicate; a blocked person is not even mentioned (not as a hidden match either).
        if person.id != exclude and person.merged_into_id is None and person.blocked_at is None:
            found[person.id] = person
            reasons.setdefault(person.id, []).append(reason)

    # Strongest first: the exact CURP, then the name as it sounds with the birth date, then the phone.
    for person in find_by_blind_index(session, Person, "curp", data.curp) if data.curp else []:
        note(person, "CURP (exacta)")
    for person, how in similar_persons(session, data.given_names, data.first_surname, data.second_surname,
                                       data.birth_date, exclude):
        note(person, how)
    for person in find_by_blind_index(session, Person, "phone", data.phone) if data.phone else []:
        note(person, _("teléfono (exacto)"))
    match = DuplicateMatch(index=index, candidate_ids=[str(i) for i in found])
    if not found:
        return match
    visible_ids = set(session.scalars(
        scoped(select(Person.id).where(Person.id.in_(list(found))), Person, actor)))
    for person_id, person in found.items():
        if person_id in visible_ids:
            match.visible.append((person, reasons[person_id]))
        else:
            match.hidden += 1
    return match


def check_duplicates(session: Session, actor: Principal, people: list[PersonData], reason: str | None,
                      exclude: uuid.UUID | None = None) -> list[DuplicateMatch]:
    matches = [m for i, p in enumerate(people) if (m := find_similar(session, actor, p, i, exclude)).candidate_ids]
    if matches and not (reason or "").strip():
        raise DuplicatesFound(matches)
    return matches


def keep_override(session: Session, actor: Principal, person: Person, match: DuplicateMatch, reason: str) -> None:
    override = DuplicateOverride(id=uuid.uuid4(), person_id=person.id, candidate_ids=match.candidate_ids,
                                 created_by_id=actor.id)
    override.reason = reason.strip()
    session.add(override)
    audit.record_change(session, actor, Action.DUPLICATE_OVERRIDE, "person", person.id, fields=["reason"],
                        state_code=person.state_code, candidate_ids=match.candidate_ids)
