"""Online key rotation: count values per key, re-encrypt in batches, rebuild blind indexes.

Every batch commits on its own and every row is written with a compare-and-swap
(`UPDATE ... WHERE id = :id AND col IS NOT DISTINCT FROM :old`), so the application keeps
serving, a concurrent edit is never overwritten, and a killed run loses nothing: run it again.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, LargeBinary, Table, and_, bindparam, func, inspect, literal, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapper

from dfi_casos.security.crypto import DecryptionError, KeyMaterial, decryption_failed, key_id_prefix
from dfi_casos.security.fields import Encrypted, _Index, own_blind_indexes, own_encrypted_fields

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass
class EncryptedTable:
    """One table's encrypted columns and blind indexes, as the rotation walks them."""

    table: Table
    pk: Column[Any]
    fields: list[Encrypted[Any]] = field(default_factory=list)
    indexes: list[_Index] = field(default_factory=list)

    def column(self, enc: Encrypted[Any]) -> Column[Any]:
        """The table column holding an encrypted field's ciphertext."""
        return self.table.c[enc.binding().column]

    def field_named(self, name: str) -> Encrypted[Any]:
        """The encrypted field behind a blind-index input."""
        for enc in self.fields:
            if enc.name == name:
                return enc
        raise KeyError(f"{self.table.name}: el índice usa {name!r}, que no es un campo cifrado de la tabla")


@dataclass
class RunResult:
    """What a rotation or rebuild did; `failures` name the values that did not decrypt, left as they were."""

    rewritten: int = 0
    conflicts: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """How many values did not decrypt."""
        return len(self.failures)

    def record_failure(self, error: DecryptionError) -> None:
        """Name a value that did not decrypt (once, however many passes meet it); never its content."""
        line = f"{error.table}.{error.column} {error.record_id}: {error.reason}"
        if line not in self.failures:
            self.failures.append(line)


def encrypted_tables(models: Any) -> list[EncryptedTable]:
    """Every table with encrypted fields, found by walking a declarative Base or a list of classes."""
    mappers: Iterable[Mapper[Any]] = (
        models.registry.mappers if hasattr(models, "registry") else (inspect(cls) for cls in models)
    )
    tables: dict[str, EncryptedTable] = {}
    for mapper in sorted(mappers, key=lambda m: m.class_.__qualname__):
        fields, indexes = own_encrypted_fields(mapper.class_), own_blind_indexes(mapper.class_)
        if not fields and not indexes:
            continue
        for enc in fields:
            _entry_for(tables, mapper, enc.column_attr).fields.append(enc)
        for index in indexes:
            _entry_for(tables, mapper, index.column_attr).indexes.append(index)
    return [tables[name] for name in sorted(tables)]


def _entry_for(tables: dict[str, EncryptedTable], mapper: Mapper[Any], column_attr: str) -> EncryptedTable:
    table = mapper.columns[column_attr].table
    if not isinstance(table, Table):
        raise TypeError(f"{mapper.class_.__name__}.{column_attr}: un campo cifrado va en una tabla")
    if table.name not in tables:
        tables[table.name] = EncryptedTable(table, _single_pk(table))
    return tables[table.name]


def _single_pk(table: Table) -> Column[Any]:
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        raise TypeError(f"{table.name}: los campos cifrados requieren una llave primaria de una columna")
    return columns[0]


def _key_id_of(column: Column[Any]) -> Any:
    # Bytes 2-3 (1-based) of a stored value: the key id, readable by SQL on SQLite and PostgreSQL.
    return func.substr(column, 2, 2, type_=LargeBinary)


def key_usage(connection: Connection, tables: Sequence[EncryptedTable]) -> dict[int, int]:
    """How many stored values each key id protects, across every encrypted column."""
    usage: dict[int, int] = {}
    for entry in tables:
        for enc in entry.fields:
            kid = _key_id_of(entry.column(enc))
            rows = connection.execute(select(kid, func.count()).where(entry.column(enc).is_not(None)).group_by(kid))
            for raw, count in rows:
                key_id = int.from_bytes(bytes(raw), "big")
                usage[key_id] = usage.get(key_id, 0) + int(count)
    return usage


def _not_under(entry: EncryptedTable, key_id: int) -> Any:
    prefix = literal(key_id_prefix(key_id), LargeBinary)
    columns = [entry.column(enc) for enc in entry.fields]
    return or_(*(and_(col.is_not(None), _key_id_of(col) != prefix) for col in columns))


