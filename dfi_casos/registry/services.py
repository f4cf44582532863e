"""The registry's services, one module per concern; this module names them all for views and other features.

- `registry.data`: what forms carry (PersonData, HouseholdData, ...) and field labels;
- `registry.rules`: RegistryError, territory and field checks, edit history, optimistic locking;
- `registry.duplicates`: possible duplicates and the reasons kept when saving anyway;
- `registry.persons`: persons and households, members joining and leaving;
- `registry.events_communities`: displacement events and communities;
- `registry.consent`: consents and whether data may be shared;
- `registry.search`: lists and exact search.
Institutions have their own package, `dfi_casos.institutions`. Loaders are `scope.get_<thing>_for`.
"""
from __future__ import annotations

from dfi_casos.errors import EditConflict
from dfi_casos.registry.consent import has_consent_to_share, record_consent, withdraw_consent
from dfi_casos.registry.data import (
    COMMUNITY_FIELDS,
    EVENT_FIELDS,
    PERSON_FIELD_LABELS,
    PERSON_FIELDS,
    CommunityData,
    ConsentData,
    EventData,
    HouseholdData,
    MemberData,
    PersonData,
)
from dfi_casos.registry.duplicates import (
    OUT_OF_SCOPE_NOTICE,
    DuplicateMatch,
    DuplicatesFound,
    find_similar,
)
from dfi_casos.registry.events_communities import (
    COMMUNITY_KINDS,
    COMMUNITY_LABELS,
    EVENT_LABELS,
    is_mass_event,
    register_community,
    register_event,
    update_community,
    update_event,
    visible_communities,
    visible_events,
    visible_households,
)
from dfi_casos.registry.persons import (
    IDENTITY_FIELDS,
    LEAVE_REASONS,
    add_member,
    end_membership,
    move_to_household,
    register_household,
    register_person,
    update_household,
    update_membership,
    update_person,
)
from dfi_casos.registry.rules import ChangeSummary, RegistryError, changes_since, edit_conflict, municipalities
from dfi_casos.registry.search import (
    SEARCH_KINDS,
    SEARCH_LIMIT,
    SEARCH_RESULT_FIELDS,
    Filters,
    SearchTerms,
    list_communities,
    list_events,
    list_households,
    list_persons,
    search_persons,
)

__all__ = [
    "COMMUNITY_FIELDS", "COMMUNITY_KINDS", "COMMUNITY_LABELS", "EVENT_FIELDS", "EVENT_LABELS", "IDENTITY_FIELDS",
    "LEAVE_REASONS", "OUT_OF_SCOPE_NOTICE", "PERSON_FIELDS", "PERSON_FIELD_LABELS", "SEARCH_KINDS", "SEARCH_LIMIT",
    "SEARCH_RESULT_FIELDS", "ChangeSummary", "CommunityData", "ConsentData", "DuplicateMatch", "DuplicatesFound",
    "EditConflict", "EventData", "Filters", "HouseholdData", "MemberData", "PersonData", "RegistryError",
    "SearchTerms", "add_member", "changes_since", "edit_conflict", "end_membership", "find_similar",
    "has_consent_to_share", "is_mass_event", "list_communities", "list_events", "list_households", "list_persons",
    "move_to_household", "municipalities", "record_consent", "register_community", "register_event",
    "register_household", "register_person", "search_persons", "update_community", "update_event",
    "update_household", "update_membership", "update_person", "visible_communities", "visible_events",
    "visible_households", "withdraw_consent",
]
from dfi_casos.registry.name_search import similar_persons
from dfi_casos.scope import can_edit_institution, parse_uuid, scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory
from dfi_casos.security.audit import Action
from dfi_casos.security.fields import find_by_blind_index

#: What the caseworker reads when a similar record lies outside their scope: nothing more.
OUT_OF_SCOPE_NOTICE = "Hay un registro similar en otro territorio; consulte a su supervisor(a)."


# --- errors ---------------------------------------------------------------------------------

class RegistryError(DomainError):
    """A registry rule refused the operation; the message is Spanish, `field` names the form field at fault."""


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
        super().__init__("Hay registros similares. Revíselos; para guardar de todos modos, escriba el motivo.",
                         "duplicate_reason")
        self.matches = matches


@dataclass(frozen=True)
class ChangeSummary:
    """One later save of a record: which fields, by whom, when (never the values)."""

    version: int
    fields: list[str]
    username: str
    changed_at: Any


def edit_conflict(changes: list[ChangeSummary], labels: dict[str, str]) -> EditConflict:
    """The EditConflict for a registry record, naming the later saves (fields and who, never values)."""
    parts = []
    for change in changes:
        names = ", ".join(labels.get(f, f) for f in change.fields) or "sin campos registrados"
        parts.append(f"{change.username} cambió: {names}")
    detail = "; ".join(parts) if parts else "no se pudo determinar qué cambió"
    return EditConflict(
        "Otra persona modificó este registro mientras usted lo editaba; no se guardaron sus cambios. "
        f"Cambios posteriores: {detail}. Recargue la página para ver la versión actual.", changes=changes)


