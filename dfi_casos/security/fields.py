"""Encrypted columns declared in one line, their blind indexes, and exact search through them.

    class Person(Base):
        id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
        given_names = Encrypted()
        birth_date = Encrypted(date)
        curp = Encrypted(blind_index=BlindIndex("curp", normalize_curp))
        name_dob_bidx = CompositeBlindIndex("name_dob", ("given_names", ..., "birth_date"), normalize_full_name_dob)

`Encrypted` adds the column `<name>_enc` (LargeBinary) and, with a blind index, `<name>_bidx`
(Integer, indexed). Feature code reads and writes `person.curp` as plain text; the ciphertext
never leaves the database and this module.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Generic, NamedTuple, TypeVar, overload

from flask.globals import _cv_app
from sqlalchemy import Integer, LargeBinary, Select, event, false, inspect, or_, select
from sqlalchemy.orm import Mapper, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from dfi_casos.database import new_uuid
from dfi_casos.security.crypto import (
    DecryptionError,
    KeyConfigError,
    KeyMaterial,
    associated_data,
    decryption_failed,
)

T = TypeVar("T")

#: Instance attribute holding {field name: (stored bytes, plaintext)}: decrypt once per value.
_CACHE = "_dfi_plaintext"
#: Instance attribute holding (record id, its text in associated data).
_AD_ID = "_dfi_ad_id"
#: Class attributes listing what a class itself declares (not its bases).
_FIELDS = "_dfi_encrypted_fields"
_INDEXES = "_dfi_blind_indexes"


def current_keys() -> KeyMaterial:
    """The application's key material; a loud error outside an application context."""
    # The context variable itself: going through the current_app proxy costs a microsecond per field.
    context = _cv_app.get(None)
    keys: KeyMaterial | None = context.app.extensions.get("dfi_keys") if context is not None else None
    if keys is None:
        raise KeyConfigError("Las claves no están cargadas: se necesita un contexto de aplicación.")
    return keys


class Codec(Generic[T]):
    """How a Python value becomes the bytes that are encrypted, and back."""

    def __init__(self, kind: type, encode: Callable[[T], bytes], decode: Callable[[bytes], T]) -> None:
        self.kind = kind
        self.encode_value = encode
        self.decode = decode

    def encode(self, value: T) -> bytes:
        """Bytes of a value of exactly the declared type: a datetime is not a date of birth."""
        if type(value) is not self.kind and not (self.kind is str and isinstance(value, str)):
            raise TypeError(f"se esperaba {self.kind.__name__}, no {type(value).__name__}")
        return self.encode_value(value)


TEXT: Codec[str] = Codec(str, str.encode, bytes.decode)
DATE: Codec[date] = Codec(date, lambda v: v.isoformat().encode(), lambda b: date.fromisoformat(b.decode()))
JSON_LIST: Codec[list[Any]] = Codec(
    list, lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True).encode(), lambda b: list(json.loads(b))
)
#: Raw bytes, e.g. a file's data key: the key ring wraps it, so `keys rotate` re-wraps it like any field.
BYTES: Codec[bytes] = Codec(bytes, bytes, bytes)
_CODECS: dict[type, Codec[Any]] = {str: TEXT, date: DATE, list: JSON_LIST, bytes: BYTES}


class _Index:
    """A blind index: an indexed Integer column holding the truncated HMAC of normalized inputs."""

    def __init__(self, name: str, normalize: Callable[..., str]) -> None:
        self.name = name
        self.normalize = normalize
        self.inputs: tuple[str, ...] = ()
        self.column_attr = ""
        self.owner: type | None = None
        self._index_id = ""

    def _attach(self, owner: type, column_attr: str) -> None:
        self.owner = owner
        self.column_attr = column_attr
        column = mapped_column(column_attr, Integer, nullable=True, index=True, info={"blind_index": self.name})
        setattr(owner, column_attr, column)
        _own_registry(owner, _INDEXES)[self.name] = self

    @property
    def index_id(self) -> str:
        """`table.name`: each index of each table gets its own derived key."""
        if not self._index_id:
            column: Any = inspect(_attached(self.owner, self.name)).columns[self.column_attr]
            self._index_id = f"{column.table.name}.{self.name}"
        return self._index_id

    def normalized(self, values: Sequence[Any]) -> str:
        """The normalized form of the inputs; empty means "do not index"."""
        return self.normalize(*values)

    def value_for(self, keys: KeyMaterial, values: Sequence[Any]) -> int | None:
        """The index value to store for these inputs, or None when they normalize to nothing."""
        normalized = self.normalized(values)
        return keys.blind.compute(self.index_id, normalized) if normalized else None

    def refresh(self, instance: Any, keys: KeyMaterial) -> None:
        """Recompute the stored index value from the instance's current plaintexts."""
        values = [getattr(instance, name) for name in self.inputs]
        setattr(instance, self.column_attr, self.value_for(keys, values))