def pending_rotation(connection: Connection, tables: Sequence[EncryptedTable], active_key_id: int) -> int:
    """Rows holding at least one value under a key other than the active one."""
    total = 0
    for entry in tables:
        if entry.fields:
            query = select(func.count()).select_from(entry.table).where(_not_under(entry, active_key_id))
            total += int(connection.execute(query).scalar_one())
    return total


class _CasWriter:
    """UPDATE one row only if the guarded columns still hold what was read: a concurrent edit wins.

    Compiled once and handed straight to the driver: SQLAlchemy's per-row parameter processing
    costs about as much as the decryption and encryption themselves. Ciphertexts and index
    values are bytes, ints or None, which both drivers take as they are; only the primary key
    goes through its type (a UUID is text on SQLite).
    """

    def __init__(self, dialect: Any, entry: EncryptedTable, set_columns: Sequence[Column[Any]],
                 guard: Sequence[Column[Any]]) -> None:
        conditions = [entry.pk == bindparam("b_pk", type_=entry.pk.type)]
        conditions += [col.is_not_distinct_from(bindparam(f"b_old_{col.name}", type_=col.type)) for col in guard]
        values = {col.name: bindparam(f"b_new_{col.name}", type_=col.type) for col in set_columns}
        compiled = update(entry.table).where(*conditions).values(values).compile(dialect=dialect)
        self.sql = str(compiled)
        self.positions: Sequence[str] | None = compiled.positiontup
        self.pk_processor = entry.pk.type.bind_processor(dialect)

    def write(self, connection: Connection, params: list[dict[str, Any]], result: RunResult) -> None:
        """Send one batch of rows; count those written and those an edit got to first."""
        if not params:
            return
        if self.pk_processor is not None:
            for row in params:
                row["b_pk"] = self.pk_processor(row["b_pk"])
        rows: list[Any] = params if self.positions is None else [tuple(r[k] for k in self.positions) for r in params]
        written = connection.exec_driver_sql(self.sql, rows).rowcount
        written = len(params) if written is None or written < 0 else written
        result.rewritten += written
        result.conflicts += len(params) - written


def _open(keys: KeyMaterial, enc: Encrypted[Any], stored: bytes, record_id: Any, rid: bytes) -> bytes:
    """Decrypt one value of a row read by SQL, or log and raise DecryptionError."""
    where = enc.binding()
    try:
        return keys.ring.decrypt(stored, where.ad_prefix + rid)
    except ValueError as exc:
        raise decryption_failed(where.table, where.column, record_id, str(exc)) from None


def _rotate_row(keys: KeyMaterial, entry: EncryptedTable, row: Any, result: RunResult) -> dict[str, Any] | None:
    active = key_id_prefix(keys.ring.active_key_id)
    record_id, rid = row[0], str(row[0]).encode()  # formatted once per row, not once per column
    params: dict[str, Any] = {"b_pk": record_id}
    for position, enc in enumerate(entry.fields, start=1):
        stored, name = row[position], enc.column_attr
        params["b_old_" + name] = params["b_new_" + name] = stored
        if stored is None or stored[1:3] == active:
            continue
        try:
            plaintext = _open(keys, enc, stored, record_id, rid)
        except DecryptionError as exc:
            result.record_failure(exc)
            return None
        params["b_new_" + name] = keys.ring.encrypt(plaintext, enc.binding().ad_prefix + rid)
    return params


def rotate_fields(
    engine: Engine, keys: KeyMaterial, tables: Sequence[EncryptedTable], batch_size: int = 1000,
    progress: Progress | None = None,
) -> RunResult:
    """Re-encrypt every value not under the active key; one committed batch at a time.

    Passes repeat until nothing is left or a pass changes nothing (values that do not decrypt
    stay as they were and are reported in `failed`).
    """
    result = RunResult()
    while True:
        before = result.rewritten
        for entry in tables:
            if entry.fields:
                _rotate_table(engine, keys, entry, batch_size, progress, result)
        with engine.connect() as connection:
            if result.rewritten == before or not pending_rotation(connection, tables, keys.ring.active_key_id):
                return result


def _rotate_table(
    engine: Engine, keys: KeyMaterial, entry: EncryptedTable, batch_size: int, progress: Progress | None,
    result: RunResult,
) -> None:
    columns = [entry.column(enc) for enc in entry.fields]
    writer = _CasWriter(engine.dialect, entry, columns, columns)
    last: Any = None
    while True:
        # Keyset pagination: a batch never rereads what an earlier one wrote, and a rerun starts afresh.
        query = select(entry.pk, *columns).where(_not_under(entry, keys.ring.active_key_id))
        if last is not None:
            query = query.where(entry.pk > last)
        with engine.begin() as connection:
            rows = connection.execute(query.order_by(entry.pk).limit(batch_size)).all()
            if not rows:
                return
            params = [p for p in (_rotate_row(keys, entry, row, result) for row in rows) if p is not None]
            writer.write(connection, params, result)
        last = rows[-1][0]
        if progress is not None:
            progress(len(rows))


