"""Registry tables: persons, households and their membership history, events, communities, consent."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Uuid, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dfi_casos.catalogs.enums import (
    AgeGroup,
    ConsentMethod,
    ConsentScope,
    DisplacementCause,
    EventType,
    ObjectionUse,
    RegisteredSex,
    RelationshipToHead,
)
from dfi_casos.database import Base, UTCDateTime, enum_column, new_uuid, utcnow
from dfi_casos.institutions.models import Institution
from dfi_casos.security.fields import BlindIndex, CompositeBlindIndex, Encrypted
from dfi_casos.security.names import person_name_tokens
from dfi_casos.security.normalize import normalize_curp, normalize_full_name_dob, normalize_phone
from dfi_casos.security.tokens import TokenIndex


def _owner_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("user_account.id"), index=True)


class Household(Base):
    """A household (hogar): its members come and go through HouseholdMembership."""

    __tablename__ = "household"
    # Lists page through one territory newest first: this index serves them at a million records.
    __table_args__ = (Index("ix_household_state_created", "state_code", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    #: Territory of attention (INEGI state key): what scope.scoped filters on.
    state_code: Mapped[str] = mapped_column(String(2), index=True)
    #: Current municipality (INEGI cve_geo, 5 digits).
    municipality_code: Mapped[str | None] = mapped_column(String(5), index=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("displacement_event.id"), index=True)
    community_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("community.id"), index=True)
    #: Free-text notes about the household's situation.
    notes = Encrypted()
    registered_by_id: Mapped[int] = _owner_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Set when this record was merged into another: a tombstone that redirects there. Only the
    #: tombstones are indexed (ix_person_merged): nearly every row is NULL, and a full index would
    #: tempt the planner to start a search from it.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("household.id"))

    memberships: Mapped[list[HouseholdMembership]] = relationship(
        back_populates="household", order_by="HouseholdMembership.id")
    event: Mapped[DisplacementEvent | None] = relationship()
    community: Mapped[Community | None] = relationship(back_populates="households")

    __mapper_args__ = {"version_id_col": version}

    @property
    def visible_memberships(self) -> list[HouseholdMembership]:
        """Memberships of persons who are not blocked: a blocked person vanishes from the household's screens."""
        return [m for m in self.memberships if m.person.blocked_at is None]

    @property
    def current_memberships(self) -> list[HouseholdMembership]:
        return [m for m in self.visible_memberships if m.left_on is None]

    @property
    def size(self) -> int:
        """Members present and absent (separated) who still belong to the household."""
        return len(self.current_memberships)

    @property
    def head(self) -> Person | None:
        """The current head of household (jefa o jefe), if one is recorded."""
        return next((m.person for m in self.current_memberships
                     if m.relationship_to_head == RelationshipToHead.HEAD), None)


class Person(Base):
    """A displaced person (or one at risk). Sensitive fields are encrypted; see DOMAIN.md."""

    __tablename__ = "person"
    # Lists page through one territory newest first: this index serves them at a million records.
    # The few blocked and merged persons, each set in a partial index: "every case but those of a
    # blocked person" and "name candidates but tombstones" read them, not the whole table.
    __table_args__ = (Index("ix_person_state_created", "state_code", "created_at"),
                      Index("ix_person_blocked", "id", postgresql_where=text("blocked_at IS NOT NULL"),
                            sqlite_where=text("blocked_at IS NOT NULL")),
                      Index("ix_person_merged", "id", postgresql_where=text("merged_into_id IS NOT NULL"),
                            sqlite_where=text("merged_into_id IS NOT NULL")))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    given_names = Encrypted()
    first_surname = Encrypted()
    second_surname = Encrypted()
    #: Other names used, alias.
    aliases = Encrypted()
    curp = Encrypted(blind_index=BlindIndex("curp", normalize_curp))
    birth_date = Encrypted(date)
    #: When the date of birth is unknown: an estimated age at registration.
    estimated_age: Mapped[int | None] = mapped_column(Integer)
    birth_date_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Age band at registration, written by the services from the date of birth (or the estimated age) so
    #: that reports group by age without decrypting; NULL: no date. What it reveals: docs/reports.md.
    age_group: Mapped[AgeGroup | None] = mapped_column(enum_column(AgeGroup))
    registered_sex: Mapped[RegisteredSex] = mapped_column(enum_column(RegisteredSex), default=RegisteredSex.UNKNOWN)
    #: Self-declared, optional.
    gender_identity = Encrypted()
    #: State of birth (INEGI key); "NE" abroad.
    birth_state_code: Mapped[str | None] = mapped_column(String(2))
    nationality: Mapped[str | None] = mapped_column(String(60))
    indigenous: Mapped[bool | None] = mapped_column(Boolean)
    #: INALI grouping codes ("01".."68").
    indigenous_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    speaks_spanish: Mapped[bool | None] = mapped_column(Boolean)
    afro_mexican: Mapped[bool | None] = mapped_column(Boolean)
    #: Washington Group short set: {domain value: level value}.
    disability: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    phone = Encrypted(blind_index=BlindIndex("phone", normalize_phone))
    address = Encrypted()
    #: Current locality: municipality (INEGI cve_geo) of the current residence.
    municipality_code: Mapped[str | None] = mapped_column(String(5), index=True)
    safe_contact_channel = Encrypted()
    may_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    #: DocumentType values.
    documents_held: Mapped[list[str]] = mapped_column(JSON, default=list)
    documents_lost: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: ProtectionRisk values: encrypted because the list itself endangers the person.
    protection_risks = Encrypted(list)
    #: SpecificNeed values.
    specific_needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    name_dob_bidx = CompositeBlindIndex(
        "name_dob", ("given_names", "first_surname", "second_surname", "birth_date"), normalize_full_name_dob)
    #: Territory of attention, copied from the household by the services (for scoping).
    state_code: Mapped[str] = mapped_column(String(2), index=True)
    registered_by_id: Mapped[int] = _owner_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Set when this record was merged into another: a tombstone that redirects there. Only the
    #: tombstones are indexed (ix_person_merged): nearly every row is NULL, and a full index would
    #: tempt the planner to start a search from it.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    #: Blocked (bloqueo, after an ARCO cancellation or by retention): kept encrypted for the legal period,
    #: absent from every ordinary screen, search, list, statistic and export (scope/rules.py). Nearly always NULL.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Deleted (supresión): the encrypted values are gone; the row is a tombstone for history and counts.
    suppressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A legal hold (a proceeding needs the record): retention never blocks nor deletes it.
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    memberships: Mapped[list[HouseholdMembership]] = relationship(
        back_populates="person", order_by="HouseholdMembership.id")
    consents: Mapped[list[Consent]] = relationship(back_populates="person", order_by="Consent.taken_on")

    __mapper_args__ = {"version_id_col": version}

    @property
    def current_membership(self) -> HouseholdMembership | None:
        return next((m for m in self.memberships if m.left_on is None), None)

    def full_name(self) -> str:
        """Decrypts three fields: call it only where the name is shown."""
        return " ".join(p for p in (self.given_names, self.first_surname, self.second_surname) if p)


