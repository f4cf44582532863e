"""The batched registration path: a batch of households, their members, consents and cases in a few statements.

Every person is checked, encrypted, blind-indexed and duplicate-checked as if typed, through the
registry's own rules (`_check_person`, `_person_values`) and the same ciphertexts and index values
the models write; but one blind-index query per index per batch, one INSERT per table per batch,
and one audit entry per batch naming every record created.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from psycopg import sql as pg_sql
from sqlalchemy import JSON, bindparam, insert, select, update
from sqlalchemy.orm import Session

from dfi_casos.cases.models import Case, CaseStatus, FolioCounter, RecognitionStatus, StageTransition
from dfi_casos.cases.services import locked_counter
from dfi_casos.catalogs.enums import (
    CaseSubject,
    ConsentMethod,
    ConsentScope,
    DisplacementCause,
    EventType,
    RegisteredSex,
    RelationshipToHead,
    Stage,
)
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.database import local_today
from dfi_casos.imports.models import ImportedSubmission, ImportJob, ImportRow, RowStatus
from dfi_casos.imports.validation import event_key, find_similar_many, similar_issues
from dfi_casos.registry import rules as registry_rules
from dfi_casos.registry import services as registry
from dfi_casos.registry.models import (
    PERSON_NAME_TOKENS,
    Consent,
    DuplicateOverride,
    Household,
    HouseholdMembership,
    Person,
)
from dfi_casos.security import audit
from dfi_casos.security.access import Principal
from dfi_casos.security.bulk import insert_values
from dfi_casos.security.tokens import refresh_tokens

_folio_counter = FolioCounter  # the counter rows reserve_folios locks


def reserve_folios(session: Session, state_code: str, year: int, count: int) -> list[str]:
    """Take `count` consecutive folios of the state and year under one lock of the counter row."""
    state = state_by_code(state_code)
    if state is None:
        raise registry.RegistryError(_("La entidad del caso no existe en el catálogo."))
    counter = locked_counter(session, state_code, year)
    first = counter.last_value + 1
    counter.last_value += count
    session.flush()
    return [f"DFI-{state.abbreviation}-{year}-{n:06d}" for n in range(first, first + count)]


@dataclass
class Batch:
    """The rows of one batch, as Core INSERT parameters, and what the audit entry names."""

    households: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    overrides: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    row_updates: list[dict[str, Any]] = field(default_factory=list)
    #: Transient persons carrying the plaintext name inputs, for the name token index.
    named: list[Person] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


def person_data(values: dict[str, Any]) -> registry.PersonData:
    """The registry's PersonData from a staged member (dates and enums restored)."""
    plain = {k: v for k, v in values.items() if k in registry.PERSON_FIELDS}
    plain["birth_date"] = date.fromisoformat(plain["birth_date"]) if plain.get("birth_date") else None
    plain["registered_sex"] = RegisteredSex(plain.get("registered_sex") or "unknown")
    return registry.PersonData(**plain)


def _event_id(session: Session, actor: Principal, job: ImportJob, clean: dict[str, Any]) -> uuid.UUID | None:
    if job.event_id is not None:
        return job.event_id
    key = event_key(clean.get("event"))
    if key is None:
        return None
    known: dict[str, Any] = dict(job.events.get(key) or {})
    if known.get("id"):
        return uuid.UUID(known["id"])
    event = clean["event"]
    data = registry.EventData(
        event_type=EventType(event["event_type"]), started_on=date.fromisoformat(event["started_on"]),
        origin_state_code=event["origin_state_code"], state_code=clean["state_code"],
        causes=[DisplacementCause(c) for c in event["causes"]], origin_municipality_code=event[
            "origin_municipality_code"], origin_locality=event.get("origin_locality"),
        cause_other=event.get("cause_other"), estimated_households=known.get("households"),
        estimated_persons=known.get("persons"))
    created = registry.register_event(session, actor, data)  # few per file: the typed path, audited alike
    job.events = {**job.events, key: {**known, "id": str(created.id)}}
    return created.id