def _index_inputs(entry: EncryptedTable) -> list[Encrypted[Any]]:
    names = dict.fromkeys(name for index in entry.indexes for name in index.inputs)
    return [entry.field_named(name) for name in names]


def _expected_indexes(
    keys: KeyMaterial, entry: EncryptedTable, inputs: Sequence[Encrypted[Any]], row: Any
) -> dict[str, int | None]:
    values: dict[str, Any] = {}
    record_id, rid = row[0], str(row[0]).encode()
    for position, enc in enumerate(inputs, start=1):
        stored = row[position]
        values[enc.name] = None if stored is None else enc.codec.decode(_open(keys, enc, stored, record_id, rid))
    return {
        index.column_attr: index.value_for(keys, [values[name] for name in index.inputs]) for index in entry.indexes
    }


def rebuild_blind_indexes(
    engine: Engine, keys: KeyMaterial, tables: Sequence[EncryptedTable], batch_size: int = 1000,
    progress: Progress | None = None, dry_run: bool = False,
) -> RunResult:
    """Recompute every blind index under the current root; write only the values that differ.

    With `dry_run`, write nothing and count in `rewritten` the rows whose index is stale:
    zero means the previous root can be retired.
    """
    result = RunResult()
    for entry in tables:
        if entry.indexes:
            _rebuild_table(engine, keys, entry, batch_size, progress, dry_run, result)
    return result


def _rebuild_table(
    engine: Engine, keys: KeyMaterial, entry: EncryptedTable, batch_size: int, progress: Progress | None,
    dry_run: bool, result: RunResult,
) -> None:
    inputs = _index_inputs(entry)
    input_columns = [entry.column(enc) for enc in inputs]
    index_columns = [entry.table.c[index.column_attr] for index in entry.indexes]
    # Guard on the inputs: an index computed from a value the app has since changed is not written.
    writer = _CasWriter(engine.dialect, entry, index_columns, input_columns)
    last: Any = None
    while True:
        query = select(entry.pk, *input_columns, *index_columns)
        if last is not None:
            query = query.where(entry.pk > last)
        with engine.begin() as connection:
            rows = connection.execute(query.order_by(entry.pk).limit(batch_size)).all()
            if not rows:
                return
            params = []
            for row in rows:
                param = _rebuild_row(keys, entry, inputs, index_columns, row, result)
                if param is not None:
                    params.append(param)
            if dry_run:
                result.rewritten += len(params)
            else:
                writer.write(connection, params, result)
        last = rows[-1][0]
        if progress is not None:
            progress(len(rows))


def _rebuild_row(
    keys: KeyMaterial, entry: EncryptedTable, inputs: Sequence[Encrypted[Any]], index_columns: Sequence[Column[Any]],
    row: Any, result: RunResult,
) -> dict[str, Any] | None:
    try:
        expected = _expected_indexes(keys, entry, inputs, row)
    except DecryptionError as exc:
        result.record_failure(exc)
        return None
    stored = row[1 + len(inputs):]
    new_values = [expected[index.column_attr] for index in entry.indexes]
    if list(stored) == new_values:
        return None
    params: dict[str, Any] = {"b_pk": row[0]}
    for position, enc in enumerate(inputs, start=1):
        params["b_old_" + enc.column_attr] = row[position]
    for column, value in zip(index_columns, new_values, strict=True):
        params["b_new_" + column.name] = value
    return params


def total_rows(connection: Connection, tables: Sequence[EncryptedTable], with_indexes: bool = False) -> int:
    """Rows of the tables that hold encrypted fields (or blind indexes): the length of a full pass."""
    return sum(
        int(connection.execute(select(func.count()).select_from(entry.table)).scalar_one())
        for entry in tables
        if (entry.indexes if with_indexes else entry.fields)
    )


def unmapped_encrypted_columns(connection: Connection, tables: Sequence[EncryptedTable]) -> list[str]:
    """`*_enc` columns in the database that no loaded model declares: a key must not be retired past them."""
    known = {(entry.table.name, entry.column(enc).name) for entry in tables for enc in entry.fields}
    inspector = inspect(connection)
    missing = []
    for table_name in inspector.get_table_names():
        for column in inspector.get_columns(table_name):
            name = column["name"]
            if name.endswith("_enc") and (table_name, name) not in known:
                missing.append(f"{table_name}.{name}")
    return missing