# --- data carried from forms -----------------------------------------------------------------

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
    "given_names": "nombre(s)", "first_surname": "primer apellido", "second_surname": "segundo apellido",
    "aliases": "otros nombres", "curp": "CURP", "birth_date": "fecha de nacimiento",
    "birth_date_estimated": "fecha estimada", "estimated_age": "edad estimada", "registered_sex": "sexo",
    "gender_identity": "identidad de género", "birth_state_code": "entidad de nacimiento",
    "nationality": "nacionalidad", "indigenous": "autoadscripción indígena",
    "indigenous_languages": "lenguas indígenas", "speaks_spanish": "habla español",
    "afro_mexican": "autoadscripción afromexicana", "disability": "discapacidad", "phone": "teléfono",
    "address": "domicilio", "municipality_code": "municipio", "safe_contact_channel": "medio de contacto seguro",
    "may_contact": "autoriza contacto", "documents_held": "documentos con que cuenta",
    "documents_lost": "documentos perdidos", "protection_risks": "riesgos de protección",
    "specific_needs": "necesidades específicas", "state_code": "entidad", "notes": "notas",
    "event_id": "evento", "community_id": "comunidad",
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


# --- shared rules ----------------------------------------------------------------------------

def municipalities() -> MunicipalityCatalog:
    """The app's municipality catalog (loaded once in create_app)."""
    catalog: MunicipalityCatalog = current_app.extensions["municipalities"]
    return catalog


def _require(actor: Principal, permission: Permission) -> None:
    if not has_permission(actor, permission):
        raise RegistryError("No tiene permiso para realizar esta acción.")


def _check_territory(actor: Principal, state_code: str, field_name: str = "state_code") -> None:
    if state_by_code(state_code) is None:
        raise RegistryError("Elija una entidad federativa válida.", field_name)
    if not in_territory(actor, state_code):
        raise RegistryError("Solo puede registrar en las entidades de su adscripción.", field_name)


def _check_municipality(municipality_code: str | None, state_code: str | None, field_name: str) -> None:
    if municipality_code and not (state_code and municipalities().belongs_to(municipality_code, state_code)):
        raise RegistryError("El municipio no pertenece a la entidad elegida.", field_name)


def _check_person(data: PersonData, state_code: str, prefix: str = "") -> None:
    if not data.given_names.strip() or not data.first_surname.strip():
        raise RegistryError("Escriba el nombre y el primer apellido.", prefix + "given_names")
    if data.birth_date is not None and data.birth_date > local_today():
        raise RegistryError("La fecha de nacimiento no puede ser posterior a hoy.", prefix + "birth_date")
    if data.curp:
        try:
            validate_curp(data.curp)
        except CurpInvalida as exc:
            raise RegistryError(str(exc), prefix + "curp") from None
    _check_municipality(data.municipality_code, state_code, prefix + "municipality_code")


def _apply(record: Any, values: dict[str, Any]) -> list[str]:
    """Set each attribute that differs; the names of those that changed."""
    changed = []
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


def _person_values(data: PersonData) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in PERSON_FIELDS}
    if values["curp"]:
        values["curp"] = validate_curp(values["curp"]).curp
    # Encrypted list fields take a list; an empty one is stored as nothing.
    values["protection_risks"] = list(data.protection_risks) or None
    for name in ("second_surname", "aliases", "curp", "gender_identity", "phone", "address",
                 "safe_contact_channel"):
        values[name] = (values[name] or "").strip() or None
    values["given_names"] = data.given_names.strip()
    values["first_surname"] = data.first_surname.strip()
    return values


def _filled(values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if value not in (None, "", [], {}, False)]


def _record_change(session: Session, actor: Principal, record_type: str, record: Any, fields: list[str]) -> None:
    session.add(RecordChange(record_type=record_type, record_id=str(record.id), version=record.version,
                             fields=fields, changed_by_id=actor.id))


def _flush_or_conflict(session: Session, record_type: str, record: Any, since: int, labels: dict[str, str]) -> None:
    try:
        session.flush()
    except StaleDataError:
        # A concurrent save slipped in between our read and our write. The session is unusable
        # until the request rolls back, so the message cannot list the changes this time.
        raise edit_conflict([], labels) from None


def changes_since(session: Session, record_type: str, record_id: Any, version: int) -> list[ChangeSummary]:
    """The saves of a record after `version`, oldest first: field names and who, never values."""
    rows = session.execute(
        select(RecordChange, User.username)
        .join(User, User.id == RecordChange.changed_by_id)
        .where(RecordChange.record_type == record_type, RecordChange.record_id == str(record_id),
               RecordChange.version > version)
        .order_by(RecordChange.version)
    ).all()
    return [ChangeSummary(row.RecordChange.version, list(row.RecordChange.fields), row.username,
                          row.RecordChange.changed_at) for row in rows]


def _check_version(session: Session, record_type: str, record: Any, expected: int,
                   labels: dict[str, str]) -> None:
    if record.version != expected:
        raise edit_conflict(changes_since(session, record_type, record.id, expected), labels)


# --- records chosen in a form ----------------------------------------------------------------

def _visible_or_none(session: Session, actor: Principal, model: Any, record_id: uuid.UUID | None,
                     field_name: str) -> Any:
    if record_id is None:
        return None
    found = session.scalars(scoped(select(model).where(model.id == record_id), model, actor)).first()
    if found is None:
        raise RegistryError("El registro elegido no existe o no está a su alcance.", field_name)
    return found


