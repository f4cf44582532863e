"""Name search through the token index: variants of how names are written find the person, best first."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from dfi_casos.registry.name_search import NameQuery, NameQueryError, find_by_name
from tests import factories


@pytest.fixture
def maria(db: Session):
    factories.make_person(db, given_names="Mario", first_surname="Hernández", second_surname="Valle",
                          birth_date=date(1971, 1, 1))
    factories.make_person(db, given_names="María José", first_surname="Hernández", second_surname="López",
                          birth_date=date(1990, 3, 2))
    return factories.make_person(db, given_names="María Yesenia", first_surname="Hernández",
                                 second_surname="Valdés", birth_date=date(1990, 3, 2))


@pytest.mark.parametrize("query", [
    NameQuery(given_names="Ma. Yesenia", first_surname="Hernandez"),              # abbreviation, no accent
    NameQuery(given_names="Maria Llesenia", first_surname="Ernandez", second_surname="Baldes"),  # H, LL, B/V, S/Z
    NameQuery(first_surname="Hernández", second_surname="Valdez"),                # both surnames
    NameQuery(first_surname="Valdés", birth_year=1990),                           # surname + year
    NameQuery(given_names="Yesenai", first_surname="Hernández", second_surname="Valdés"),  # one typo
])
def test_a_variant_of_the_name_finds_the_person_first(db: Session, maria, query: NameQuery) -> None:
    hits = find_by_name(db, query)
    assert hits[0].person.id == maria.id


def test_a_hit_says_which_parts_matched_and_how_strongly(db: Session, maria) -> None:
    hit = find_by_name(db, NameQuery(given_names="María Yesenia", first_surname="Hernandes",
                                     birth_date=date(1990, 3, 2)))[0]
    assert hit.person.id == maria.id
    assert "nombre (exacto)" in hit.matched and "fecha de nacimiento (exacto)" in hit.matched
    assert any(m.startswith("apellidos (parecido") for m in hit.matched)


def test_a_name_that_nobody_has_finds_nobody(db: Session, maria) -> None:
    assert find_by_name(db, NameQuery(given_names="Wenceslao", first_surname="Ortuño")) == []


@pytest.mark.parametrize(("query", "field", "words"), [
    (NameQuery(given_names="   ", first_surname="  "), "first_surname", "apellido"),
    (NameQuery(given_names="A", first_surname="López"), "given_names", "dos letras"),
    (NameQuery(given_names="María"), "first_surname", "apellido"),
    (NameQuery(given_names="Ana", first_surname="L" * 200), "first_surname", "demasiado largo"),
    (NameQuery(first_surname="López"), "first_surname", "año de nacimiento"),
])
def test_a_query_that_cannot_be_searched_says_why_in_spanish(db: Session, query, field, words) -> None:
    with pytest.raises(NameQueryError) as caught:
        find_by_name(db, query)
    assert caught.value.field == field and words in str(caught.value)


def test_sql_and_html_in_a_name_are_just_words(db: Session, maria) -> None:
    assert find_by_name(db, NameQuery(given_names="'; DROP TABLE person;--", first_surname="<b>López</b>")) == []
