"""Validating an upload before anything is written: per-row report, registry duplicates in batches, staging.

The file is read from memory; what survives is one encrypted row per household in `import_row`
(clean values and problems), so the job can be committed later by any worker, and nothing of
the file ever lies in plaintext on disk.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from dfi_casos.catalogs.geography import MunicipalityCatalog, state_by_code
from dfi_casos.database import local_today
from dfi_casos.errors import DomainError
from dfi_casos.imports.models import ImportedSubmission, ImportJob, ImportRow, RowStatus
from dfi_casos.imports.readers import Limits, read_upload
from dfi_casos.imports.rows import WARNING, Checked, FileDuplicates, Issue, check_submission
from dfi_casos.registry.models import Person
from dfi_casos.scope import scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory
from dfi_casos.security.bulk import chunks, find_many, insert_values
from dfi_casos.security.fields import current_keys

#: Rows a confirmed job may import (possible duplicates only with a reason).
IMPORTABLE = (RowStatus.VALID, RowStatus.DUPLICATE)
#: Households per registry lookup: one IN query per blind index for this many households.
LOOKUP_BATCH = 500
#: What the importer reads when a similar record lies outside their scope: nothing more.
OUT_OF_SCOPE_NOTICE = _l("Hay un registro similar en otro territorio; consulte a su supervisor(a).")


class ImportRefused(DomainError):
    """The import cannot go on (permission, job state, the importer's choices); the message is Spanish."""


def limits() -> Limits:
    config = current_app.config
    return Limits(max_bytes=config["IMPORT_MAX_BYTES"], max_rows=config["IMPORT_MAX_ROWS"])


def require_import(actor: Principal | None) -> None:
    if not has_permission(actor, Permission.IMPORT_RECORDS):
        raise ImportRefused(_("Su rol no permite importar registros."))


@dataclass
class Similar:
    """Registry persons similar to one person of the file (ids only; the visible ones may be linked)."""

    reasons: list[str] = field(default_factory=list)
    candidate_ids: list[str] = field(default_factory=list)
    visible_ids: list[str] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return len(self.candidate_ids) - len(self.visible_ids)


def find_similar_many(session: Session, actor: Principal, persons: list[dict[str, Any]]) -> list[Similar]:
    """For each person (clean values), the registry's persons with the same CURP, name and date of birth, or
    phone: one query per blind index for the whole list, over the whole registry (a person registered in
    another state must still be noticed); which of them the actor may see, in one scoped query."""
    lookups: list[tuple[str, str, list[tuple[Any, ...]]]] = [
        ("CURP", "curp", [(p.get("curp"),) for p in persons]),
        (_("nombre y fecha de nacimiento"), "name_dob",
         [(p["given_names"], p["first_surname"], p.get("second_surname"),
           date.fromisoformat(p["birth_date"]) if p.get("birth_date") else None) for p in persons]),
        (_("teléfono"), "phone", [(p.get("phone"),) for p in persons]),
    ]
    found = [Similar() for _ in persons]
    for label, index_name, wanted in lookups:
        for similar, ids in zip(found, find_many(session, Person, index_name, wanted), strict=True):
            if ids:
                similar.reasons.append(label)
                similar.candidate_ids.extend(str(i) for i in ids if str(i) not in similar.candidate_ids)
    every = {uuid.UUID(i) for s in found for i in s.candidate_ids}
    visible: set[str] = set()
    for part in chunks(sorted(every), 1000):
        visible.update(str(i) for i in session.scalars(
            scoped(select(Person.id).where(Person.id.in_(list(part))), Person, actor)))
    for similar in found:
        similar.visible_ids = [i for i in similar.candidate_ids if i in visible]
    return found


def similar_issues(where: str, similar: Similar) -> list[Issue]:
    """The report's words for registry duplicates: visible ones by id, the others only as a notice."""
    issues = []
    if similar.visible_ids:
        issues.append(Issue(where, _("Posible duplicado en el registro (%(reasons)s).",
                                     reasons=", ".join(similar.reasons)),
                            "duplicado",
                            WARNING))
    if similar.hidden:
        issues.append(Issue(where, OUT_OF_SCOPE_NOTICE, "duplicado", WARNING))
    return issues


def event_key(event: dict[str, Any] | None) -> str | None:
    """Households whose event answers are the same share one event: the key of those answers."""
    if not event:
        return None
    return hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()[:16]


def _instance_id(checked: Checked) -> str:
    # A template row without id_formulario: a keyed digest of its content, so the same rows
    # imported twice are recognized, and the id reveals nothing about the people in it.
    content = json.dumps(checked.clean, sort_keys=True, ensure_ascii=False, default=str)
    return "plantilla:" + current_keys().blind.keyed_digest("import_row.instance_id", content)[:48]


def _check_territory(actor: Principal, checked: Checked) -> None:
    state = checked.clean.get("state_code")
    if state and not in_territory(actor, state):
        name = state_by_code(state).name  # type: ignore[union-attr]
        checked.issues.append(Issue(checked.where, _("%(state)s está fuera de su territorio: no puede importar hogares "
                                                     "de esa entidad.", state=name), "estado"))


def check_all(session: Session, actor: Principal, checked: list[Checked]) -> dict[str, RowStatus]:
    """Registry-level checks in batches: already imported (instance id) and possible duplicates."""
    statuses: dict[str, RowStatus] = {}
    for batch in chunks(checked, LOOKUP_BATCH):
        done = set(session.scalars(select(ImportedSubmission.instance_id).where(
            ImportedSubmission.instance_id.in_([c.instance_id for c in batch]))))
        members = [(c, m) for c in batch if c.ok and c.instance_id not in done for m in c.clean["members"]]
        for (item, member), similar in zip(members, find_similar_many(session, actor, [m["person"] for _c, m in
                                                                                       members]), strict=True):
            member["similar"] = similar.candidate_ids
            item.issues.extend(similar_issues(member["where"], similar))
            if similar.candidate_ids:
                statuses[item.instance_id] = RowStatus.DUPLICATE
        for item in batch:
            if item.instance_id in done:
                item.issues.append(Issue(item.where, _("Este envío ya se importó antes: no se registrará de nuevo."),
                                         None, WARNING))
                statuses[item.instance_id] = RowStatus.ALREADY
            elif not item.ok:
                statuses[item.instance_id] = RowStatus.INVALID
            else:
                statuses.setdefault(item.instance_id, RowStatus.VALID)
    return statuses


def validate_upload(session: Session, actor: Principal, filename: str, data: bytes, catalog: MunicipalityCatalog
                    ) -> ImportJob:
    """Read and check a file; stage its households (encrypted) in a new job. Writes nothing in the registry.

    Raises FileRejected when the file as a whole cannot be read, ImportRefused without permission.
    """
    require_import(actor)
    upload = read_upload(filename, data, limits())
    today = local_today()
    duplicates = FileDuplicates()
    checked = []
    for submission in upload.submissions:
        item = check_submission(submission, catalog, today)
        item.instance_id = item.instance_id or _instance_id(item)
        _check_territory(actor, item)
        duplicates.check(item)
        checked.append(item)
    statuses = check_all(session, actor, checked)
    # a repeated instance in the file: only its first appearance may be imported
    first_seen: set[str] = set()
    rows = []
    events: dict[str, dict[str, int]] = {}
    for position, item in enumerate(checked):
        status = statuses[item.instance_id] if item.instance_id not in first_seen else RowStatus.INVALID
        first_seen.add(item.instance_id)
        rows.append((position, item, status))
        key = event_key(item.clean.get("event"))
        if key and status in IMPORTABLE:  # the event's estimated size: the households of the file that lived it
            size = events.setdefault(key, {"households": 0, "persons": 0})
            size["households"] += 1
            size["persons"] += item.persons
    importable = [item for _, item, status in rows if status in IMPORTABLE]
    valid = [item for _, item, status in rows if status == RowStatus.VALID]
    job = ImportJob(id=uuid.uuid4(), created_by_id=actor.id, source=upload.source, notes=upload.notes,
                    state_codes=sorted({c.clean["state_code"] for c in importable}),
                    households_total=len(checked), persons_total=sum(c.persons for c in checked),
                    households_valid=len(valid), persons_valid=sum(c.persons for c in valid),
                    households_done=0, persons_done=0, events=events)
    session.add(job)
    session.flush()
    _stage(session, job, rows)
    audit.record_change(session, actor, audit.Action.CREATE, "import_job", job.id, fields=["issues"],
                        state_code=job.state_codes[0] if len(job.state_codes) == 1 else None, source=job.source,
                        households=job.households_total, persons=job.persons_total,
                        valid_households=job.households_valid)
    return job


def _stage(session: Session, job: ImportJob, rows: list[tuple[int, Checked, RowStatus]]) -> None:
    table: Any = ImportRow.__table__
    for part in chunks(rows, 1000):
        values = []
        for position, item, status in part:
            values.append(insert_values(ImportRow, uuid.uuid4(), {
                "job_id": job.id, "position": position, "instance_id": item.instance_id, "status": status,
                "persons": item.persons, "household_id": None,
                "data": json.dumps({"where": item.where, **item.clean}, ensure_ascii=False),
                "issues": json.dumps([i.as_dict() for i in item.issues], ensure_ascii=False),
            }))
        session.execute(insert(table), values)
