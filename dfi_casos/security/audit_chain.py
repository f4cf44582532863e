"""The audit table and its chain: canonical content, HMAC-SHA256 links, appending under a lock, verification."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from json import encoder
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, Table, Text, func, insert, select, text, type_coerce
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from dfi_casos.database import Base, UTCDateTime

GENESIS_MAC = "0" * 64

#: Rows fetched per round trip while verifying: large enough that the loop, not the driver, dominates.
VERIFY_BATCH = 10_000


class AuditEvent(Base):
    """One entry of the trail: who did what to which record, when, from where; chained to the one before."""

    __tablename__ = "audit_event"

    #: Sequence number: the position in the chain, assigned under the append lock.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: Username at the time: accounts are not personal data of displaced persons.
    actor_username: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    #: The actor's territory at the time: "*" for national, else ",07,12," (delimited so LIKE matches one code).
    actor_states: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: INEGI state of the object (territory of attention), when the caller knows it.
    object_state: Mapped[str | None] = mapped_column(String(2), index=True)
    #: Human-readable folio of the object (e.g. a case's DFI-GRO-2026-000123), when it has one.
    folio: Mapped[str | None] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    #: Request origin (client address); never a URL with query string.
    origin: Mapped[str | None] = mapped_column(String(64))
    #: Small JSON without personal data: field names, result ids, counts.
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


#: The columns the MAC covers, in canonical order (after the previous MAC and the sequence number).
CONTENT_COLUMNS = (
    AuditEvent.occurred_at, AuditEvent.actor_id, AuditEvent.actor_username, AuditEvent.actor_role,
    AuditEvent.actor_states, AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id,
    AuditEvent.object_state, AuditEvent.folio, AuditEvent.outcome, AuditEvent.origin, AuditEvent.details,
)

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _unencodable(value: Any) -> Any:
    raise TypeError(f"audit content must be str, int or None, not {type(value).__name__}")


def _array_encoder() -> Callable[[Sequence[Any]], str]:
    """A function giving exactly `json.dumps(values, separators=(",", ":"))` for a flat list.

    json.dumps builds a new C encoder on every call, which costs more than the HMAC itself;
    verification encodes every entry, so the C encoder is built once here.
    """
    c_make_encoder = getattr(encoder, "c_make_encoder", None)
    if c_make_encoder is None:  # pure-Python json: same output, slower
        return json.JSONEncoder(separators=(",", ":")).encode
    # (markers, default, encoder, indent, key_separator, item_separator, sort_keys, skipkeys, allow_nan)
    make = c_make_encoder(None, _unencodable, encoder.encode_basestring_ascii, None, ":", ",", False, False, True)
    return lambda values: "".join(make(values, 0))


_encode_json = _array_encoder()


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def _canonical_values(values: Sequence[Any]) -> bytes:
    # A JSON array in a fixed column order, the timestamp already as text: no key sorting,
    # identical on both databases. `details` is covered as stored, byte for byte.
    return _encode_json(values).encode()


def canonical(event: AuditEvent) -> bytes:
    """The entry's content as canonical JSON: what the MAC covers besides chain and sequence."""
    return _canonical_values([_timestamp(event.occurred_at),
                              *(getattr(event, column.key) for column in CONTENT_COLUMNS[1:])])


def compute_mac(key: bytes, prev_mac: str, seq: int, event: AuditEvent) -> str:
    """HMAC-SHA256 over the previous MAC, the sequence number and the canonical content."""
    message = f"{prev_mac}|{seq}|".encode() + canonical(event)
    return hmac.digest(key, message, "sha256").hex()


def keyed_hmac_sha256(key: bytes) -> Callable[[bytes], str]:
    """HMAC-SHA256 under `key` as a function of the message, hex; equal to hmac.digest(key, m, "sha256").hex().

    RFC 2104 with the inner and outer pads hashed once: verification computes one MAC per
    entry, and re-doing the key schedule each time costs as much as the rest of the check.
    """
    block = key if len(key) <= 64 else hashlib.sha256(key).digest()
    block = block.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))

    def mac(message: bytes) -> str:
        step = inner.copy()
        step.update(message)
        final = outer.copy()
        final.update(step.digest())
        return final.hexdigest()

    return mac