# --- duplicates ------------------------------------------------------------------------------

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
        if person.id != exclude and person.merged_into_id is None:  # a tombstone is no duplicate
            found[person.id] = person
            reasons.setdefault(person.id, []).append(reason)

    # Strongest first: the exact CURP, then the name as it sounds with the birth date, then the phone.
    for person in find_by_blind_index(session, Person, "curp", data.curp) if data.curp else []:
        note(person, "CURP (exacta)")
    for person, how in similar_persons(session, data.given_names, data.first_surname, data.second_surname,
                                       data.birth_date, exclude):
        note(person, how)
    for person in find_by_blind_index(session, Person, "phone", data.phone) if data.phone else []:
        note(person, "teléfono (exacto)")
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


def _check_duplicates(session: Session, actor: Principal, people: list[PersonData], reason: str | None,
                      exclude: uuid.UUID | None = None) -> list[DuplicateMatch]:
    matches = [m for i, p in enumerate(people) if (m := find_similar(session, actor, p, i, exclude)).candidate_ids]
    if matches and not (reason or "").strip():
        raise DuplicatesFound(matches)
    return matches


def _keep_override(session: Session, actor: Principal, person: Person, match: DuplicateMatch, reason: str) -> None:
    override = DuplicateOverride(id=uuid.uuid4(), person_id=person.id, candidate_ids=match.candidate_ids,
                                 created_by_id=actor.id)
    override.reason = reason.strip()
    session.add(override)
    audit.record_change(session, actor, Action.DUPLICATE_OVERRIDE, "person", person.id, fields=["reason"],
                        state_code=person.state_code, candidate_ids=match.candidate_ids)


# --- persons and households ------------------------------------------------------------------

def _new_person(session: Session, actor: Principal, data: PersonData, state_code: str) -> Person:
    person = Person(id=uuid.uuid4(), state_code=state_code, registered_by_id=actor.id)
    values = _person_values(data)
    for name, value in values.items():
        setattr(person, name, value)
    session.add(person)
    audit.record_change(session, actor, Action.CREATE, "person", person.id, fields=_filled(values),
                        state_code=state_code)
    return person


def register_person(session: Session, actor: Principal, data: PersonData, state_code: str,
                    duplicate_reason: str | None = None) -> Person:
    """Register a person alone (no household). Raises RegistryError or DuplicatesFound."""
    _require(actor, Permission.REGISTER)
    _check_territory(actor, state_code)
    _check_person(data, state_code)
    matches = _check_duplicates(session, actor, [data], duplicate_reason)
    person = _new_person(session, actor, data, state_code)
    session.flush()
    for match in matches:
        _keep_override(session, actor, person, match, duplicate_reason or "")
    session.flush()
    return person


def register_household(session: Session, actor: Principal, data: HouseholdData,
                       duplicate_reason: str | None = None) -> Household:
    """Register a household and its members in one go. Raises RegistryError or DuplicatesFound."""
    _require(actor, Permission.REGISTER)
    _check_territory(actor, data.state_code)
    _check_municipality(data.municipality_code, data.state_code, "municipality_code")
    if not data.members:
        raise RegistryError("Agregue al menos un integrante.", "members")
    heads = [m for m in data.members if m.relationship == RelationshipToHead.HEAD]
    if len(heads) != 1:
        raise RegistryError("El hogar debe tener exactamente una jefa o jefe de hogar.", "members")
    for i, member in enumerate(data.members):
        _check_person(member.person, data.state_code, f"members-{i}-")
    event = _visible_or_none(session, actor, DisplacementEvent, data.event_id, "event_id")
    community = _visible_or_none(session, actor, Community, data.community_id, "community_id")
    matches = _check_duplicates(session, actor, [m.person for m in data.members], duplicate_reason)

    household = Household(id=uuid.uuid4(), state_code=data.state_code, municipality_code=data.municipality_code,
                          event_id=event.id if event else None, community_id=community.id if community else None,
                          registered_by_id=actor.id)
    household.notes = (data.notes or "").strip() or None
    session.add(household)
    audit.record_change(session, actor, Action.CREATE, "household", household.id,
                        fields=_filled({"municipality_code": data.municipality_code, "notes": data.notes,
                                        "event_id": data.event_id, "community_id": data.community_id}),
                        state_code=household.state_code, members=len(data.members))
    for member in data.members:
        # members live where the household lives unless the form says otherwise
        member.person.municipality_code = member.person.municipality_code or data.municipality_code
    people = [_new_person(session, actor, m.person, data.state_code) for m in data.members]
    session.flush()
    for member, person in zip(data.members, people, strict=True):
        _join(session, household, person, member, actor)
    for match in matches:
        _keep_override(session, actor, people[match.index], match, duplicate_reason or "")
    session.flush()
    return household


def _join(session: Session, household: Household, person: Person, member: MemberData, actor: Principal) -> None:
    # through both relationships, so objects already loaded in this session see the new row
    with session.no_autoflush:
        membership = HouseholdMembership(household=household, person=person,
                                         relationship_to_head=member.relationship, present=member.present,
                                         joined_on=local_today(), recorded_by_id=actor.id)
    session.add(membership)