class PersonNameToken(Base):
    """One token of a person's name index: a truncated HMAC, never a name (see security/tokens.py)."""

    __tablename__ = "person_name_token"
    # Lookups go token -> persons; the covering index answers them without touching the table.
    __table_args__ = (Index("ix_person_name_token_token", "token", "person_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    #: HMAC-SHA256 of a token string (given name + surname, both surnames, surname + birth year), truncated.
    token: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


#: Name search without decrypting the table: written on every flush that changes a name or birth date.
PERSON_NAME_TOKENS = TokenIndex(
    "name", Person, PersonNameToken.__table__,  # type: ignore[arg-type]
    inputs=("given_names", "first_surname", "second_surname", "birth_date"), tokenize=person_name_tokens,
    owner_column="person_id")


class HouseholdMembership(Base):
    """A person's stay in a household; a row with `left_on` is history (separation, reunification)."""

    __tablename__ = "household_membership"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    relationship_to_head: Mapped[RelationshipToHead] = mapped_column(enum_column(RelationshipToHead))
    #: False when separated: an absent member still counts in the household's size.
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    #: Why the person left: "separation", "moved", "death", "error", ... (no personal detail).
    left_reason: Mapped[str | None] = mapped_column(String(40))
    recorded_by_id: Mapped[int] = _owner_fk()

    household: Mapped[Household] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships")


#: Which events a community lived through.
community_event = Table(
    "community_event",
    Base.metadata,
    Column("community_id", ForeignKey("community.id"), primary_key=True),
    Column("event_id", ForeignKey("displacement_event.id"), primary_key=True),
)


class DisplacementEvent(Base):
    """A displacement: massive (many households together) or individual/family ("gota a gota")."""

    __tablename__ = "displacement_event"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    event_type: Mapped[EventType] = mapped_column(enum_column(EventType), index=True)
    started_on: Mapped[date] = mapped_column(Date, index=True)
    #: End of the period, when the displacement lasted more than a day.
    ended_on: Mapped[date | None] = mapped_column(Date)
    origin_state_code: Mapped[str] = mapped_column(String(2), index=True)
    origin_municipality_code: Mapped[str | None] = mapped_column(String(5), index=True)
    #: Locality name, and its INEGI code when known (4 more digits).
    origin_locality: Mapped[str | None] = mapped_column(String(200))
    origin_locality_code: Mapped[str | None] = mapped_column(String(9))
    #: The "otra" cause, specified.
    cause_other: Mapped[str | None] = mapped_column(String(200))
    estimated_households: Mapped[int | None] = mapped_column(Integer)
    estimated_persons: Mapped[int | None] = mapped_column(Integer)
    #: Testimony of what happened.
    narrative = Encrypted()
    destination_state_code: Mapped[str | None] = mapped_column(String(2))
    destination_municipality_code: Mapped[str | None] = mapped_column(String(5))
    #: Territory of attention.
    state_code: Mapped[str] = mapped_column(String(2), index=True)
    registered_by_id: Mapped[int] = _owner_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    communities: Mapped[list[Community]] = relationship(secondary=community_event, back_populates="events")

    __mapper_args__ = {"version_id_col": version}

    cause_rows: Mapped[list[EventCause]] = relationship(cascade="all, delete-orphan")

    @property
    def causes(self) -> list[DisplacementCause]:
        return [row.cause for row in self.cause_rows]

    @causes.setter
    def causes(self, values: list[DisplacementCause]) -> None:
        wanted = list(dict.fromkeys(DisplacementCause(v) for v in values))
        self.cause_rows = [row for row in self.cause_rows if row.cause in wanted] + [
            EventCause(cause=c) for c in wanted if c not in {row.cause for row in self.cause_rows}]


class EventCause(Base):
    """One cause of an event: a table (not a list column) so lists filter on it on both databases."""

    __tablename__ = "displacement_event_cause"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("displacement_event.id"), primary_key=True)
    cause: Mapped[DisplacementCause] = mapped_column(enum_column(DisplacementCause), primary_key=True)


class Community(Base):
    """A group displaced together or at risk: a locality, an ejido, an indigenous community."""

    __tablename__ = "community"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200))
    #: "locality", "ejido", "indigenous_community", "other".
    kind: Mapped[str] = mapped_column(String(40))
    municipality_code: Mapped[str | None] = mapped_column(String(5), index=True)
    locality: Mapped[str | None] = mapped_column(String(200))
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    indigenous: Mapped[bool] = mapped_column(Boolean, default=False)
    estimated_households: Mapped[int | None] = mapped_column(Integer)
    estimated_persons: Mapped[int | None] = mapped_column(Integer)
    #: Collective measures and situation (security guarantees, relocation talks).
    notes = Encrypted()
    state_code: Mapped[str] = mapped_column(String(2), index=True)
    registered_by_id: Mapped[int] = _owner_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    events: Mapped[list[DisplacementEvent]] = relationship(secondary=community_event, back_populates="communities")
    households: Mapped[list[Household]] = relationship(back_populates="community")

    __mapper_args__ = {"version_id_col": version}