def _row_mac(key: bytes, prev_mac: str, seq: int, content: Sequence[Any]) -> str:
    # The same message as compute_mac, from a row whose timestamp the database already formatted.
    return hmac.digest(key, f"{prev_mac}|{seq}|{_encode_json(content)}".encode(), "sha256").hex()


def _timestamp_text(dialect: str) -> Any:
    """occurred_at formatted by the database exactly as `_timestamp` formats it in Python.

    Verification reads the text, so no row goes through datetime parsing and formatting.
    """
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", AuditEvent.occurred_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (SQLAlchemy always writes the microseconds).
    return func.replace(type_coerce(AuditEvent.occurred_at, String), " ", "T").concat("Z")


def _chain_columns(dialect: str) -> tuple[Any, ...]:
    return (AuditEvent.seq, _timestamp_text(dialect), *CONTENT_COLUMNS[1:], AuditEvent.prev_mac, AuditEvent.mac)


_LOCK = text("SELECT pg_advisory_xact_lock(7346001)")
_HEAD = select(AuditEvent.seq, AuditEvent.mac).order_by(AuditEvent.seq.desc()).limit(1)
_TABLE: Table = AuditEvent.__table__  # type: ignore[assignment]
_INSERT = insert(_TABLE)
_COLUMN_KEYS = tuple(column.key for column in _TABLE.columns)


def _lock_chain(session: Session) -> None:
    # Two writers must not fork the chain: PostgreSQL serializes appends with a
    # transaction-scoped advisory lock; SQLite transactions begin IMMEDIATE (database.py).
    # The head is read in a later statement, so under READ COMMITTED it sees the last writer's entry.
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK)


_HEAD_CACHE = "dfi_audit_head"


def _current_transaction(session: Session) -> Any:
    real = session() if isinstance(session, scoped_session) else session  # the registry's session
    return real.get_nested_transaction() or real.get_transaction()


def _next_link(session: Session) -> tuple[int, str]:
    """The sequence number and previous MAC for the next entry, taking the chain lock.

    Once this transaction holds the lock no other writer can append, so the head read by its
    first append stays valid for the next ones: later appends skip the lock and the read. The
    cache is keyed by the innermost transaction, so a rolled-back savepoint forces a fresh read.
    """
    cached = session.info.get(_HEAD_CACHE)
    if cached is not None and cached[0] is _current_transaction(session):
        return cached[1] + 1, cached[2]
    _lock_chain(session)
    # Core statements on the session's connection: no ORM machinery on a path every request takes.
    head = session.connection().execute(_HEAD).first()
    return (head.seq + 1, head.mac) if head else (1, GENESIS_MAC)


def append(session: Session, key: bytes, event: AuditEvent) -> AuditEvent:
    """Link `event` (its content filled in) to the chain's head and insert it, in the caller's transaction.

    Returns the entry as written; it is not attached to the session (load it by `seq` if needed).
    """
    event.seq, event.prev_mac = _next_link(session)
    event.mac = compute_mac(key, event.prev_mac, event.seq, event)
    # A Core insert, not the unit of work: one statement, no ORM bookkeeping, on every request.
    session.connection().execute(_INSERT, {name: getattr(event, name) for name in _COLUMN_KEYS})
    session.info[_HEAD_CACHE] = (_current_transaction(session), event.seq, event.mac)
    return event


# The chain head and verification.


@dataclass(frozen=True)
class ChainHead:
    """The last entry's sequence number and MAC: saved outside the database, it catches a cut tail."""

    seq: int
    mac: str

    def to_json(self) -> str:
        return json.dumps({"seq": self.seq, "mac": self.mac})

    @classmethod
    def from_json(cls, raw: str) -> ChainHead:
        data = json.loads(raw)
        return cls(seq=int(data["seq"]), mac=str(data["mac"]))