#: Fields a duplicate lookup reads: an edit touching one of them is checked like a registration.
IDENTITY_FIELDS = frozenset({"given_names", "first_surname", "second_surname", "birth_date", "curp", "phone"})


def update_person(session: Session, actor: Principal, person: Person, data: PersonData, expected_version: int,
                  duplicate_reason: str | None = None) -> list[str]:
    """Save an edit made on the form opened at `expected_version`; the changed field names.

    Refuses (EditConflict) when someone saved the person since; nothing is overwritten. An edit
    that makes the person look like another record raises DuplicatesFound unless a reason is given.
    """
    _require(actor, Permission.EDIT_RECORDS)
    _check_version(session, "person", person, expected_version, PERSON_FIELD_LABELS)
    _check_person(data, person.state_code)
    values = _person_values(data)
    identity_changed = any(getattr(person, name) != values[name] for name in IDENTITY_FIELDS)
    matches = _check_duplicates(session, actor, [data], duplicate_reason, exclude=person.id) \
        if identity_changed else []
    changed = _apply(person, values)
    for match in matches:
        _keep_override(session, actor, person, match, duplicate_reason or "")
    if changed:
        _flush_or_conflict(session, "person", person, expected_version, PERSON_FIELD_LABELS)
        _record_change(session, actor, "person", person, changed)
        audit.record_change(session, actor, Action.UPDATE, "person", person.id, fields=changed,
                            state_code=person.state_code)
        session.flush()
    return changed


def update_household(session: Session, actor: Principal, household: Household, data: HouseholdData,
                     expected_version: int) -> list[str]:
    """Save the household's own fields (not its members); persons follow its territory."""
    _require(actor, Permission.EDIT_RECORDS)
    _check_version(session, "household", household, expected_version, PERSON_FIELD_LABELS)
    _check_territory(actor, data.state_code)
    _check_municipality(data.municipality_code, data.state_code, "municipality_code")
    event = _visible_or_none(session, actor, DisplacementEvent, data.event_id, "event_id")
    community = _visible_or_none(session, actor, Community, data.community_id, "community_id")
    changed = _apply(household, {
        "state_code": data.state_code, "municipality_code": data.municipality_code,
        "event_id": event.id if event else None, "community_id": community.id if community else None,
        "notes": (data.notes or "").strip() or None,
    })
    if "state_code" in changed:
        for membership in household.current_memberships:
            membership.person.state_code = data.state_code
    if changed:
        _flush_or_conflict(session, "household", household, expected_version, PERSON_FIELD_LABELS)
        _record_change(session, actor, "household", household, changed)
        audit.record_change(session, actor, Action.UPDATE, "household", household.id, fields=changed,
                            state_code=household.state_code)
        session.flush()
    return changed


def add_member(session: Session, actor: Principal, household: Household, member: MemberData,
               duplicate_reason: str | None = None) -> Person:
    """Register a new person into an existing household (a birth, a reunification)."""
    _require(actor, Permission.REGISTER)
    _check_person(member.person, household.state_code)
    if member.relationship == RelationshipToHead.HEAD and any(
            m.relationship_to_head == RelationshipToHead.HEAD for m in household.current_memberships):
        raise RegistryError("El hogar ya tiene jefa o jefe de hogar.", "relationship")
    matches = _check_duplicates(session, actor, [member.person], duplicate_reason)
    person = _new_person(session, actor, member.person, household.state_code)
    session.flush()
    _join(session, household, person, member, actor)
    for match in matches:
        _keep_override(session, actor, person, match, duplicate_reason or "")
    audit.record_change(session, actor, Action.MEMBER_JOINED, "household", household.id,
                        state_code=household.state_code, person_id=str(person.id))
    session.flush()
    return person


def move_to_household(session: Session, actor: Principal, person: Person, household: Household,
                      relationship: RelationshipToHead, on_date: date | None = None) -> HouseholdMembership:
    """A registered person joins another household (reunification, a new union); the old stay is kept.

    A person belongs to one household at a time: the current membership, if any, ends the same day.
    """
    _require(actor, Permission.EDIT_RECORDS)
    on_date = on_date or local_today()
    current = person.current_membership
    if current is not None and current.household_id == household.id:
        raise RegistryError("La persona ya es integrante de este hogar.", "person_id")
    if relationship == RelationshipToHead.HEAD and any(
            m.relationship_to_head == RelationshipToHead.HEAD for m in household.current_memberships):
        raise RegistryError("El hogar ya tiene jefa o jefe de hogar.", "relationship")
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
    _require(actor, Permission.EDIT_RECORDS)
    parsed = parse_uuid(person_id)
    membership = next((m for m in household.current_memberships if m.person_id == parsed), None)
    if membership is None:
        raise RegistryError("La persona no es integrante actual de este hogar.", "person_id")
    if relationship == RelationshipToHead.HEAD and any(
            m.relationship_to_head == RelationshipToHead.HEAD and m is not membership
            for m in household.current_memberships):
        raise RegistryError("El hogar ya tiene jefa o jefe de hogar.", "relationship")
    changed = _apply(membership, {"relationship_to_head": relationship, "present": present})
    if changed:
        audit.record_change(session, actor, Action.MEMBERSHIP_CHANGED, "household", household.id, fields=changed,
                            state_code=household.state_code, person_id=str(membership.person_id))
        session.flush()
    return changed


