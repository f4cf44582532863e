"""The audit trail: one append-only table whose entries are chained by HMAC-SHA256."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import DateTime, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from dfi_casos.database import Base, utcnow

GENESIS_MAC = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_event"

    #: Sequence number: the position in the chain, assigned under the append lock.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: Username at the time: accounts are not personal data of displaced persons.
    actor_username: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    #: Request origin (client address); never a URL with query string.
    origin: Mapped[str | None] = mapped_column(String(64))
    #: Small JSON without personal data: field names, result ids, counts.
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: AuditEvent) -> bytes:
    """The entry's content as canonical JSON: what the MAC covers besides chain and sequence."""
    content = {
        "occurred_at": _timestamp(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "outcome": event.outcome,
        "origin": event.origin,
        "details": json.loads(event.details or "{}"),
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_mac(key: bytes, prev_mac: str, seq: int, event: AuditEvent) -> str:
    """HMAC-SHA256 over the previous MAC, the sequence number and the canonical content."""
    message = prev_mac.encode() + b"|" + str(seq).encode() + b"|" + canonical(event)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _audit_key() -> bytes:
    key: bytes = current_app.extensions["dfi_keys"].audit_key
    return key


def _lock_chain(session: Session) -> None:
    # Two writers must not fork the chain: PostgreSQL serializes appends with a
    # transaction-scoped advisory lock; SQLite transactions begin IMMEDIATE (database.py).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7346001)"))


def record(
    session: Session,
    *,
    action: str,
    actor: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry in the caller's transaction: no change lands without its entry.

    `details` must never hold a personal value, credential or search term: name fields,
    not contents; give result ids and counts, not what was searched.
    """
    _lock_chain(session)
    head = session.execute(select(AuditEvent.seq, AuditEvent.mac).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev_mac = (head.seq + 1, head.mac) if head else (1, GENESIS_MAC)
    actor_id = getattr(actor, "id", None) if actor is not None and not getattr(actor, "is_anonymous", False) else None
    event = AuditEvent(
        seq=seq,
        occurred_at=utcnow(),
        actor_id=actor_id,
        actor_username=getattr(actor, "username", None) if actor_id else None,
        actor_role=str(actor.role.value) if actor_id else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        outcome=outcome,
        origin=request.remote_addr if has_request_context() else "cli",
        details=json.dumps(details or {}, sort_keys=True, ensure_ascii=False),
        prev_mac=prev_mac,
    )
    event.mac = compute_mac(_audit_key(), prev_mac, seq, event)
    session.add(event)
    session.flush()
    return event
