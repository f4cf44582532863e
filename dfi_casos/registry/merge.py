"""Merging two records of one person (or one household) into one, and undoing it within a few days.

The survivor keeps its id and takes, field by field, the value the supervisor chose; every row
that pointed at the other record (memberships, consents, cases, referrals, ...) is re-pointed to
the survivor; the other record stays as a tombstone (`merged_into_id`) that redirects there, so
its audit trail keeps its subject. `RecordMerge` remembers what moved and the survivor's values
before, so a second supervisor can undo the merge while nothing new was recorded on the survivor.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from dfi_casos import scope
from dfi_casos.cases.models import Case, Referral
from dfi_casos.database import local_today, utcnow
from dfi_casos.errors import NotVisible
from dfi_casos.registry import rules, services
from dfi_casos.registry.models import (
    Consent,
    DuplicateOverride,
    Household,
    HouseholdMembership,
    Person,
    PersonNameToken,
    RecordMerge,
)
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission
from dfi_casos.security.audit import Action
from dfi_casos.security.tokens import refresh_tokens
from dfi_casos.solutions.models import DurableSolutionAssessment

#: Fields a supervisor chooses between, with their Spanish labels, per record type.
PERSON_MERGE_FIELDS = {
    "given_names": _l("Nombre(s)"), "first_surname": _l("Primer apellido"), "second_surname": _l("Segundo apellido"),
    "aliases": _l("Otros nombres"), "curp": "CURP", "birth_date": _l("Fecha de nacimiento"),
    "estimated_age": _l("Edad estimada"), "registered_sex": _l("Sexo registrado"),
    "gender_identity": _l("Identidad de género"),
    "birth_state_code": _l("Entidad de nacimiento"), "phone": _l("Teléfono"), "address": _l("Domicilio"),
    "municipality_code": _l("Municipio de residencia"), "safe_contact_channel": _l("Canal de contacto seguro"),
}
HOUSEHOLD_MERGE_FIELDS = {
    "municipality_code": _l("Municipio"), "event_id": _l("Evento de desplazamiento"), "community_id": _l("Comunidad"),
    "notes": _l("Notas"),
}
#: Rows that follow the absorbed record to the survivor: (table key, model, foreign-key attribute).
PERSON_LINKS = (("household_membership", HouseholdMembership, "person_id"), ("consent", Consent, "person_id"),
                ("case_file", Case, "person_id"), ("referral", Referral, "person_id"),
                ("duplicate_override", DuplicateOverride, "person_id"))
HOUSEHOLD_LINKS = (("household_membership", HouseholdMembership, "household_id"),
                   ("case_file", Case, "household_id"),
                   ("durable_solution_assessment", DurableSolutionAssessment, "household_id"))
#: Why a membership ended because of a merge (the survivor cannot be twice in one place).
MERGE_LEFT_REASON = "merge"


@dataclass(frozen=True)
class MergeKind:
    record_type: str
    model: type
    fields: dict[str, str]
    links: tuple[tuple[str, type, str], ...]


PERSON = MergeKind("person", Person, PERSON_MERGE_FIELDS, PERSON_LINKS)
HOUSEHOLD = MergeKind("household", Household, HOUSEHOLD_MERGE_FIELDS, HOUSEHOLD_LINKS)
KINDS = {"person": PERSON, "household": HOUSEHOLD}


class MergeError(services.RegistryError):
    """A merge or its undo was refused; the message says why, in Spanish."""


def undo_days() -> int:
    """Days during which a merge can be undone (DFI_MERGE_UNDO_DAYS)."""
    return int(current_app.config["MERGE_UNDO_DAYS"])


def _load(session: Session, actor: Principal, kind: MergeKind, record_id: Any) -> Any:
    if kind is PERSON:
        record: Any = scope.get_person_for(session, actor, record_id)
    else:
        record = scope.get_household_for(session, actor, record_id)
    if record.merged_into_id is not None:
        raise MergeError(_("Ese registro ya fue fusionado con otro."))
    return record


def load_pair(session: Session, actor: Principal, kind: MergeKind, survivor_id: Any,
              absorbed_id: Any) -> tuple[Any, Any]:
    """Both records, each within the actor's scope (else an audited 404), for a merge by a supervisor."""
    if not has_permission(actor, Permission.MERGE_PERSONS):
        raise MergeError(_("Solo supervisión puede fusionar registros."))
    survivor = _load(session, actor, kind, survivor_id)
    absorbed = _load(session, actor, kind, absorbed_id)
    if survivor.id == absorbed.id:
        raise MergeError(_("Elija dos registros distintos."), "other_id")
    return survivor, absorbed


def comparison(kind: MergeKind, survivor: Any, absorbed: Any) -> list[dict[str, Any]]:
    """Rows of the side-by-side page: field, label, both values (decrypted here), whether they differ."""
    return [{"field": name, "label": label, "survivor": getattr(survivor, name), "absorbed": getattr(absorbed, name),
             "differs": getattr(survivor, name) != getattr(absorbed, name)} for name, label in kind.fields.items()]


