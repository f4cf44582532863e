"""Encryption tests' own models (on a declarative base apart from the app's), database and raw scans."""
from __future__ import annotations

import subprocess
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import ForeignKey, MetaData, String, Uuid, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dfi_casos import create_app
from dfi_casos.database import new_uuid, scratch_postgres_database
from dfi_casos.extensions import db
from dfi_casos.security.audit import AuditEvent
from dfi_casos.security.crypto import load_key_material
from dfi_casos.security.fields import BlindIndex, CompositeBlindIndex, Encrypted
from dfi_casos.security.normalize import normalize_curp, normalize_full_name_dob, normalize_name, normalize_phone


class EncBase(DeclarativeBase):
    """Kept apart from dfi_casos.database.Base: the migrations test compares that one's metadata."""

    metadata = MetaData()


class EncPerson(EncBase):
    __tablename__ = "enc_person"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    given_names = Encrypted()
    first_surname = Encrypted()
    second_surname = Encrypted()
    birth_date = Encrypted(date)
    curp = Encrypted(blind_index=BlindIndex("curp", normalize_curp))
    phone = Encrypted(blind_index=BlindIndex("phone", normalize_phone))
    risks = Encrypted(list)
    name_dob_bidx = CompositeBlindIndex(
        "name_dob", ("given_names", "first_surname", "second_surname", "birth_date"), normalize_full_name_dob
    )
    #: Plain column: the control that proves the raw scans can see text when it is there.
    state_code: Mapped[str | None] = mapped_column(String(40))


class EncNote(EncBase):
    __tablename__ = "enc_note"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enc_person.id"))
    body = Encrypted()


# Helpers of the encryption integration tests: their own database, app and raw scans.


@contextmanager
def own_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of one test: a SQLite file, or a PostgreSQL database created and dropped here."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'encryption.sqlite3'}"
        return
    with scratch_postgres_database(request.getfixturevalue("pg_database_url"), "dfi_crypto") as url:
        yield url


def build_encryption_app(database_url: str, keyfile: Path, instance: Path) -> Flask:
    """The real app on its own database, whose keys commands walk the test models."""
    app = create_app({"ENV_NAME": "test", "DATABASE_URL": database_url, "KEYFILE": str(keyfile),
                      "INSTANCE_PATH": str(instance)})
    app.extensions["dfi_encrypted_models"] = EncBase
    with app.app_context():
        EncBase.metadata.create_all(db.engine)
        AuditEvent.__table__.create(db.engine)  # type: ignore[attr-defined]
    return app


def restart_workers(app: Flask) -> None:
    """What a restart does to keys: load them again from the key file."""
    app.extensions["dfi_keys"] = load_key_material(app.config, app.instance_path)


def raw_database_bytes(engine: Engine, url: str) -> list[bytes]:
    """Everything the database holds, as bytes: the SQLite files, or every text and bytea value."""
    if engine.dialect.name == "sqlite":
        path = Path(make_url(url).database or "")
        return [p.read_bytes() for p in path.parent.glob(path.name + "*")]
    found: list[bytes] = []
    with engine.connect() as connection:
        columns = connection.execute(text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb')"
        )).all()
        for table, column in columns:
            values = connection.execute(text(f'SELECT "{column}" FROM "{table}"')).scalars()
            found += [bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in values if v]
    assert columns, "the scan saw no column at all"
    return found


def pg_dump_bytes(url: str) -> bytes:
    """A plain-SQL dump of a PostgreSQL database, as a backup would hold it."""
    parsed = make_url(url)
    command = ["pg_dump", "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432),
               "-U", parsed.username or "postgres", "--no-owner", parsed.database or ""]
    return subprocess.run(command, check=True, capture_output=True, timeout=120).stdout  # noqa: S603


def spellings(value: str) -> set[bytes]:
    """A plaintext in every letter case and normal form a leak could take, as bytes."""
    texts = {value, value.upper(), value.lower(), value.title(), value.casefold(), normalize_name(value)}
    texts |= {unicodedata.normalize("NFD", t) for t in texts}
    return {t.encode() for t in texts if t}


def leaks(haystacks: list[bytes], plaintexts: list[str]) -> list[str]:
    """The plaintexts found in any haystack, in any letter case (ASCII case folded on both sides)."""
    lowered = [h.lower() for h in haystacks]
    found = []
    for plaintext in plaintexts:
        needles = {n.lower() for n in spellings(plaintext)}
        if any(needle in hay for needle in needles for hay in lowered):
            found.append(plaintext)
    return found