class Consent(Base):
    """Informed consent given by a person for one scope; withdrawal ends it."""

    __tablename__ = "consent"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    scope: Mapped[ConsentScope] = mapped_column(enum_column(ConsentScope))
    #: The named institution, for the sharing scope.
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"), index=True)
    method: Mapped[ConsentMethod] = mapped_column(enum_column(ConsentMethod))
    #: Name of the witness of a verbal consent.
    witness_name = Encrypted()
    taken_on: Mapped[date] = mapped_column(Date)
    taken_by_id: Mapped[int] = _owner_fk()
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    #: Copied from the person for scoping.
    state_code: Mapped[str] = mapped_column(String(2), index=True)
    registered_by_id: Mapped[int] = _owner_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship(back_populates="consents")
    institution: Mapped[Institution | None] = relationship()

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


class Objection(Base):
    """The person objects to one use of their data (oposición): statistics, or referrals to a named institution.

    Checked where the use happens, as consent is: reports leave the person out, referrals are refused.
    """

    __tablename__ = "objection"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    use: Mapped[ObjectionUse] = mapped_column(enum_column(ObjectionUse))
    #: For referrals: the institution objected to.
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    #: The opposition request that recorded it.
    arco_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("arco_request.id"), index=True)
    recorded_on: Mapped[date] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    state_code: Mapped[str] = mapped_column(String(2), index=True)
    registered_by_id: Mapped[int] = _owner_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    institution: Mapped[Institution | None] = relationship()


class DuplicateOverride(Base):
    """A caseworker saved a person despite a duplicate warning: the reason is kept (encrypted)."""

    __tablename__ = "duplicate_override"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    reason = Encrypted()
    #: Ids of the candidate persons the warning listed (visible or not).
    candidate_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = _owner_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecordChange(Base):
    """Which fields of a record changed at each version, and who changed them: names, never values."""

    __tablename__ = "record_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    #: The record's version after this change.
    version: Mapped[int] = mapped_column(Integer)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    changed_by_id: Mapped[int] = _owner_fk()
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecordMerge(Base):
    """Two records of one person (or household) made one: what moved, so a second supervisor can undo it."""

    __tablename__ = "record_merge"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    #: "person" or "household".
    record_type: Mapped[str] = mapped_column(String(20))
    survivor_id: Mapped[str] = mapped_column(String(64), index=True)
    absorbed_id: Mapped[str] = mapped_column(String(64), index=True)
    reason = Encrypted()
    #: The survivor's values before the merge, for an undo: [[field, value], ...] (encrypted).
    survivor_before = Encrypted(list)
    #: Field names whose value was taken from the absorbed record (names, never values).
    fields_taken: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Rows re-pointed to the survivor, per table: {"consent": [ids], ...}.
    moved: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    #: The survivor's version right after the merge: an undo needs it unchanged since.
    survivor_version: Mapped[int] = mapped_column(Integer)
    merged_by_id: Mapped[int] = _owner_fk()
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state_code: Mapped[str] = mapped_column(String(2), index=True)