def _check_versions(survivor: Any, absorbed: Any, versions: tuple[int, int]) -> None:
    if (survivor.version, absorbed.version) != versions:
        raise MergeError(_("Uno de los dos registros cambió desde que abrió esta comparación (hay una edición en "
                         "curso o recién guardada); no se fusionó nada. Recargue la página."))


def _linked_ids(session: Session, kind: MergeKind, record_id: Any) -> dict[str, list[str]]:
    found = {}
    for key, model, attribute in kind.links:
        ids = [str(i) for i in session.scalars(
            select(model.id).where(getattr(model, attribute) == record_id))]  # type: ignore[attr-defined]
        if ids:
            found[key] = ids
    return found


def _repoint(session: Session, kind: MergeKind, source: Any, target: Any) -> dict[str, list[str]]:
    moved = _linked_ids(session, kind, source)
    for key, model, attribute in kind.links:
        if key in moved:
            session.execute(update(model).where(getattr(model, attribute) == source).values({attribute: target}),
                            execution_options={"synchronize_session": "fetch"})
    return moved


def _end_duplicate_memberships(session: Session, kind: MergeKind, survivor: Any) -> list[str]:
    """A person is in one household at a time: after a person merge, end all current stays but the oldest.

    After a household merge, one person listed in both keeps their oldest stay.
    """
    attribute = "person_id" if kind is PERSON else "household_id"
    group = "household_id" if kind is PERSON else "person_id"
    current = session.scalars(select(HouseholdMembership).where(
        getattr(HouseholdMembership, attribute) == survivor.id, HouseholdMembership.left_on.is_(None))
        .order_by(HouseholdMembership.joined_on, HouseholdMembership.id)).all()
    ended, seen = [], set()
    for stay in current:
        key = None if kind is PERSON else getattr(stay, group)
        if key in seen:
            stay.left_on, stay.left_reason = local_today(), MERGE_LEFT_REASON
            ended.append(str(stay.id))
        seen.add(key)
    return ended


def merge(session: Session, actor: Principal, kind: MergeKind, survivor_id: Any, absorbed_id: Any,
          take: list[str], reason: str, versions: tuple[int, int]) -> RecordMerge:
    """Merge `absorbed` into `survivor`, taking from `absorbed` the values of the fields in `take`.

    Refused without a reason, outside scope, or when either record changed since the form
    showed `versions` (survivor, absorbed). One audit entry lists both ids.
    """
    survivor, absorbed = load_pair(session, actor, kind, survivor_id, absorbed_id)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise MergeError(_("Escriba el motivo de la fusión (al menos 5 caracteres)."), "reason")
    unknown = [name for name in take if name not in kind.fields]
    if unknown:
        raise MergeError(_("Elija valores solo de los campos mostrados."))
    _check_versions(survivor, absorbed, versions)
    taken = [name for name in take if getattr(survivor, name) != getattr(absorbed, name)]
    before = [[name, _plain(getattr(survivor, name))] for name in taken]
    for name in taken:
        setattr(survivor, name, getattr(absorbed, name))
    own = _linked_ids(session, kind, survivor.id)
    moved = _repoint(session, kind, absorbed.id, survivor.id)
    moved.update({f"survivor:{key}": ids for key, ids in own.items()})
    moved["ended_memberships"] = _end_duplicate_memberships(session, kind, survivor)
    absorbed.merged_into_id = survivor.id
    session.flush()
    if kind is PERSON:
        _drop_tokens(session, absorbed)
    log = RecordMerge(id=uuid.uuid4(), record_type=kind.record_type, survivor_id=str(survivor.id),
                      absorbed_id=str(absorbed.id), fields_taken=taken, moved=moved,
                      survivor_version=survivor.version, merged_by_id=actor.id, state_code=survivor.state_code)
    log.reason = reason
    log.survivor_before = before
    session.add(log)
    rules.add_history(session, actor, kind.record_type, survivor, taken + ["merged_from"])
    audit.record_change(session, actor, Action.MERGE, kind.record_type, survivor.id, fields=taken,
                        state_code=survivor.state_code, survivor_id=str(survivor.id), absorbed_id=str(absorbed.id),
                        merge_id=str(log.id), moved=sorted(k for k in moved if not k.startswith("survivor:")))
    session.flush()
    return log


def _drop_tokens(session: Session, absorbed: Person) -> None:
    # A tombstone keeps no name tokens: searches and duplicate warnings never offer it.
    session.execute(delete(PersonNameToken).where(PersonNameToken.person_id == absorbed.id))


def _plain(value: Any) -> Any:
    # The survivor's previous values go into an encrypted JSON list: dates as ISO text, enums as values.
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return getattr(value, "value", value)