class BlindIndex(_Index):
    """The blind index of one encrypted field: `Encrypted(blind_index=BlindIndex("curp", normalize_curp))`."""


class CompositeBlindIndex(_Index):
    """A blind index over several encrypted fields, refreshed whenever one of them is set.

    `name_dob_bidx = CompositeBlindIndex("name_dob", ("given_names", "first_surname", ...), normalize)`:
    the attribute becomes the indexed column; `normalize` takes the inputs' values in order.
    """

    def __init__(self, name: str, inputs: Sequence[str], normalize: Callable[..., str]) -> None:
        super().__init__(name, normalize)
        self.inputs = tuple(inputs)

    def __set_name__(self, owner: type, name: str) -> None:
        self._attach(owner, name)


class Encrypted(Generic[T]):
    """An encrypted column: AES-256-GCM bound to table, column and record id, decrypted on read."""

    @overload
    def __init__(self: Encrypted[str], kind: type[str] = ..., *, blind_index: BlindIndex | None = None) -> None: ...
    @overload
    def __init__(self: Encrypted[date], kind: type[date], *, blind_index: BlindIndex | None = None) -> None: ...
    @overload
    def __init__(self: Encrypted[list[Any]], kind: type[list[Any]], *, blind_index: None = None) -> None: ...
    @overload
    def __init__(self: Encrypted[bytes], kind: type[bytes], *, blind_index: None = None) -> None: ...

    def __init__(self, kind: type = str, *, blind_index: BlindIndex | None = None) -> None:
        if kind not in _CODECS:
            raise TypeError(f"Encrypted admite {', '.join(k.__name__ for k in _CODECS)}; no {kind.__name__}")
        self.codec: Codec[Any] = _CODECS[kind]
        self.blind_index = blind_index
        self.name = ""
        self.column_attr = ""
        self.owner: type | None = None
        self._binding: _Binding | None = None
        self._dependents: dict[type, tuple[_Index, ...]] = {}

    def __set_name__(self, owner: type, name: str) -> None:
        # Runs inside type.__new__, before DeclarativeBase's __init_subclass__ scans the class,
        # so the columns added here are mapped like any written by hand.
        self.name, self.column_attr, self.owner = name, f"{name}_enc", owner
        column = mapped_column(self.column_attr, LargeBinary, nullable=True, info={"encrypted": True})
        setattr(owner, self.column_attr, column)
        _own_registry(owner, _FIELDS)[name] = self
        if self.blind_index is not None:
            self.blind_index.inputs = (name,)
            self.blind_index._attach(owner, f"{name}_bidx")

    def __eq__(self, other: object) -> bool:
        # `select(Person).where(Person.curp == x)` would silently become WHERE false: refuse it.
        if other is self:
            return True
        raise TypeError(f"{self.name!r} está cifrado: búsquelo con find_by_blind_index, no con ==")

    __hash__ = object.__hash__

    def binding(self) -> _Binding:
        """Table, column and primary-key attribute: what the associated data binds a value to."""
        if self._binding is None:
            mapper: Mapper[Any] = inspect(_attached(self.owner, self.name))
            column: Any = mapper.columns[self.column_attr]
            table, name = column.table.name, column.name
            self._binding = _Binding(table, name, primary_key_attr(mapper), associated_data(table, name, ""))
        return self._binding

    def dependent_indexes(self, cls: type) -> tuple[_Index, ...]:
        """The blind indexes of `cls` computed from this field: refreshed whenever it is set."""
        found = self._dependents.get(cls)
        if found is None:
            found = self._dependents[cls] = tuple(i for i in blind_indexes(cls) if self.name in i.inputs)
        return found

    @overload
    def __get__(self, instance: None, owner: type) -> Encrypted[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T | None: ...

    def __get__(self, instance: object | None, owner: type) -> Encrypted[T] | T | None:
        if instance is None:
            return self
        stored = getattr(instance, self.column_attr)
        if stored is None:
            return None
        cache = instance.__dict__.get(_CACHE)
        if cache is None:
            cache = instance.__dict__[_CACHE] = {}
        else:
            cached = cache.get(self.name)
            if cached is not None and cached[0] == stored:
                return cached[1]  # type: ignore[no-any-return]
        where = self._binding or self.binding()
        record_id, ad_id = _record_ad_id(instance, where.pk_attr)
        try:
            plaintext = current_keys().ring.decrypt(stored, where.ad_prefix + ad_id)
        except ValueError as exc:
            raise decryption_failed(where.table, where.column, record_id, str(exc)) from None
        try:
            value: T = self.codec.decode(plaintext)
        except ValueError:  # authentic bytes that do not parse: a bug; the parser's message may quote them
            raise decryption_failed(where.table, where.column, record_id, "contenido ilegible") from None
        cache[self.name] = (stored, value)
        return value

    def __set__(self, instance: object, value: T | None) -> None:
        keys = current_keys()
        if value is not None:
            plaintext = self.codec.encode(value)
            if self._unchanged(instance, value):
                return  # a form saved as it was must not look like an edit
            where = self._binding or self.binding()
            _record_id, ad_id = _record_ad_id(instance, where.pk_attr)
            stored: bytes | None = keys.ring.encrypt(plaintext, where.ad_prefix + ad_id)
            instance.__dict__.setdefault(_CACHE, {})[self.name] = (stored, value)
        else:
            stored = None
            instance.__dict__.get(_CACHE, {}).pop(self.name, None)
        setattr(instance, self.column_attr, stored)
        for index in self.dependent_indexes(type(instance)):
            index.refresh(instance, keys)

    def _unchanged(self, instance: object, value: T) -> bool:
        stored = getattr(instance, self.column_attr)
        if stored is None:
            return False
        cached = instance.__dict__.get(_CACHE, {}).get(self.name)
        if cached is not None and cached[0] == stored:
            current = cached[1]
        else:
            try:
                current = self.__get__(instance, type(instance))
            except DecryptionError:
                return False  # overwriting an unreadable value is how it gets repaired
        return type(current) is type(value) and bool(current == value)


def _record_ad_id(instance: object, pk_attr: str) -> tuple[Any, bytes]:
    """The record id, created if still None, and its text in associated data (formatted once per id)."""
    # The id is part of the associated data, so it must exist before the first encryption.
    record_id = getattr(instance, pk_attr)
    if record_id is None:
        record_id = new_uuid()
        setattr(instance, pk_attr, record_id)
    cached = instance.__dict__.get(_AD_ID)
    if cached is not None and cached[0] is record_id:
        return record_id, cached[1]
    ad_id = str(record_id).encode()
    instance.__dict__[_AD_ID] = (record_id, ad_id)
    return record_id, ad_id


class _Binding(NamedTuple):
    table: str
    column: str
    pk_attr: str
    #: associated_data(table, column, "") : the record id is appended per value.
    ad_prefix: bytes


def _attached(owner: type | None, name: str) -> type:
    if owner is None:
        raise TypeError(f"{name!r} no está declarado en un modelo")
    return owner


def _own_registry(owner: type, attr: str) -> dict[str, Any]:
    # Each class lists only what it declares itself, so inherited columns are walked once.
    if attr not in owner.__dict__:
        setattr(owner, attr, {})
    registry: dict[str, Any] = owner.__dict__[attr]
    return registry


def primary_key_attr(mapper: Mapper[Any]) -> str:
    """The attribute of the single-column primary key that associated data names."""
    if len(mapper.primary_key) != 1:
        raise TypeError(f"{mapper.class_.__name__}: los campos cifrados requieren una llave primaria de una columna")
    return mapper.get_property_by_column(mapper.primary_key[0]).key


def encrypted_fields(cls: type) -> list[Encrypted[Any]]:
    """Every encrypted field of a mapped class, its bases' included."""
    found: dict[str, Encrypted[Any]] = {}
    for klass in reversed(cls.__mro__):
        found.update(klass.__dict__.get(_FIELDS, {}))
    return list(found.values())


def own_encrypted_fields(cls: type) -> list[Encrypted[Any]]:
    """The encrypted fields a class declares itself (each column is walked once)."""
    return list(cls.__dict__.get(_FIELDS, {}).values())


def blind_indexes(cls: type) -> list[_Index]:
    """Every blind index of a mapped class, its bases' included."""
    found: dict[str, _Index] = {}
    for klass in reversed(cls.__mro__):
        found.update(klass.__dict__.get(_INDEXES, {}))
    return list(found.values())


def own_blind_indexes(cls: type) -> list[_Index]:
    """The blind indexes a class declares itself."""
    return list(cls.__dict__.get(_INDEXES, {}).values())


def get_blind_index(cls: type, name: str) -> _Index:
    """A class's blind index by name, or a KeyError naming what exists."""
    for index in blind_indexes(cls):
        if index.name == name:
            return index
    raise KeyError(f"{cls.__name__} no tiene índice ciego {name!r}")


def blind_index_condition(model: type, index_name: str, *values: Any) -> ColumnElement[bool]:
    """SQL condition selecting the candidates for an exact match; add it to a scoped query.

    During a blind-index rebuild it matches the value under the current and the previous root.
    """
    index = get_blind_index(model, index_name)
    normalized = index.normalized(values)
    if not normalized:
        return false()
    column = getattr(model, index.column_attr)
    lookup = current_keys().blind.lookup_values(index.index_id, normalized)
    return or_(*(column == value for value in lookup))


def matches_exactly(instance: object, index_name: str, *values: Any) -> bool:
    """Whether a candidate really matches: decrypt its inputs and compare the normalized forms."""
    index = get_blind_index(type(instance), index_name)
    wanted = index.normalized(values)
    return bool(wanted) and index.normalized([getattr(instance, name) for name in index.inputs]) == wanted


def blind_index_matches(
    session: Session, model: type, index_name: str, *values: Any, query: Select[Any] | None = None
) -> list[Any]:
    """Ids of the records that truly match, reading only each candidate's id and the ciphertexts compared.

    Candidates share the truncated index value (about 8 per value at the planned size); a whole row
    each would carry every encrypted column, so only what the comparison decrypts is fetched.
    """
    index = get_blind_index(model, index_name)
    wanted = index.normalized(values)
    if not wanted:
        return []
    pk = _primary_key_column(model)
    fields = [encrypted_fields_by_name(model)[name] for name in index.inputs]
    base = select(model) if query is None else query
    narrow = base.with_only_columns(pk, *(getattr(model, f.column_attr) for f in fields)).where(
        blind_index_condition(model, index_name, *values))
    return [row[0] for row in session.execute(narrow)
            if index.normalized([_decrypt_stored(f, stored, row[0]) for f, stored in zip(fields, row[1:],
                                                                                          strict=True)]) == wanted]


def find_by_blind_index(
    session: Session, model: type[T], index_name: str, *values: Any, query: Select[tuple[T]] | None = None
) -> list[T]:
    """Exact search through a blind index: verify the few candidates on their ciphertexts, load those that match.

    `query` is the caller's scoped select of `model`; without it the whole table is searched.
    Never a scan that decrypts every row: only rows sharing the truncated index value are read.
    """
    matched = blind_index_matches(session, model, index_name, *values, query=query)
    if not matched:
        return []
    pk = _primary_key_column(model)
    base = select(model) if query is None else query
    return list(session.scalars(base.where(pk.in_(matched))))


def _primary_key_column(model: type) -> Any:
    mapper: Mapper[Any] = inspect(model)
    return getattr(model, primary_key_attr(mapper))


def encrypted_fields_by_name(cls: type) -> dict[str, Encrypted[Any]]:
    """The encrypted fields of `cls` by attribute name."""
    return {field.name: field for field in encrypted_fields(cls)}


def decrypt_stored(model: type, name: str, stored: bytes | None, record_id: Any) -> Any:
    """The value of encrypted field `name` of `model` from its ciphertext read as a bare column.

    For queries that read a few columns instead of whole records (`select(Person.id, Person.given_names_enc)`):
    the same check of the associated data (table, column, record id) as a loaded record's attribute.
    """
    field = getattr(model, name)
    if not isinstance(field, Encrypted):
        raise TypeError(f"{model.__name__}.{name} no es un campo cifrado")
    return _decrypt_stored(field, stored, record_id)


def _decrypt_stored(field: Encrypted[Any], stored: bytes | None, record_id: Any) -> Any:
    # What `Encrypted.__get__` does for a loaded row, for a ciphertext read as a bare column.
    if stored is None:
        return None
    where = field.binding()
    try:
        plaintext = current_keys().ring.decrypt(stored, where.ad_prefix + str(record_id).encode())
    except ValueError as exc:
        raise decryption_failed(where.table, where.column, record_id, str(exc)) from None
    try:
        return field.codec.decode(plaintext)
    except ValueError:
        raise decryption_failed(where.table, where.column, record_id, "contenido ilegible") from None


def _rekey_on_id_change(target: Any, value: Any, oldvalue: Any, _initiator: Any) -> None:
    # Associated data names the id: values encrypted under the old id (e.g. Person(curp=..., id=...)
    # sets curp first) are re-encrypted under the new one instead of becoming unreadable.
    if oldvalue is None or value == oldvalue or not isinstance(oldvalue, type(value)):
        return
    ring = current_keys().ring
    for field in encrypted_fields(type(target)):
        stored = getattr(target, field.column_attr)
        if stored is None:
            continue
        table, column = field.binding()[:2]
        new = ring.encrypt_field(ring.decrypt_field(stored, table, column, oldvalue), table, column, value)
        setattr(target, field.column_attr, new)
        cached = target.__dict__.get(_CACHE, {}).get(field.name)
        if cached is not None:
            target.__dict__[_CACHE][field.name] = (new, cached[1])


@event.listens_for(Mapper, "after_mapper_constructed")
def _watch_primary_key(mapper: Mapper[Any], cls: type) -> None:
    if not encrypted_fields(cls):
        return
    event.listen(getattr(cls, primary_key_attr(mapper)), "set", _rekey_on_id_change, active_history=True)
