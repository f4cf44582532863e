"""The person name token index: written with every save, rewritten on edits, rebuilt under a new root."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dfi_casos.registry.models import PERSON_NAME_TOKENS, Person, PersonNameToken
from dfi_casos.security import crypto
from dfi_casos.security.crypto import BlindIndexKeys
from dfi_casos.security.names import phonetic_words, query_tokens
from dfi_casos.security.tokens import rebuild_token_indexes, refresh_tokens
from tests import factories


def _found(db: Session, given: str, surname: str, year: int | None = None) -> list[object]:
    tokens = query_tokens(phonetic_words(given, given=True), phonetic_words(surname), year)
    return [row[0] for row in db.execute(PERSON_NAME_TOKENS.ranked_owner_ids(tokens, 50))]


def _token_count(db: Session, person: Person) -> int:
    return db.scalar(select(func.count()).where(PersonNameToken.person_id == person.id)) or 0


def test_registering_a_person_writes_tokens_that_a_spelling_variant_finds(db: Session) -> None:
    person = factories.make_person(db, given_names="María Yesenia", first_surname="Valdés",
                                   second_surname="Hernández", birth_date=date(1990, 5, 1))
    assert _token_count(db, person) == 2 * 2 + 1 + 2
    assert person.id in _found(db, "Ma. Llesenia", "Baldez")
    assert person.id in _found(db, "x", "Ernandes", 1990)


def test_the_token_table_holds_no_name(db: Session) -> None:
    person = factories.make_person(db, given_names="Rosalinda", first_surname="Quintero")
    values = db.scalars(select(PersonNameToken.token).where(PersonNameToken.person_id == person.id)).all()
    assert values and all(isinstance(v, int) and 0 <= v < 2 ** 31 for v in values)


def test_editing_a_name_replaces_the_tokens(db: Session) -> None:
    person = factories.make_person(db, given_names="Rosalinda", first_surname="Quintero")
    person.first_surname = "Zamudio"
    db.flush()
    assert person.id not in _found(db, "Rosalinda", "Quintero")
    assert person.id in _found(db, "Rosalinda", "Samudio")


def test_a_change_elsewhere_leaves_the_tokens_alone(db: Session) -> None:
    person = factories.make_person(db, given_names="Rosalinda", first_surname="Quintero")
    before = sorted(db.scalars(select(PersonNameToken.token).where(PersonNameToken.person_id == person.id)))
    person.phone = "5512345678"
    db.flush()
    assert sorted(db.scalars(select(PersonNameToken.token).where(PersonNameToken.person_id == person.id))) == before


def test_refresh_tokens_indexes_a_batch_written_without_the_hook(db: Session) -> None:
    person = factories.make_person(db, given_names="Rosalinda", first_surname="Quintero")
    db.execute(PersonNameToken.__table__.delete().where(PersonNameToken.person_id == person.id))
    assert person.id not in _found(db, "Rosalinda", "Quintero")
    assert refresh_tokens(db, [person]) == _token_count(db, person) > 0
    assert person.id in _found(db, "Rosalinda", "Quintero")


@contextmanager
def new_root(app: Flask) -> Iterator[crypto.KeyMaterial]:
    """The app's keys with a new blind-index root, the old one kept as previous (a rebuild in progress)."""
    old: crypto.KeyMaterial = app.extensions["dfi_keys"]
    rotating = BlindIndexKeys(crypto.new_key(), old.blind.bits, old.blind.root, old.blind.bits)
    app.extensions["dfi_keys"] = dataclasses.replace(old, blind=rotating)
    try:
        yield app.extensions["dfi_keys"]
    finally:
        app.extensions["dfi_keys"] = old


def test_rebuild_rewrites_tokens_under_a_new_root_and_search_works_throughout(app: Flask, db: Session) -> None:
    person = factories.make_person(db, given_names="Rosalinda", first_surname="Quintero")
    db.flush()
    with new_root(app) as keys:
        _rebuild_and_search(db, keys, person.id)


def _rebuild_and_search(db: Session, new_root: crypto.KeyMaterial, person_id: object) -> None:
    connection = db.connection()
    assert person_id in _found(db, "Rosalinda", "Kintero")  # old-root rows, found by the two-root lookup
    stale = rebuild_token_indexes(connection, new_root, [PERSON_NAME_TOKENS], dry_run=True)
    assert stale.rewritten >= 1
    done = rebuild_token_indexes(connection, new_root, [PERSON_NAME_TOKENS])
    assert done.rewritten >= 1 and not done.failures
    assert rebuild_token_indexes(connection, new_root, [PERSON_NAME_TOKENS], dry_run=True).rewritten == 0
    assert person_id in _found(db, "Rosalinda", "Kintero")
