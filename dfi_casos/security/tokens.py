"""Token blind indexes: a side table of truncated HMACs per record, to search by parts of encrypted values.

A `BlindIndex` answers "exactly this CURP". A name search needs parts: "this given name with
this surname", "this surname born that year". A `TokenIndex` keeps, for each record, a few rows
`(record id, token)` where each token is the HMAC-SHA256 of one token string (from the
feature's `tokenize`) under the index's own derived key, truncated like every blind index.
A lookup matches token values and counts how many each record shares; the caller decrypts the
best few candidates and ranks them. Nothing here decides a match.

    PERSON_NAME_TOKENS = TokenIndex("name", Person, PersonNameToken.__table__,
                                    inputs=("given_names", ...), tokenize=person_name_tokens)

Rows are kept current by a flush hook (any ORM insert or change of an input rewrites the
record's rows in the same transaction) and, for records written without the ORM's unit of
work, by `refresh_tokens(session, records)`: the one function a batch path calls.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Table, and_, delete, event, func, insert, inspect, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.sql.elements import ColumnElement

from dfi_casos.security.crypto import DecryptionError, KeyMaterial, decryption_failed
from dfi_casos.security.fields import current_keys, encrypted_fields, primary_key_attr
from dfi_casos.security.rotation import Progress, RunResult

_REGISTRY: list[TokenIndex] = []


class TokenIndex:
    """Token rows of one model in one side table (owner id, token), refreshed when an input changes."""

    def __init__(self, name: str, owner: type, table: Table, *, inputs: Sequence[str],
                 tokenize: Callable[..., set[str]], owner_column: str = "owner_id",
                 token_column: str = "token") -> None:  # noqa: S107 (a column name, not a secret)
        self.name = name
        self.owner = owner
        self.table = table
        self.inputs = tuple(inputs)
        self.tokenize = tokenize
        self.owner_col: Column[Any] = table.c[owner_column]
        self.token_col: Column[Any] = table.c[token_column]
        self.index_id = f"{table.name}.{name}"
        _REGISTRY.append(self)

    # --- values -------------------------------------------------------------------------------

    def values_for(self, keys: KeyMaterial, inputs: Sequence[Any]) -> set[int]:
        """The token values to store for these plaintext inputs (current root)."""
        return {keys.blind.compute(self.index_id, token) for token in self.tokenize(*inputs)}

    def lookup_values(self, tokens: Iterable[str]) -> list[int]:
        """The values a lookup of these token strings matches (both roots during a rebuild)."""
        blind = current_keys().blind
        return sorted({v for token in tokens for v in blind.lookup_values(self.index_id, token)})

    def matching(self, tokens: Iterable[str]) -> ColumnElement[bool]:
        """SQL condition on the side table: rows holding one of these tokens."""
        values = self.lookup_values(tokens)
        return self.token_col.in_(values) if values else self.token_col.is_(None)

    def ranked_owner_ids(self, tokens: Iterable[str], limit: int, restrict: Any = None) -> Any:
        """SELECT owner id, shared-token count for records sharing a token, most shared first.

        `restrict` is a subquery of visible owner ids (the caller's scope), or None.
        """
        hits = func.count().label("hits")
        query = select(self.owner_col, hits).where(self.matching(tokens))
        if restrict is not None:
            query = query.where(self.owner_col.in_(restrict))
        return query.group_by(self.owner_col).order_by(hits.desc(), self.owner_col).limit(limit)

    def _inputs_of(self, record: Any) -> list[Any]:
        return [getattr(record, name) for name in self.inputs]


def token_indexes_of(cls: type) -> list[TokenIndex]:
    """The token indexes whose owner is `cls`."""
    return [index for index in _REGISTRY if index.owner is cls]


def all_token_indexes() -> list[TokenIndex]:
    """Every declared token index (the models must have been imported)."""
    return list(_REGISTRY)


def refresh_tokens(session: Session, records: Iterable[Any], *, new: bool = False) -> int:
    """Rewrite the token rows of these records from their current plaintexts; returns rows written.

    The one call for code that writes records in bulk: after inserting a batch (flushed, so the
    owner rows exist), `refresh_tokens(session, batch, new=True)` indexes them in the same
    transaction. ORM inserts and edits need no call: the flush hook does it.
    """
    by_index: dict[int, tuple[TokenIndex, list[Any]]] = {}
    for record in records:
        for index in token_indexes_of(type(record)):
            by_index.setdefault(id(index), (index, []))[1].append(record)
    written = 0
    connection = session.connection()
    keys = current_keys()
    for index, group in by_index.values():
        pk = primary_key_attr(_mapper(index.owner))
        ids = [getattr(record, pk) for record in group]
        if not new:
            connection.execute(delete(index.table).where(index.owner_col.in_(ids)))
        rows = [{index.owner_col.name: owner_id, index.token_col.name: value}
                for owner_id, record in zip(ids, group, strict=True)
                for value in sorted(index.values_for(keys, index._inputs_of(record)))]
        if rows:
            connection.execute(insert(index.table), rows)
        written += len(rows)
    return written


def _mapper(cls: type) -> Any:
    return inspect(cls)


def _inputs_changed(record: Any, index: TokenIndex) -> bool:
    """Whether this flush changes a stored input (the ciphertext column of an encrypted one)."""
    columns = {field.name: field.column_attr for field in encrypted_fields(type(record))}
    attrs = inspect(record).attrs
    return any(attrs[columns.get(name, name)].history.has_changes() for name in index.inputs)


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, _flush: UOWTransaction) -> None:
    # Owner rows exist now (foreign keys hold); the tokens land in the same transaction as the edit.
    if not _REGISTRY:
        return
    owners = {index.owner for index in _REGISTRY}
    fresh = [obj for obj in session.new if type(obj) in owners]
    edited = [obj for obj in session.dirty if type(obj) in owners
              and any(_inputs_changed(obj, index) for index in token_indexes_of(type(obj)))]
    if fresh:
        refresh_tokens(session, fresh, new=True)
    if edited:
        refresh_tokens(session, edited)


# --- rebuild under a new root ---------------------------------------------------------------------

@contextmanager
def _batch(bind: Engine | Connection) -> Iterator[Connection]:
    # An engine: one committed transaction per batch. A connection (a caller's transaction): a savepoint.
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            yield connection
    else:
        with bind.begin_nested():
            yield bind


def rebuild_token_indexes(bind: Engine | Connection, keys: KeyMaterial, indexes: Sequence[TokenIndex] | None = None,
                          batch_size: int = 1000, progress: Progress | None = None,
                          dry_run: bool = False) -> RunResult:
    """Recompute every record's token rows under the current root; rewrite only records whose rows differ.

    Like `rotation.rebuild_blind_indexes`: batches by primary key, each its own transaction;
    a record whose inputs the application changed meanwhile is skipped (the app wrote its rows).
    With `dry_run`, `rewritten` counts the stale records and nothing is written.
    """
    result = RunResult()
    for index in _REGISTRY if indexes is None else indexes:
        _rebuild_index(bind, keys, index, batch_size, progress, dry_run, result)
    return result


def _rebuild_index(bind: Engine | Connection, keys: KeyMaterial, index: TokenIndex, batch_size: int,
                   progress: Progress | None, dry_run: bool, result: RunResult) -> None:
    mapper = _mapper(index.owner)
    owner_table: Table = mapper.local_table
    pk: Column[Any] = owner_table.c[mapper.primary_key[0].name]
    fields = {field.name: field for field in encrypted_fields(index.owner)}
    columns = [owner_table.c[fields[name].binding().column] for name in index.inputs]
    last: Any = None
    while True:
        query = select(pk, *columns).order_by(pk).limit(batch_size)
        if last is not None:
            query = query.where(pk > last)
        with _batch(bind) as connection:
            rows = connection.execute(query).all()
            if not rows:
                return
            stored = _stored_tokens(connection, index, [row[0] for row in rows])
            for row in rows:
                try:
                    wanted = index.values_for(keys, _decrypt_inputs(keys, fields, index, row))
                except DecryptionError as exc:
                    result.record_failure(exc)
                    continue
                if wanted == stored.get(row[0], set()):
                    continue
                if dry_run:
                    result.rewritten += 1
                elif _lock_if_unchanged(connection, owner_table, pk, columns, row):
                    connection.execute(delete(index.table).where(index.owner_col == row[0]))
                    if wanted:
                        connection.execute(insert(index.table), [
                            {index.owner_col.name: row[0], index.token_col.name: v} for v in sorted(wanted)])
                    result.rewritten += 1
                else:
                    result.conflicts += 1
        last = rows[-1][0]
        if progress is not None:
            progress(len(rows))


def _stored_tokens(connection: Connection, index: TokenIndex, ids: list[Any]) -> dict[Any, set[int]]:
    found: dict[Any, set[int]] = {}
    for owner_id, value in connection.execute(
            select(index.owner_col, index.token_col).where(index.owner_col.in_(ids))):
        found.setdefault(owner_id, set()).add(value)
    return found


def _decrypt_inputs(keys: KeyMaterial, fields: dict[str, Any], index: TokenIndex, row: Any) -> list[Any]:
    values: list[Any] = []
    rid = str(row[0]).encode()
    for position, name in enumerate(index.inputs, start=1):
        stored, field = row[position], fields[name]
        if stored is None:
            values.append(None)
            continue
        where = field.binding()
        try:
            values.append(field.codec.decode(keys.ring.decrypt(stored, where.ad_prefix + rid)))
        except ValueError as exc:
            raise decryption_failed(where.table, where.column, row[0], str(exc)) from None
    return values


def _lock_if_unchanged(connection: Connection, table: Table, pk: Column[Any], columns: list[Column[Any]],
                       row: Any) -> bool:
    # A no-op UPDATE guarded on the inputs read: it takes the row lock, so an edit in flight
    # either committed first (guard fails: its own flush wrote the tokens) or waits for us.
    guard = and_(pk == row[0], *(col.is_not_distinct_from(row[i]) for i, col in enumerate(columns, start=1)))
    outcome = connection.execute(update(table).where(guard).values({columns[0].name: columns[0]}))
    return bool(outcome.rowcount)