def chain_head(session: Session) -> ChainHead:
    """The current head of the chain (sequence 0 and the genesis MAC when the trail is empty)."""
    row = session.execute(select(AuditEvent.seq, AuditEvent.mac).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return ChainHead(row.seq, row.mac) if row else ChainHead(0, GENESIS_MAC)


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the chain; on failure, the first bad entry and why."""

    ok: bool
    checked: int
    head: ChainHead
    bad_seq: int | None = None
    #: One of: altered, removed, inserted, reordered, truncated.
    reason: str | None = None
    message: str = ""


REASON_MESSAGES = {
    "altered": _l("la entrada %(seq)s fue modificada: su MAC no corresponde a su contenido"),
    "removed": _l("falta la entrada %(seq)s: fue borrada"),
    "inserted": _l("la entrada %(seq)s fue insertada: la cadena continúa sin ella"),
    "reordered": _l("la entrada %(seq)s está fuera de orden: pertenece a otra posición de la cadena"),
    "truncated": _l("la cadena está truncada a partir de la entrada %(seq)s: no coincide con la cabeza guardada"),
}


def _failure(checked: int, head: ChainHead, seq: int, reason: str) -> VerifyResult:
    return VerifyResult(ok=False, checked=checked, head=head, bad_seq=seq, reason=reason,
                        message=str(REASON_MESSAGES[reason]) % {"seq": seq})


def _diagnose(session: Session, key: bytes, row: Sequence[Any], prev_mac: str) -> str:
    """Why an entry failed: only runs once, at the first bad entry, so it may query freely."""
    seq, stored_prev = row[0], row[-2]
    content = row[1:-2]
    if stored_prev != prev_mac:
        # A genuine entry whose predecessor sits elsewhere in the table was moved.
        elsewhere = session.scalar(select(AuditEvent.seq).where(AuditEvent.mac == stored_prev,
                                                                 AuditEvent.seq != seq).limit(1))
        if elsewhere is not None:
            return "reordered"
    following = session.execute(select(AuditEvent.prev_mac).where(AuditEvent.seq > seq)
                                .order_by(AuditEvent.seq).limit(1)).first()
    if following is not None and following.prev_mac == prev_mac:
        return "inserted"  # the next entry links to this one's predecessor: this one does not belong
    # A genuine entry renumbered down after entries before it were deleted.
    for shift in range(1, 1001):
        if _row_mac(key, stored_prev, seq + shift, content) == row[-1]:
            return "removed"
    return "altered"


def verify_chain(session: Session, key: bytes, saved_head: ChainHead | None = None) -> VerifyResult:
    """Walk the whole chain in order and check every link and MAC; stop at the first bad entry.

    With `saved_head` (exported earlier with `chain_head`), also check that the chain still
    reaches it with the same MAC: only this catches a tail cut off the end.
    """
    columns = _chain_columns(session.get_bind().dialect.name)
    stmt = select(*columns).order_by(AuditEvent.seq).execution_options(yield_per=VERIFY_BATCH)
    # Core, not the ORM: rows come back as plain tuples, with no per-row loading machinery.
    rows = session.connection().execute(stmt)
    try:
        # Whole batches per fetch (one round trip each), flattened in C.
        return _walk(session, key, chain.from_iterable(rows.tuples().partitions(VERIFY_BATCH)), saved_head)
    finally:
        rows.close()  # a server-side cursor left open after an early return would leak


def _walk(session: Session, key: bytes, rows: Iterable[Sequence[Any]], saved_head: ChainHead | None) -> VerifyResult:
    prev_mac, expected = GENESIS_MAC, 1
    saved_seq = saved_head.seq if saved_head is not None else -1
    mac_of, encode = keyed_hmac_sha256(key), _encode_json
    for row in rows:
        seq = row[0]
        if seq != expected:
            return _failure(expected - 1, ChainHead(expected - 1, prev_mac), expected, "removed")
        # _row_mac inlined: this loop must check 100,000 entries a second.
        mac = mac_of(f"{prev_mac}|{seq}|{encode(row[1:-2])}".encode())
        if row[-2] != prev_mac or mac != row[-1]:
            reason = _diagnose(session, key, row, prev_mac)
            return _failure(expected - 1, ChainHead(expected - 1, prev_mac), seq, reason)
        if seq == saved_seq and row[-1] != saved_head.mac:  # type: ignore[union-attr]
            # Cut and re-grown since the head was saved.
            return _failure(expected - 1, ChainHead(expected - 1, prev_mac), seq, "truncated")
        prev_mac, expected = row[-1], seq + 1
    head = ChainHead(expected - 1, prev_mac)
    if saved_head is not None and saved_head.seq > head.seq:
        return _failure(head.seq, head, head.seq + 1, "truncated")
    return VerifyResult(ok=True, checked=head.seq, head=head)
