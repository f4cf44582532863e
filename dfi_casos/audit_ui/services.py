"""Queries over the audit trail for auditors, always through `scope.audit_scope`."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from dfi_casos.errors import NotVisible
from dfi_casos.scope import audit_scope
from dfi_casos.security.access import Principal
from dfi_casos.security.audit import Action, AuditEvent

#: An export stops here; narrow the filters for more.
EXPORT_LIMIT = 100_000


@dataclass
class AuditFilters:
    """What the auditor filters by: ids, usernames, folios, an action and local dates."""

    actor: str = ""
    record: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    def used(self) -> list[str]:
        """Names of the filters in use (for the audit entry of the query: names, not values)."""
        return [name for name, value in vars(self).items() if value]


def _local_midnight_utc(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _filtered(stmt: Select[Any], filters: AuditFilters, timezone: str) -> Select[Any]:
    actor = filters.actor.strip()
    if actor:
        stmt = stmt.where(AuditEvent.actor_id == int(actor) if actor.isdigit()
                          else AuditEvent.actor_username == actor.lower())
    record = filters.record.strip()
    if record:
        stmt = stmt.where(or_(AuditEvent.object_id == record, AuditEvent.folio == record))
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.since:
        stmt = stmt.where(AuditEvent.occurred_at >= _local_midnight_utc(filters.since, timezone))
    if filters.until:
        stmt = stmt.where(AuditEvent.occurred_at < _local_midnight_utc(filters.until + timedelta(days=1), timezone))
    return stmt


def find_entries(session: Session, auditor: Principal, filters: AuditFilters, *, timezone: str, page: int,
                 per_page: int) -> tuple[list[AuditEvent], bool]:
    """One page of the entries the auditor may see, newest first; and whether there is a next page."""
    stmt = _filtered(audit_scope(select(AuditEvent), auditor), filters, timezone)
    rows = list(session.scalars(stmt.order_by(AuditEvent.seq.desc())
                                .offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page


def get_record_history_for(session: Session, auditor: Principal, object_type: str, object_id: str, *,
                           limit: int) -> list[AuditEvent]:
    """Who has seen or touched one record: entries about it, and searches that returned it.

    NotVisible when the auditor may see none: a record of another territory looks like an unknown one.
    """
    about = and_(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
    # Search entries list result ids as JSON strings; the quotes make the match exact, and
    # autoescape keeps a "%" or "_" in the id from acting as a wildcard.
    found_by_search = and_(AuditEvent.action == Action.SEARCH,
                           AuditEvent.details.contains(f'"{object_id}"', autoescape=True))
    stmt = audit_scope(select(AuditEvent).where(or_(about, found_by_search)), auditor)
    entries = list(session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(limit)))
    if not entries:
        raise NotVisible(object_type, object_id, "audit_out_of_scope")
    return entries


def user_activity(session: Session, auditor: Principal, user_id: int, *, page: int,
                  per_page: int) -> tuple[list[AuditEvent], bool]:
    """One page of what one account did, newest first."""
    stmt = audit_scope(select(AuditEvent).where(AuditEvent.actor_id == user_id), auditor)
    rows = list(session.scalars(stmt.order_by(AuditEvent.seq.desc())
                                .offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page


def count_visible(session: Session, auditor: Principal) -> int:
    """How many entries this auditor may see."""
    return session.scalar(audit_scope(select(func.count()).select_from(AuditEvent), auditor)) or 0


EXPORT_COLUMNS = ("seq", "occurred_at", "actor_id", "actor_username", "actor_role", "action", "object_type",
                  "object_id", "object_state", "folio", "outcome", "origin", "details", "mac")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    text = str(value)
    # A spreadsheet would run a cell starting like a formula.
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def export_csv(session: Session, auditor: Principal, filters: AuditFilters, *, timezone: str) -> tuple[str, int]:
    """The filtered entries as CSV text (UTC times), oldest first, and how many rows it holds."""
    stmt = _filtered(audit_scope(select(AuditEvent), auditor), filters, timezone)
    rows: Iterable[AuditEvent] = session.scalars(stmt.order_by(AuditEvent.seq).limit(EXPORT_LIMIT))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for event in rows:
        writer.writerow([_cell(getattr(event, column)) for column in EXPORT_COLUMNS])
        count += 1
    return buffer.getvalue(), count