#: Why a member left the household (stored value, Spanish label).
LEAVE_REASONS = {
    "separation": "Separación",
    "moved_out": "Formó otro hogar o se mudó",
    "death": "Fallecimiento",
    "error": "Registro por error",
}


def end_membership(session: Session, actor: Principal, household: Household, person_id: Any, reason: str,
                   on_date: date | None = None) -> HouseholdMembership:
    """Record that a member left; the row stays as history."""
    _require(actor, Permission.EDIT_RECORDS)
    if reason not in LEAVE_REASONS:
        raise RegistryError("Elija el motivo de la salida.", "reason")
    on_date = on_date or local_today()
    if on_date > local_today():
        raise RegistryError("La fecha no puede ser posterior a hoy.", "left_on")
    parsed = parse_uuid(person_id)
    membership = next((m for m in household.current_memberships if m.person_id == parsed), None)
    if membership is None:
        raise RegistryError("La persona no es integrante actual de este hogar.", "person_id")
    membership.left_on, membership.left_reason = on_date, reason
    audit.record_change(session, actor, Action.MEMBER_LEFT, "household", household.id,
                        state_code=household.state_code, person_id=str(membership.person_id), reason=reason)
    session.flush()
    return membership


# --- events and communities ------------------------------------------------------------------

def _check_event(actor: Principal, data: EventData) -> None:
    _check_territory(actor, data.state_code)
    if state_by_code(data.origin_state_code) is None:
        raise RegistryError("Elija la entidad de origen.", "origin_state_code")
    _check_municipality(data.origin_municipality_code, data.origin_state_code, "origin_municipality_code")
    _check_municipality(data.destination_municipality_code, data.destination_state_code,
                        "destination_municipality_code")
    if data.started_on > local_today():
        raise RegistryError("La fecha no puede ser posterior a hoy.", "started_on")
    if data.ended_on is not None and (data.ended_on < data.started_on or data.ended_on > local_today()):
        raise RegistryError("El fin del periodo debe estar entre el inicio y hoy.", "ended_on")
    if not data.causes:
        raise RegistryError("Elija al menos una causa.", "causes")
    if DisplacementCause.OTHER in data.causes and not (data.cause_other or "").strip():
        raise RegistryError("Especifique la otra causa.", "cause_other")


def is_mass_event(households: int | None, persons: int | None) -> bool:
    """Whether the figures reach the configured threshold of a massive displacement."""
    config = current_app.config
    return (households or 0) >= config["MASS_EVENT_MIN_HOUSEHOLDS"] or (persons or 0) >= config[
        "MASS_EVENT_MIN_PERSONS"]


def _event_values(data: EventData) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in EVENT_FIELDS if name != "causes"}
    values["narrative"] = (data.narrative or "").strip() or None
    return values


def register_event(session: Session, actor: Principal, data: EventData) -> DisplacementEvent:
    """Register a displacement event (massive or individual/family)."""
    _require(actor, Permission.REGISTER)
    _check_event(actor, data)
    event = DisplacementEvent(id=uuid.uuid4(), registered_by_id=actor.id)
    values = _event_values(data)
    for name, value in values.items():
        setattr(event, name, value)
    event.causes = data.causes
    session.add(event)
    audit.record_change(session, actor, Action.CREATE, "event", event.id, fields=[*_filled(values), "causes"],
                        state_code=event.state_code)
    session.flush()
    return event


def update_event(session: Session, actor: Principal, event: DisplacementEvent, data: EventData,
                 expected_version: int) -> list[str]:
    """Save an edit of an event; EditConflict when someone saved it since the form was opened."""
    _require(actor, Permission.EDIT_RECORDS)
    _check_version(session, "event", event, expected_version, EVENT_LABELS)
    _check_event(actor, data)
    changed = _apply(event, _event_values(data))
    if sorted(event.causes) != sorted(data.causes):
        event.causes = data.causes
        changed.append("causes")
    if changed:
        if "causes" in changed and len(changed) == 1:
            # only the child table changed: bump the version explicitly so the lock sees the edit
            flag_modified(event, "state_code")
        _flush_or_conflict(session, "event", event, expected_version, EVENT_LABELS)
        _record_change(session, actor, "event", event, changed)
        audit.record_change(session, actor, Action.UPDATE, "event", event.id, fields=changed,
                            state_code=event.state_code)
        session.flush()
    return changed


EVENT_LABELS = {
    "event_type": "tipo", "started_on": "fecha", "ended_on": "fin del periodo",
    "origin_state_code": "entidad de origen",
    "origin_municipality_code": "municipio de origen", "origin_locality": "localidad de origen", "causes": "causas",
    "cause_other": "otra causa", "estimated_households": "familias estimadas",
    "estimated_persons": "personas estimadas", "narrative": "relato", "destination_state_code": "entidad de destino",
    "destination_municipality_code": "municipio de destino", "state_code": "entidad de atención",
}