def _unplain(kind: MergeKind, name: str, value: Any) -> Any:
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    column = kind.model.__table__.columns.get(name)  # type: ignore[attr-defined]
    if column is not None and value is not None and hasattr(column.type, "enum_class") and column.type.enum_class:
        return column.type.enum_class(value)
    if column is not None and value is not None and str(column.type) == "UUID":
        return uuid.UUID(str(value))
    return value


def get_merge_for(session: Session, actor: Principal, merge_id: Any) -> tuple[RecordMerge, Any]:
    """A merge and its survivor, if the actor may see the survivor (else an audited 404)."""
    parsed = scope.parse_uuid(merge_id)
    log = session.get(RecordMerge, parsed) if parsed else None
    kind = KINDS.get(log.record_type) if log else None
    if log is None or kind is None:
        raise NotVisible("merge", parsed, "absent" if parsed else "malformed_id")
    survivor: Any = scope.get_person_for(session, actor, log.survivor_id) if kind is PERSON else \
        scope.get_household_for(session, actor, log.survivor_id)
    return log, survivor


def undo_refusal(session: Session, actor: Principal, log: RecordMerge, survivor: Any) -> str | None:
    """Why this actor cannot undo this merge now, or None when they can."""
    if not has_permission(actor, Permission.MERGE_PERSONS):
        return str(_("Solo supervisión puede deshacer una fusión."))
    if log.undone_at is not None:
        return str(_("Esta fusión ya se deshizo."))
    if log.merged_by_id == actor.id:
        return str(_("Otra supervisora o supervisor debe deshacer la fusión, no quien la hizo."))
    if utcnow() - log.merged_at > timedelta(days=undo_days()):
        return str(_("Pasaron más de %(n)s días desde la fusión; ya no se puede deshacer.", n=undo_days()))
    if survivor.version != log.survivor_version or _new_rows_since(session, KINDS[log.record_type], log, survivor):
        return str(_("Se registró algo nuevo en el registro que quedó después de la fusión; ya no se puede deshacer."))
    return None


def _new_rows_since(session: Session, kind: MergeKind, log: RecordMerge, survivor: Any) -> bool:
    current = _linked_ids(session, kind, survivor.id)
    return any(set(ids) - set(log.moved.get(key, [])) - set(log.moved.get(f"survivor:{key}", []))
               for key, ids in current.items())


def undo(session: Session, actor: Principal, merge_id: Any) -> RecordMerge:
    """Undo a merge: values back, moved rows back, the tombstone alive again. A second supervisor only."""
    log, survivor = get_merge_for(session, actor, merge_id)
    refusal = undo_refusal(session, actor, log, survivor)
    if refusal:
        raise MergeError(refusal)
    kind = KINDS[log.record_type]
    absorbed = session.get(kind.model, uuid.UUID(log.absorbed_id))
    if absorbed is None:  # the merge kept the absorbed row as a tombstone; without it there is nothing to undo
        raise MergeError(_("El registro fusionado ya no existe; la fusión no se puede deshacer."))
    for name, value in log.survivor_before or []:
        setattr(survivor, name, _unplain(kind, name, value))
    for key, model, attribute in kind.links:
        ids = log.moved.get(key, [])
        if ids:
            pk = model.id
            typed = [pk.type.python_type(i) for i in ids]
            session.execute(update(model).where(pk.in_(typed)).values({attribute: absorbed.id}),
                            execution_options={"synchronize_session": "fetch"})
    ended = [int(i) for i in log.moved.get("ended_memberships", [])]
    if ended:
        session.execute(update(HouseholdMembership).where(HouseholdMembership.id.in_(ended))
                        .values(left_on=None, left_reason=None), execution_options={"synchronize_session": "fetch"})
    absorbed.merged_into_id = None
    log.undone_by_id, log.undone_at = actor.id, utcnow()
    session.flush()
    if kind is PERSON:
        refresh_tokens(session, [absorbed])
    rules.add_history(session, actor, kind.record_type, survivor,
                            [name for name, _ in log.survivor_before or []] + ["merge_undone"])
    audit.record_change(session, actor, Action.MERGE_UNDO, kind.record_type, survivor.id,
                        fields=[name for name, _ in log.survivor_before or []], state_code=survivor.state_code,
                        survivor_id=log.survivor_id, absorbed_id=log.absorbed_id, merge_id=str(log.id))
    session.flush()
    return log


def merges_of(session: Session, record_type: str, record_id: Any) -> list[RecordMerge]:
    """Merges where this record survived or was absorbed, newest first (ids only shown)."""
    key = str(record_id)
    return list(session.scalars(select(RecordMerge).where(
        RecordMerge.record_type == record_type,
        (RecordMerge.survivor_id == key) | (RecordMerge.absorbed_id == key)).order_by(RecordMerge.merged_at.desc())))
