"""Encryption and blind-index lookups for many rows at once, without ORM instances (bulk imports).

The same ciphertexts `Encrypted` writes (same key, same associated data: table, column, record
id) and the same index values, computed for a Core `INSERT ... VALUES` of a whole batch; and the
exact search of `find_by_blind_index`, done for a whole batch with one `IN` query per index.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.security.fields import Encrypted, blind_indexes, current_keys, encrypted_fields, get_blind_index

_FIELDS: dict[type, tuple[dict[str, Encrypted[Any]], list[Any]]] = {}


def _declared(model: type) -> tuple[dict[str, Encrypted[Any]], list[Any]]:
    # walked once per model: this runs for every row of a bulk import
    found = _FIELDS.get(model)
    if found is None:
        found = _FIELDS[model] = ({field.name: field for field in encrypted_fields(model)}, blind_indexes(model))
    return found


def insert_values(model: type, record_id: uuid.UUID, values: Mapping[str, Any]) -> dict[str, Any]:
    """The column values of one new row: plain columns as given, encrypted fields as ciphertext, every
    blind index of the model computed from the plaintexts (also those the caller did not think of)."""
    keys = current_keys()
    fields, indexes = _declared(model)
    ad_id = str(record_id).encode()
    row: dict[str, Any] = {"id": record_id}
    for name, value in values.items():
        field = fields.get(name)
        if field is None:
            row[name] = value
            continue
        binding = field.binding()
        row[field.column_attr] = None if value is None else keys.ring.encrypt(field.codec.encode(value),
                                                                                binding.ad_prefix + ad_id)
    for field in fields.values():  # executemany needs the same keys in every row
        row.setdefault(field.column_attr, None)
    for index in indexes:
        row[index.column_attr] = index.value_for(keys, [values.get(name) for name in index.inputs])
    return row


def decrypt_value(model: type, field_name: str, record_id: Any, stored: bytes | None) -> Any:
    """The plaintext of one stored value read with Core (raises DecryptionError like a model read)."""
    if stored is None:
        return None
    field = next(f for f in encrypted_fields(model) if f.name == field_name)
    binding = field.binding()
    plaintext = current_keys().ring.decrypt_field(stored, binding.table, binding.column, record_id)
    return field.codec.decode(plaintext)


def find_many(session: Session, model: Any, index_name: str, wanted: Sequence[Sequence[Any]]
              ) -> list[list[Any]]:
    """For each tuple of inputs in `wanted`, the ids of the rows that truly match it: one query for all.

    Candidates sharing a truncated index value are fetched together (`IN` over the batch), their
    inputs decrypted and compared after normalization, as `find_by_blind_index` does for one value.
    """
    index = get_blind_index(model, index_name)
    keys = current_keys()
    normalized = [index.normalized(values) for values in wanted]
    lookup: dict[int, set[str]] = {}
    for value in normalized:
        if value:
            for index_value in keys.blind.lookup_values(index.index_id, value):
                lookup.setdefault(index_value, set()).add(value)
    found: dict[str, list[Any]] = {}
    if lookup:
        fields = {f.name: f for f in encrypted_fields(model)}
        columns = [getattr(model, fields[name].column_attr) for name in index.inputs]
        stmt = select(model.id, *columns).where(getattr(model, index.column_attr).in_(list(lookup)))
        targets = {value for values in lookup.values() for value in values}
        for row in session.execute(stmt):
            plain = [decrypt_value(model, name, row[0], stored) for name, stored in zip(index.inputs, row[1:],
                                                                                      strict=True)]
            candidate = index.normalized(plain)
            if candidate in targets:
                found.setdefault(candidate, []).append(row[0])
    return [found.get(value, []) if value else [] for value in normalized]


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """Consecutive slices of at most `size` items (bounded IN lists and statements)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