COMMUNITY_KINDS = {
    "locality": "Localidad",
    "ejido": "Ejido o comunidad agraria",
    "indigenous_community": "Comunidad indígena",
    "other": "Otro grupo",
}

COMMUNITY_LABELS = {
    "name": "nombre", "kind": "tipo", "state_code": "entidad", "municipality_code": "municipio",
    "locality": "localidad", "at_risk": "en riesgo", "indigenous": "indígena",
    "estimated_households": "familias estimadas", "estimated_persons": "personas estimadas", "notes": "notas",
    "events": "eventos",
}


def _check_community(actor: Principal, data: CommunityData) -> None:
    _check_territory(actor, data.state_code)
    _check_municipality(data.municipality_code, data.state_code, "municipality_code")
    if not data.name.strip():
        raise RegistryError("Escriba el nombre de la comunidad.", "name")
    if data.kind not in COMMUNITY_KINDS:
        raise RegistryError("Elija el tipo de comunidad.", "kind")


def _community_events(session: Session, actor: Principal, ids: list[uuid.UUID]) -> list[DisplacementEvent]:
    return [_visible_or_none(session, actor, DisplacementEvent, i, "event_ids") for i in dict.fromkeys(ids)]


def register_community(session: Session, actor: Principal, data: CommunityData) -> Community:
    """Register a community, linked to the events it lived through."""
    _require(actor, Permission.REGISTER)
    _check_community(actor, data)
    community = Community(id=uuid.uuid4(), registered_by_id=actor.id)
    values = {name: getattr(data, name) for name in COMMUNITY_FIELDS}
    values["notes"] = (data.notes or "").strip() or None
    values["name"] = data.name.strip()
    for name, value in values.items():
        setattr(community, name, value)
    community.events = _community_events(session, actor, data.event_ids)
    session.add(community)
    audit.record_change(session, actor, Action.CREATE, "community", community.id, fields=_filled(values),
                        state_code=community.state_code, event_ids=[str(e.id) for e in community.events])
    session.flush()
    return community


def update_community(session: Session, actor: Principal, community: Community, data: CommunityData,
                     expected_version: int) -> list[str]:
    """Save an edit of a community; EditConflict when someone saved it since."""
    _require(actor, Permission.EDIT_RECORDS)
    _check_version(session, "community", community, expected_version, COMMUNITY_LABELS)
    _check_community(actor, data)
    values = {name: getattr(data, name) for name in COMMUNITY_FIELDS}
    values["notes"] = (data.notes or "").strip() or None
    values["name"] = data.name.strip()
    changed = _apply(community, values)
    events = _community_events(session, actor, data.event_ids)
    if {e.id for e in events} != {e.id for e in community.events}:
        community.events = events
        changed.append("events")
        if len(changed) == 1:
            flag_modified(community, "name")  # a link change is still a new version
    if changed:
        _flush_or_conflict(session, "community", community, expected_version, COMMUNITY_LABELS)
        _record_change(session, actor, "community", community, changed)
        audit.record_change(session, actor, Action.UPDATE, "community", community.id, fields=changed,
                            state_code=community.state_code)
        session.flush()
    return changed


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


# --- consent ---------------------------------------------------------------------------------

def record_consent(session: Session, actor: Principal, person: Person, data: ConsentData) -> Consent:
    """Record a consent the person gave (who took it, when, how, for what)."""
    _require(actor, Permission.REGISTER)
    if data.taken_on > local_today():
        raise RegistryError("La fecha no puede ser posterior a hoy.", "taken_on")
    if data.scope == ConsentScope.SHARING_WITH_INSTITUTION:
        if data.institution_id not in {i.id for i in active_institutions(session, person.state_code)}:
            raise RegistryError("Elija la institución con la que se compartirán los datos.", "institution_id")
    if data.method == ConsentMethod.VERBAL_WITH_WITNESS and not (data.witness_name or "").strip():
        raise RegistryError("Un consentimiento verbal requiere el nombre del testigo.", "witness_name")
    consent = Consent(id=uuid.uuid4(), person_id=person.id, scope=data.scope, method=data.method,
                      taken_on=data.taken_on, taken_by_id=actor.id, state_code=person.state_code,
                      registered_by_id=actor.id,
                      institution_id=data.institution_id if data.scope == ConsentScope.SHARING_WITH_INSTITUTION
                      else None)
    consent.witness_name = (data.witness_name or "").strip() or None
    with session.no_autoflush:
        consent.person = person
    session.add(consent)
    audit.record_change(session, actor, Action.CONSENT_GIVEN, "person", person.id,
                        fields=["witness_name"] if consent.witness_name else [], state_code=person.state_code,
                        consent_id=str(consent.id), scope=data.scope.value, institution_id=consent.institution_id)
    session.flush()
    return consent


def withdraw_consent(session: Session, actor: Principal, person: Person, consent_id: Any,
                     on_date: date | None = None) -> Consent:
    """Record the withdrawal of a consent; the record stays."""
    _require(actor, Permission.EDIT_RECORDS)
    parsed = parse_uuid(consent_id)
    consent = next((c for c in person.consents if c.id == parsed), None)
    if consent is None or consent.withdrawn_on is not None:
        raise RegistryError("El consentimiento no existe o ya fue retirado.")
    on_date = on_date or local_today()
    if on_date > local_today() or on_date < consent.taken_on:
        raise RegistryError("La fecha de retiro debe estar entre la fecha del consentimiento y hoy.", "withdrawn_on")
    consent.withdrawn_on = on_date
    audit.record_change(session, actor, Action.CONSENT_WITHDRAWN, "person", person.id,
                        state_code=person.state_code, consent_id=str(consent.id))
    session.flush()
    return consent


