"""At rest: the database, its files and its dumps hold no plaintext; moved or altered bytes do not decrypt."""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from dfi_casos.extensions import db
from dfi_casos.security.crypto import DecryptionError, KeyMaterial, KeyRing, generate_keyfile
from tests.encryption_support import (
    EncNote,
    EncPerson,
    build_encryption_app,
    leaks,
    own_database,
    pg_dump_bytes,
    raw_database_bytes,
)

#: Known values, each distinctive enough that finding it in raw bytes can only mean a leak.
PEOPLE = [
    {"given_names": "Guadalupe Yolotzin", "first_surname": "Xochihua", "second_surname": "Tlapaltótoli",
     "birth_date": date(1987, 3, 14), "curp": "XOTG870314MGRCLD05", "phone": "+52 747 123 9876",
     "risks": ["reclutamiento forzado"], "notes": "Amenazada por el grupo que controla Zitlala"},
    {"given_names": "Ñandú Marisela", "first_surname": "Quiñónez", "second_surname": "Ébano",
     "birth_date": date(1999, 12, 31), "curp": "QUEM991231MCSXXR01", "phone": "961-555-4433",
     "risks": ["despojo de tierra o vivienda"], "notes": "Refugio temporal en casa de su prima Wendolyne"},
]
CONTROL = "ControlVisibleEnClaro"


@pytest.fixture
def enc_app(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    keyfile = tmp_path / "keys.json"
    generate_keyfile(keyfile, development=False)
    with own_database(backend, request, tmp_path) as url:
        app = build_encryption_app(url, keyfile, tmp_path / "instance")
        with app.app_context():
            yield app, url
            db.engine.dispose()


@pytest.fixture
def session(enc_app: Any) -> Iterator[Session]:
    # A session of the test's own: the app's scoped session belongs to the request fixtures.
    with Session(db.engine, expire_on_commit=False) as session:
        yield session


def _store_people(session: Session) -> list[EncPerson]:
    people = []
    for values in PEOPLE:
        person_values = {k: v for k, v in values.items() if k != "notes"}
        person = EncPerson(**person_values, state_code=CONTROL)
        session.add(person)
        session.flush()  # no relationship() tells the unit of work the note needs its person first
        session.add(EncNote(person_id=person.id, body=values["notes"]))
        people.append(person)
    session.commit()
    return people


def _plaintexts() -> list[str]:
    found: list[str] = []
    for values in PEOPLE:
        for value in values.values():
            if isinstance(value, date):
                found += [value.isoformat(), value.strftime("%d/%m/%Y")]
            elif isinstance(value, list):
                found += value
            else:
                found.append(value)
        found.append("".join(ch for ch in values["phone"] if ch.isdigit())[-10:])
        found += values["notes"].split()[-1:]
    return found


def _fresh(session: Session, model: type[Any], record_id: Any) -> Any:
    session.expunge_all()
    return session.get(model, record_id)


def test_raw_database_holds_none_of_the_plaintexts_in_any_letter_case(
    enc_app: tuple[Flask, str], session: Session
) -> None:
    app, url = enc_app
    _store_people(session)
    haystacks = raw_database_bytes(db.engine, url)
    assert leaks(haystacks, [CONTROL.upper()]) == [CONTROL.upper()], "the scan must see plain text when it is there"
    assert leaks(haystacks, _plaintexts()) == []
    assert [p.given_names for p in session.scalars(select(EncPerson))] != []


@pytest.mark.postgresql
def test_a_dump_of_the_database_holds_none_of_the_plaintexts(enc_app: tuple[Flask, str], session: Session) -> None:
    _app, url = enc_app
    _store_people(session)
    dump = pg_dump_bytes(url)
    assert leaks([dump], [CONTROL]) == [CONTROL]
    hexed = [p.encode().hex() for p in _plaintexts()]  # bytea is dumped as hex
    assert leaks([dump], _plaintexts()) == [] and not any(h in dump.decode().lower() for h in hexed)


def test_a_flipped_byte_is_a_decryption_error(enc_app: tuple[Flask, str], session: Session) -> None:
    first, _second = _store_people(session)
    stored = bytearray(first.given_names_enc or b"")
    stored[len(stored) // 2] ^= 0x04
    session.execute(update(EncPerson).where(EncPerson.id == first.id).values(given_names_enc=bytes(stored)))
    session.commit()
    person = _fresh(session, EncPerson, first.id)
    with pytest.raises(DecryptionError) as error:
        _ = person.given_names
    assert (error.value.table, error.value.column) == ("enc_person", "given_names_enc")
    assert person.first_surname == PEOPLE[0]["first_surname"], "other fields of the row still read"


def test_ciphertexts_swapped_between_two_rows_do_not_decrypt(enc_app: tuple[Flask, str], session: Session) -> None:
    first, second = _store_people(session)
    swapped = {first.id: second.curp_enc, second.id: first.curp_enc}
    for record_id, stored in swapped.items():
        session.execute(update(EncPerson).where(EncPerson.id == record_id).values(curp_enc=stored))
    session.commit()
    for record in (first, second):
        with pytest.raises(DecryptionError):
            _ = _fresh(session, EncPerson, record.id).curp


def test_ciphertexts_swapped_between_two_columns_do_not_decrypt(enc_app: tuple[Flask, str], session: Session) -> None:
    first, _second = _store_people(session)
    given, first_surname = first.given_names_enc, first.first_surname_enc
    session.execute(
        update(EncPerson).where(EncPerson.id == first.id).values(given_names_enc=first_surname, first_surname_enc=given)
    )
    session.commit()
    person = _fresh(session, EncPerson, first.id)
    for field in ("given_names", "first_surname"):
        with pytest.raises(DecryptionError):
            getattr(person, field)


def test_a_ciphertext_copied_to_another_table_under_the_same_id_does_not_decrypt(
    enc_app: tuple[Flask, str], session: Session
) -> None:
    first, _second = _store_people(session)
    session.add(EncNote(id=first.id))
    session.commit()
    session.execute(update(EncNote).where(EncNote.id == first.id).values(body_enc=first.given_names_enc))
    session.commit()
    with pytest.raises(DecryptionError):
        _ = _fresh(session, EncNote, first.id).body


def test_the_wrong_key_is_a_loud_error_logged_without_ciphertext(
    enc_app: tuple[Flask, str], session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    app, _url = enc_app
    first, _second = _store_people(session)
    keys: KeyMaterial = app.extensions["dfi_keys"]
    app.extensions["dfi_keys"] = KeyMaterial(
        ring=KeyRing({1: os.urandom(32)}, 1), blind=keys.blind, audit_key=keys.audit_key, source="impostor"
    )
    person = _fresh(session, EncPerson, first.id)
    with caplog.at_level(logging.ERROR), pytest.raises(DecryptionError, match="etiqueta"):
        _ = person.curp
    assert str(first.id) in caplog.text and "curp_enc" in caplog.text
    raw = session.execute(text("SELECT curp_enc FROM enc_person")).scalars().all()
    assert not any(bytes(value).hex()[30:60] in caplog.text for value in raw)
    assert PEOPLE[0]["curp"] not in caplog.text
