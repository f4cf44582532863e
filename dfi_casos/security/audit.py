"""The audit trail: one append-only table whose entries are chained by HMAC-SHA256."""
from __future__ import annotations

import enum
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from json import encoder
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import DateTime, Integer, String, Table, Text, func, insert, select, text, type_coerce
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from dfi_casos.database import Base, utcnow

GENESIS_MAC = "0" * 64

#: Rows fetched per round trip while verifying: large enough that the loop, not the driver, dominates.
VERIFY_BATCH = 10_000

#: At most this many result ids are kept in a search or export entry; the count is always exact.
MAX_IDS = 1_000


class Action(enum.StrEnum):
    """The actions the trail records; feature code uses these names, the auditor screens filter by them."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"
    LOGOUT = "logout"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - an action name, not a secret
    SESSIONS_REVOKED = "sessions_revoked"
    SESSION_REVOKED = "session_revoked"
    MFA_ENROLL = "mfa_enroll"
    MFA_RESET = "mfa_reset"
    RECOVERY_CODE_USED = "recovery_code_used"
    RATE_LIMITED = "rate_limited"
    ACCESS_DENIED = "access_denied"
    VIEW = "view"
    SEARCH = "search"
    CREATE = "create"
    UPDATE = "update"
    STAGE_CHANGE = "stage_change"
    APPROVAL = "approval"
    ASSIGNMENT = "assignment"
    REFERRAL = "referral"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    DUPLICATE_OVERRIDE = "duplicate_override"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"
    MEMBERSHIP_CHANGED = "membership_changed"
    MERGE = "merge"
    MERGE_UNDO = "merge_undo"
    EXPORT = "export"
    USER_CREATE = "user_create"
    USER_UPDATE = "user_update"
    PERMISSION_CHANGE = "permission_change"
    KEY_GENERATE = "key_generate"
    KEY_ACTIVATE = "key_activate"
    KEY_ROTATION = "key_rotation"
    KEY_RETIRE = "key_retire"
    BLIND_INDEX_REBUILD = "blind_index_rebuild"
    AUDIT_VIEW = "audit_view"
    AUDIT_EXPORT = "audit_export"
    AUDIT_VERIFY = "audit_verify"


#: Spanish labels for the auditor screens.
ACTION_LABELS: dict[str, str] = {
    Action.LOGIN: "Inicio de sesión",
    Action.LOGIN_FAILED: "Inicio de sesión fallido",
    Action.LOCKOUT: "Bloqueo de cuenta",
    Action.LOGOUT: "Cierre de sesión",
    Action.PASSWORD_CHANGE: "Cambio de contraseña",
    Action.SESSIONS_REVOKED: "Sesiones cerradas",
    Action.SESSION_REVOKED: "Sesión cerrada desde dispositivos",
    Action.MFA_ENROLL: "Verificación en dos pasos activada",
    Action.MFA_RESET: "Verificación en dos pasos restablecida",
    Action.RECOVERY_CODE_USED: "Código de recuperación usado",
    Action.RATE_LIMITED: "Límite de solicitudes alcanzado",
    Action.ACCESS_DENIED: "Acceso denegado",
    Action.VIEW: "Consulta",
    Action.SEARCH: "Búsqueda",
    Action.CREATE: "Alta",
    Action.UPDATE: "Modificación",
    Action.STAGE_CHANGE: "Cambio de etapa",
    Action.APPROVAL: "Aprobación",
    Action.ASSIGNMENT: "Asignación",
    Action.REFERRAL: "Canalización",
    Action.CONSENT_GIVEN: "Consentimiento otorgado",
    Action.CONSENT_WITHDRAWN: "Consentimiento retirado",
    Action.DUPLICATE_OVERRIDE: "Registro pese a posible duplicado",
    Action.MEMBER_JOINED: "Ingreso al hogar",
    Action.MEMBER_LEFT: "Salida del hogar",
    Action.MEMBERSHIP_CHANGED: "Cambio de integrante",
    Action.MERGE: "Fusión de registros",
    Action.MERGE_UNDO: "Fusión deshecha",
    Action.EXPORT: "Exportación",
    Action.USER_CREATE: "Alta de cuenta",
    Action.USER_UPDATE: "Modificación de cuenta",
    Action.PERMISSION_CHANGE: "Cambio de rol o territorio",
    Action.KEY_GENERATE: "Clave generada",
    Action.KEY_ACTIVATE: "Clave activada",
    Action.KEY_ROTATION: "Recifrado con la clave activa",
    Action.KEY_RETIRE: "Clave retirada",
    Action.BLIND_INDEX_REBUILD: "Índices ciegos reconstruidos",
    Action.AUDIT_VIEW: "Consulta de bitácora",
    Action.AUDIT_EXPORT: "Exportación de bitácora",
    Action.AUDIT_VERIFY: "Verificación de bitácora",
}


class AuditEvent(Base):
    __tablename__ = "audit_event"

    #: Sequence number: the position in the chain, assigned under the append lock.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
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
    if value.tzinfo is None:  # SQLite hands back naive UTC
        return value.strftime(TIMESTAMP_FORMAT)
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


def _audit_key() -> bytes:
    key: bytes = current_app.extensions["dfi_keys"].audit_key
    return key


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


def _actor_states(actor: Any) -> str:
    if getattr(actor, "is_national", False):
        return "*"
    return "," + ",".join(getattr(actor, "states", [])) + ","


def record(
    session: Session,
    *,
    action: str,
    actor: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
    state_code: str | None = None,
    folio: str | None = None,
) -> AuditEvent:
    """Append one entry in the caller's transaction: no change lands without its entry.

    Returns the entry as written; it is not attached to the session (load it by `seq` if needed).

    `details` must never hold a personal value, credential or search term: name fields,
    not contents; give result ids and counts, not what was searched. `state_code` (the
    object's territory) and `folio` let state auditors and the record history find the entry.
    """
    session.flush()  # the caller's work first, so the entry follows what it records
    seq, prev_mac = _next_link(session)
    actor_id = getattr(actor, "id", None) if actor is not None and not getattr(actor, "is_anonymous", False) else None
    event = AuditEvent(
        seq=seq,
        occurred_at=utcnow(),
        actor_id=actor_id,
        actor_username=getattr(actor, "username", None) if actor_id else None,
        actor_role=str(actor.role.value) if actor_id else None,
        actor_states=_actor_states(actor) if actor_id else None,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        object_state=state_code,
        folio=folio,
        outcome=outcome,
        origin=request.remote_addr if has_request_context() else "cli",
        details=json.dumps(details or {}, sort_keys=True, separators=(",", ":")),
        prev_mac=prev_mac,
    )
    event.mac = compute_mac(_audit_key(), prev_mac, seq, event)
    # A Core insert, not the unit of work: one statement, no ORM bookkeeping, on every request.
    session.connection().execute(_INSERT, {name: getattr(event, name) for name in _COLUMN_KEYS})
    session.info[_HEAD_CACHE] = (_current_transaction(session), seq, event.mac)
    return event


# Named helpers: the feature code says what happened; these decide what may be written about it.


def record_view(session: Session, actor: Any, object_type: str, object_id: Any, *, fields: Iterable[str],
                ids: Iterable[Any] | None = None, state_code: str | None = None,
                folio: str | None = None) -> AuditEvent:
    """A page or API answer showed sensitive `fields` (names only) of one record, or of the records `ids`
    (a list page: pass `object_id=None`)."""
    details: dict[str, Any] = {"fields": sorted(set(fields))}
    if ids is not None:
        count, shown = _ids(ids)
        details.update(ids=shown, count=count)
    return record(session, action=Action.VIEW, actor=actor, object_type=object_type, object_id=object_id,
                  details=details, state_code=state_code, folio=folio)


def _ids(values: Iterable[Any]) -> tuple[int, list[str]]:
    ids = [str(value) for value in values]
    return len(ids), ids[:MAX_IDS]


def record_search(session: Session, actor: Any, kind: str, result_ids: Iterable[Any], *,
                  fields: Iterable[str] = (), object_type: str | None = None,
                  state_code: str | None = None) -> AuditEvent:
    """A search ran: its `kind` (e.g. "curp"), the count and ids of its results, and the names of the
    `fields` the results page shows; never the term. One entry per search: it also covers showing the results."""
    count, ids = _ids(result_ids)
    details: dict[str, Any] = {"kind": kind, "count": count, "ids": ids, "ids_truncated": count > len(ids)}
    if fields:
        details["fields"] = sorted(set(fields))
    return record(session, action=Action.SEARCH, actor=actor, object_type=object_type or kind, details=details,
                  state_code=state_code)


def record_export(session: Session, actor: Any, kind: str, *, count: int, record_ids: Iterable[Any] = (),
                  file_format: str = "csv", fields: Iterable[str] = (), state_code: str | None = None,
                  **facts: Any) -> AuditEvent:
    """An export left the system: what kind, how many rows, which records and which fields (names).

    `facts` are short non-personal values (e.g. `tables=[...]`, `threshold=5`).
    """
    _, ids = _ids(record_ids)
    return record(session, action=Action.EXPORT, actor=actor, object_type=kind,
                  details={"kind": kind, "count": count, "format": file_format, "ids": ids,
                           "fields": sorted(set(fields)), **facts},
                  state_code=state_code)


#: A short non-personal value an entry may carry: an id, a count, a status, a list of ids.
Fact = str | int | bool | None | list[str]


def record_change(session: Session, actor: Any, action: Action, object_type: str, object_id: Any, *,
                  fields: Iterable[str] = (), state_code: str | None = None, folio: str | None = None,
                  **facts: Fact) -> AuditEvent:
    """A record was created, updated, moved to a stage, approved, assigned or referred.

    `fields` are the names of the changed fields, never their values. `facts` are short
    non-personal values such as `from_stage="intake", to_stage="recognition"` or `assignee_id=7`.
    """
    if action not in CHANGE_ACTIONS:
        raise ValueError(f"record_change does not record {action!r}")
    return record(session, action=action, actor=actor, object_type=object_type, object_id=object_id,
                  details={"fields": sorted(set(fields)), **facts}, state_code=state_code, folio=folio)


CHANGE_ACTIONS = frozenset({Action.CREATE, Action.UPDATE, Action.STAGE_CHANGE, Action.APPROVAL, Action.ASSIGNMENT,
                            Action.REFERRAL, Action.CONSENT_GIVEN, Action.CONSENT_WITHDRAWN,
                            Action.DUPLICATE_OVERRIDE, Action.MEMBER_JOINED, Action.MEMBER_LEFT,
                            Action.MEMBERSHIP_CHANGED, Action.MERGE, Action.MERGE_UNDO})


def record_denial(session: Session, actor: Any, object_type: str | None, object_id: Any, reason: str) -> AuditEvent:
    """A request was refused as not visible (absent or out of scope: the user cannot tell which; this entry says).

    `object_id` is whatever identified the record; `reason` names the rule ("absent", "out_of_scope", ...).
    """
    # The columns' widths: whatever came in a URL is cut, never allowed to fail the entry.
    return record(session, action=Action.ACCESS_DENIED, actor=actor,
                  object_type=object_type[:40] if object_type else None,
                  object_id=str(object_id)[:64] if object_id is not None else None,
                  outcome="denied", details={"reason": reason})


KEY_ACTIONS = frozenset({Action.KEY_GENERATE, Action.KEY_ACTIVATE, Action.KEY_ROTATION, Action.KEY_RETIRE,
                         Action.BLIND_INDEX_REBUILD})


def record_key_operation(session: Session, actor: Any, action: Action, key_id: int | str,
                         **facts: str | int | bool | None) -> AuditEvent:
    """A key was generated, activated or retired, or data re-encrypted: key ids and counts, never key material."""
    if action not in KEY_ACTIONS:
        raise ValueError(f"record_key_operation does not record {action!r}")
    return record(session, action=action, actor=actor, object_type="clave", object_id=key_id, details=dict(facts))


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
    "altered": "la entrada {seq} fue modificada: su MAC no corresponde a su contenido",
    "removed": "falta la entrada {seq}: fue borrada",
    "inserted": "la entrada {seq} fue insertada: la cadena continúa sin ella",
    "reordered": "la entrada {seq} está fuera de orden: pertenece a otra posición de la cadena",
    "truncated": "la cadena está truncada a partir de la entrada {seq}: no coincide con la cabeza guardada",
}


def _failure(checked: int, head: ChainHead, seq: int, reason: str) -> VerifyResult:
    return VerifyResult(ok=False, checked=checked, head=head, bad_seq=seq, reason=reason,
                        message=REASON_MESSAGES[reason].format(seq=seq))


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