def has_consent_to_share(session: Session, person: Person, institution_id: int) -> bool:
    """Whether the person has an unwithdrawn consent to sharing with this institution (referrals check it)."""
    found = session.scalars(select(Consent.id).where(
        Consent.person_id == person.id, Consent.scope == ConsentScope.SHARING_WITH_INSTITUTION,
        Consent.institution_id == institution_id, Consent.withdrawn_on.is_(None)).limit(1)).first()
    return found is not None


# --- institutions ----------------------------------------------------------------------------

def ensure_default_institutions(session: Session) -> int:
    """Insert the seed institutions that are missing (by code); how many were added."""
    existing = set(session.scalars(select(Institution.code)))
    added = [Institution(code=s.code, name=s.name, active=True) for s in DEFAULT_INSTITUTIONS
             if s.code not in existing]
    session.add_all(added)
    session.flush()
    return len(added)


def active_institutions(session: Session, state_code: str | None = None) -> list[Institution]:
    """Active national institutions, plus those of `state_code` when given."""
    stmt = select(Institution).where(Institution.active.is_(True))
    territory = Institution.state_code.is_(None)
    if state_code:
        territory = territory | (Institution.state_code == state_code)
    return list(session.scalars(stmt.where(territory).order_by(Institution.name)))


# --- search and lists ------------------------------------------------------------------------

@dataclass
class Filters:
    """List filters over non-sensitive fields (they may travel in URLs)."""

    state_code: str | None = None
    municipality_code: str | None = None
    cause: DisplacementCause | None = None
    date_from: date | None = None
    date_to: date | None = None
    event_type: EventType | None = None