def _add_household(batch: Batch, actor: Principal, job: ImportJob, item: Staged, event_id: uuid.UUID | None,
                   similar: list[Any], today: date) -> None:
    clean = item.clean
    state = clean["state_code"]
    household_id = uuid.uuid4()
    batch.households.append(insert_values(Household, household_id, {
        "state_code": state, "municipality_code": clean.get("municipality_code"), "event_id": event_id,
        "community_id": None, "notes": clean.get("notes"), "registered_by_id": actor.id}))
    taken_on = date.fromisoformat(clean["interview_date"])
    for member, match in zip(clean["members"], similar, strict=True):
        data = person_data(member["person"])
        data.municipality_code = data.municipality_code or clean.get("municipality_code")
        registry_rules.check_person(data, state)  # the typed path's rule, once more before writing
        values = registry_rules.person_values(data)
        person_id = uuid.uuid4()
        batch.fields.update(registry_rules.filled_fields(values))
        batch.persons.append(insert_values(Person, person_id, {**values, "state_code": state,
                                                               "registered_by_id": actor.id}))
        batch.named.append(Person(id=person_id, **{name: values.get(name) for name in PERSON_NAME_TOKENS.inputs}))
        batch.memberships.append({"household_id": household_id, "person_id": person_id,
                                  "relationship_to_head": RelationshipToHead(member["relationship"]),
                                  "present": True, "joined_on": today, "left_on": None, "left_reason": None,
                                  "recorded_by_id": actor.id})
        _add_consents(batch, actor, person_id, state, member["consent"], taken_on)
        if match.candidate_ids:
            batch.overrides.append(insert_values(DuplicateOverride, uuid.uuid4(), {
                "person_id": person_id, "reason": job.duplicate_reason, "candidate_ids": match.candidate_ids,
                "created_by_id": actor.id}))
    batch.submissions.append({"instance_id": item.instance_id, "household_id": household_id, "job_id": job.id})
    if item.row is not None:
        batch.row_updates.append({"row_id": item.row.id, "new_status": RowStatus.DONE, "new_household": household_id})


def _add_consents(batch: Batch, actor: Principal, person_id: uuid.UUID, state: str, consent: dict[str, Any],
                  taken_on: date) -> None:
    scopes = [ConsentScope.REGISTRATION] + ([ConsentScope.STATISTICS] if consent.get("statistics") else [])
    for scope in scopes:
        batch.consents.append(insert_values(Consent, uuid.uuid4(), {
            "person_id": person_id, "scope": scope, "institution_id": None,
            "method": ConsentMethod(consent["method"]), "witness_name": consent.get("witness"),
            "taken_on": taken_on, "taken_by_id": actor.id, "withdrawn_on": None, "state_code": state,
            "registered_by_id": actor.id}))


def _add_cases(session: Session, batch: Batch, actor: Principal, stage: Stage, today: date) -> None:
    by_state: dict[str, list[dict[str, Any]]] = {}
    for household in batch.households:
        by_state.setdefault(household["state_code"], []).append(household)
    for state, households in sorted(by_state.items()):  # one lock order for every worker: no deadlock
        for household, folio in zip(households, reserve_folios(session, state, today.year, len(households)),
                                    strict=True):
            case_id = uuid.uuid4()
            batch.cases.append({
                "id": case_id, "folio": folio, "subject_type": CaseSubject.HOUSEHOLD, "household_id": household["id"],
                "person_id": None, "community_id": None, "stage": stage, "status": CaseStatus.OPEN,
                "recognition_status": RecognitionStatus.INTAKE, "owner_id": actor.id, "state_code": state,
                "opened_on": today, "closed_on": None, "closure_reason": None, "created_by_id": actor.id})
            batch.transitions.append(insert_values(StageTransition, uuid.uuid4(), {
                "case_id": case_id, "from_stage": None, "to_stage": stage, "reason": None, "actor_id": actor.id,
                "approval_id": None}))


@dataclass
class Staged:
    """One household to register: the form's instance id, its clean values, and its staged row (if any)."""

    instance_id: str
    clean: dict[str, Any]
    row: ImportRow | None = None


def _skip(batch: Batch, item: Staged, issues: list[dict[str, Any]]) -> None:
    if item.row is not None:
        item.row.issues = json.dumps(json.loads(item.row.issues or "[]") + issues, ensure_ascii=False)
        batch.row_updates.append({"row_id": item.row.id, "new_status": RowStatus.SKIPPED, "new_household": None})


def register_households(session: Session, actor: Principal, job: ImportJob, items: list[Staged]) -> Batch:
    """Register a batch of households with their members, consents, events and cases. Flushes; the caller commits.

    Instances already imported are left alone (a resumed or repeated import creates nothing new).
    """
    today = local_today()
    done = set(session.scalars(select(ImportedSubmission.instance_id).where(
        ImportedSubmission.instance_id.in_([item.instance_id for item in items]))))
    batch = Batch()
    fresh = [item for item in items if item.instance_id not in done]
    for item in items:
        if item.instance_id in done and item.row is not None:
            batch.row_updates.append({"row_id": item.row.id, "new_status": RowStatus.ALREADY, "new_household": None})
    # the registry may have changed since validation: look again, one query per index for the batch
    found = iter(find_similar_many(session, actor, [m["person"] for item in fresh for m in item.clean["members"]]))
    for item in fresh:
        similar = [next(found) for _ in item.clean["members"]]
        if any(s.candidate_ids for s in similar) and not job.include_duplicates:
            _skip(batch, item, [i.as_dict() for m, s in zip(item.clean["members"], similar, strict=True)
                                for i in similar_issues(m["where"], s)])
            continue
        try:
            event_id = _event_id(session, actor, job, item.clean)
            _add_household(batch, actor, job, item, event_id, similar, today)
        except registry.RegistryError as exc:
            _skip(batch, item, [{"where": item.clean.get("where"), "message": str(exc), "question": exc.field,
                                 "severity": "error"}])
    _add_cases(session, batch, actor, job.stage or Stage.ASSISTANCE, today)
    _write(session, batch)
    _audit_batch(session, actor, job, batch)
    return batch


def commit_rows(session: Session, actor: Principal, job: ImportJob, rows: list[ImportRow]) -> tuple[int, int]:
    """Register one batch of a job's staged rows; (households, persons) written."""
    batch = register_households(session, actor, job, [Staged(row.instance_id, json.loads(row.data or "{}"), row)
                                                      for row in rows])
    return len(batch.households), len(batch.persons)


def _table(model: Any) -> Any:
    return model.__table__


#: Below this many rows an executemany costs less than setting up a COPY.
COPY_FROM = 50


def _column_defaults(table: Any, given: set[str]) -> list[tuple[str, Any]]:
    """The Python-side defaults (created_at, version, ...) of the columns a row leaves out."""
    found = []
    for column in table.columns:
        if column.key not in given and column.default is not None:
            found.append((column.key, column.default.arg))  # a callable default takes the (unused) context
    return found


def _copy(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    # PostgreSQL's COPY: the rows stream in one command, without a statement or bind step per row.
    defaults = _column_defaults(table, set(rows[0]))
    names = [*rows[0], *(name for name, _ in defaults)]
    json_columns = {c.key for c in table.columns if isinstance(c.type, JSON)}
    raw = session.connection().connection.driver_connection
    statement = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        pg_sql.Identifier(table.name), pg_sql.SQL(", ").join(pg_sql.Identifier(n) for n in names))
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            values = [*row.values(), *((value(None) if callable(value) else value) for _, value in defaults)]
            copy.write_row([json.dumps(v) if name in json_columns and v is not None else v
                            for name, v in zip(names, values, strict=True)])


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if session.connection().dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        _copy(session, _table(model), rows)
    else:
        session.execute(insert(_table(model)), rows)


def _write(session: Session, batch: Batch) -> None:
    # Parents before children; each list is one statement: COPY on PostgreSQL, executemany otherwise.
    for model, rows in ((Household, batch.households), (Person, batch.persons),
                        (HouseholdMembership, batch.memberships), (Consent, batch.consents),
                        (DuplicateOverride, batch.overrides), (Case, batch.cases),
                        (StageTransition, batch.transitions), (ImportedSubmission, batch.submissions)):
        if rows:
            _insert(session, model, rows)
    # Core inserts skip the ORM flush hook that indexes name tokens: the batch path calls it itself.
    refresh_tokens(session, batch.named, new=True)
    if batch.row_updates:
        table = _table(ImportRow)
        # Imported rows drop their data: the file's content is not kept once it is in the registry.
        session.execute(update(table).where(table.c.id == bindparam("row_id")).values(
            status=bindparam("new_status"), household_id=bindparam("new_household"),
            data_enc=None).execution_options(synchronize_session=False), batch.row_updates)
    session.expire_all()


def _audit_batch(session: Session, actor: Principal, job: ImportJob, batch: Batch) -> None:
    if not batch.households:
        return
    states = {h["state_code"] for h in batch.households}
    # one entry for the batch, naming every record it created (as typed, each would have had its own)
    audit.record_change(session, actor, audit.Action.CREATE, "import_batch", job.id, fields=batch.fields,
                        state_code=states.pop() if len(states) == 1 else None,
                        households=[str(h["id"]) for h in batch.households],
                        persons=[str(p["id"]) for p in batch.persons], cases=[str(c["id"]) for c in batch.cases],
                        duplicate_overrides=len(batch.overrides))