def _common_filters(stmt: Any, model: Any, filters: Filters, date_column: Any) -> Any:
    if filters.state_code:
        stmt = stmt.where(model.state_code == filters.state_code)
    if filters.municipality_code:
        stmt = stmt.where(model.municipality_code == filters.municipality_code)
    if filters.date_from:
        stmt = stmt.where(date_column >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(date_column < _day_after(filters.date_to))
    return stmt


def _day_after(day: date) -> date:
    return day + timedelta(days=1)


def _with_cause(stmt: Any, event_id_column: Any, cause: DisplacementCause | None) -> Any:
    if cause is None:
        return stmt
    return stmt.where(event_id_column.in_(select(EventCause.event_id).where(EventCause.cause == cause)))


def list_households(session: Session, actor: Principal, filters: Filters, page: int, size: int) -> Page:
    """Households the actor may see, newest first."""
    stmt = scoped(select(Household), Household, actor).options(
        selectinload(Household.memberships).selectinload(HouseholdMembership.person))
    stmt = _common_filters(stmt, Household, filters, Household.created_at)
    stmt = _with_cause(stmt, Household.event_id, filters.cause)
    return paginate(session, stmt.order_by(Household.created_at.desc(), Household.id), page, size)


def list_persons(session: Session, actor: Principal, filters: Filters, page: int, size: int) -> Page:
    """Persons the actor may see, newest first (the page decrypts only what it shows)."""
    stmt = scoped(select(Person), Person, actor)
    stmt = _common_filters(stmt, Person, filters, Person.created_at)
    if filters.cause is not None:
        in_households = select(HouseholdMembership.person_id).join(Household).where(
            Household.event_id.in_(select(EventCause.event_id).where(EventCause.cause == filters.cause)))
        stmt = stmt.where(Person.id.in_(in_households))
    return paginate(session, stmt.order_by(Person.created_at.desc(), Person.id), page, size)


def list_events(session: Session, actor: Principal, filters: Filters, page: int, size: int) -> Page:
    """Events the actor may see, most recent first; municipality filters the origin."""
    stmt = scoped(select(DisplacementEvent), DisplacementEvent, actor)
    origin = Filters(state_code=filters.state_code, date_from=filters.date_from, date_to=filters.date_to)
    stmt = _common_filters(stmt, DisplacementEvent, origin, DisplacementEvent.started_on)
    if filters.municipality_code:
        stmt = stmt.where(DisplacementEvent.origin_municipality_code == filters.municipality_code)
    if filters.event_type:
        stmt = stmt.where(DisplacementEvent.event_type == filters.event_type)
    stmt = _with_cause(stmt, DisplacementEvent.id, filters.cause)
    return paginate(session, stmt.order_by(DisplacementEvent.started_on.desc(), DisplacementEvent.id), page, size)


def list_communities(session: Session, actor: Principal, filters: Filters, page: int, size: int) -> Page:
    """Communities the actor may see, by name."""
    stmt = scoped(select(Community), Community, actor)
    stmt = _common_filters(stmt, Community, filters, Community.created_at)
    if filters.cause is not None:
        stmt = stmt.where(Community.id.in_(select(Community.id).join(Community.events).where(
            DisplacementEvent.id.in_(select(EventCause.event_id).where(EventCause.cause == filters.cause)))))
    return paginate(session, stmt.order_by(Community.name, Community.id), page, size)


SEARCH_KINDS = {
    "curp": "CURP",
    "name_dob": "Nombre completo y fecha de nacimiento",
    "phone": "Teléfono",
    "filters": "Solo filtros (entidad, municipio, sexo)",
}


@dataclass
class SearchTerms:
    """What the search form carries; the terms are never logged nor put in a URL."""

    kind: str
    curp: str | None = None
    given_names: str | None = None
    first_surname: str | None = None
    second_surname: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    state_code: str | None = None
    municipality_code: str | None = None
    registered_sex: RegisteredSex | None = None


SEARCH_LIMIT = 100
#: The person fields a results row shows (named in the search's audit entry).
SEARCH_RESULT_FIELDS = ("given_names", "first_surname", "second_surname")


def search_persons(session: Session, actor: Principal, terms: SearchTerms) -> list[Person]:
    """Exact search through the blind indexes (and filters), within the actor's scope; audited without the terms."""
    _require(actor, Permission.VIEW_CASES)
    stmt = scoped(select(Person), Person, actor)
    if terms.state_code:
        stmt = stmt.where(Person.state_code == terms.state_code)
    if terms.municipality_code:
        stmt = stmt.where(Person.municipality_code == terms.municipality_code)
    if terms.registered_sex:
        stmt = stmt.where(Person.registered_sex == terms.registered_sex)
    if terms.kind == "curp":
        found = find_by_blind_index(session, Person, "curp", terms.curp or "", query=stmt)
    elif terms.kind == "name_dob":
        found = find_by_blind_index(session, Person, "name_dob", terms.given_names, terms.first_surname,
                                    terms.second_surname, terms.birth_date, query=stmt)
    elif terms.kind == "phone":
        found = find_by_blind_index(session, Person, "phone", terms.phone or "", query=stmt)
    elif terms.kind == "filters":
        found = list(session.scalars(stmt.order_by(Person.created_at.desc()).limit(SEARCH_LIMIT)))
    else:
        raise RegistryError("Elija el tipo de búsqueda.", "kind")
    found = found[:SEARCH_LIMIT]
    # One entry covers the search and the page of results: `fields` names what that page shows.
    audit.record_search(session, actor, terms.kind, [p.id for p in found], fields=SEARCH_RESULT_FIELDS,
                        object_type="person")
    return found


# --- institutions catalog (administrators) ---------------------------------------------------

@dataclass
class InstitutionData:
    code: str
    name: str
    active: bool = True
    state_code: str | None = None


def list_institutions(session: Session, actor: Principal) -> list[Institution]:
    """Every institution, active first, for the administrators' catalog page."""
    _require(actor, Permission.MANAGE_CATALOGS)
    return list(session.scalars(select(Institution).order_by(Institution.active.desc(), Institution.name)))


def _check_institution(session: Session, actor: Principal, data: InstitutionData, current: Institution | None) -> None:
    if data.state_code is not None and state_by_code(data.state_code) is None:
        raise RegistryError("Elija una entidad válida.", "state_code")
    if not can_edit_institution(actor, data.state_code):
        raise RegistryError("Solo puede asignar instituciones a las entidades de su adscripción.", "state_code")
    taken = session.scalars(select(Institution.id).where(Institution.code == data.code.strip())).first()
    if taken is not None and (current is None or taken != current.id):
        raise RegistryError("Ya existe una institución con esa clave.", "code")
    if not data.name.strip():
        raise RegistryError("Escriba el nombre.", "name")


def create_institution(session: Session, actor: Principal, data: InstitutionData) -> Institution:
    """Add an institution to the catalog."""
    _require(actor, Permission.MANAGE_CATALOGS)
    _check_institution(session, actor, data, None)
    institution = Institution(code=data.code.strip(), name=data.name.strip(), active=data.active,
                              state_code=data.state_code)
    session.add(institution)
    session.flush()
    audit.record_change(session, actor, Action.CREATE, "institution", institution.id,
                        fields=["code", "name", "active"], state_code=institution.state_code)
    return institution


def update_institution(session: Session, actor: Principal, institution: Institution, data: InstitutionData,
                       expected_version: int) -> list[str]:
    """Rename or (de)activate an institution; its code never changes once records may refer to it."""
    _require(actor, Permission.MANAGE_CATALOGS)
    labels = {"name": "nombre", "active": "activa", "code": "clave", "state_code": "entidad"}
    _check_version(session, "institution", institution, expected_version, labels)
    if data.code.strip() != institution.code:
        raise RegistryError("La clave no se cambia: otros registros la usan.", "code")
    _check_institution(session, actor, data, institution)
    changed = _apply(institution, {"name": data.name.strip(), "active": data.active, "state_code": data.state_code})
    if changed:
        _flush_or_conflict(session, "institution", institution, expected_version, labels)
        _record_change(session, actor, "institution", institution, changed)
        audit.record_change(session, actor, Action.UPDATE, "institution", institution.id, fields=changed,
                            state_code=institution.state_code)
        session.flush()
    return changed
