"""The search box's name search at scale: candidates ranked on their names alone, only the shown persons loaded.

The old `finder.find` for a name loaded the 50 candidates in scope and the 50 of the whole registry
as whole persons (every encrypted column, JSON, documents) to rank them and count the better ones
elsewhere. The new one reads only ids and encrypted names of both lists in one statement and loads
whole only the persons shown. `_old_find` below is the old computation, its ranking copied as it
was, kept here as the reference the new one must agree with: same persons, order, scores and count.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rapidfuzz import fuzz
from sqlalchemy import event
from sqlalchemy.orm import Session

from dfi_casos.auth.models import Role, User
from dfi_casos.database import utcnow
from dfi_casos.registry import finder, name_search
from dfi_casos.registry.models import Person
from dfi_casos.scope import scoped
from dfi_casos.security.names import phonetic_key
from tests import factories

GRO, CHIS = "12", "07"


def _old_word_score(typed: str, theirs: str) -> float:
    spelled = fuzz.ratio(typed, theirs)
    same_sound = phonetic_key(typed, keep_vowels=True) == phonetic_key(theirs, keep_vowels=True)
    return max(spelled, name_search.SOUNDS_ALIKE) if spelled < 100 and same_sound else spelled


def _old_words_score(typed: list[str], theirs: list[str]) -> float:
    if not typed:
        return 0.0
    return sum(max((_old_word_score(t, c) for c in theirs), default=0.0) for t in typed) / len(typed)


def _old_scores(query: name_search.NameQuery, person: Person) -> tuple[float, dict[str, float]]:
    words, words_score = name_search._words, _old_words_score
    scores: dict[str, float] = {}
    if query.free_text is not None:
        theirs = words(person.given_names, given=True) + words(person.first_surname, person.second_surname)
        scores["names"] = words_score(words(query.free_text, given=True), theirs)
    if words(query.given_names, given=True):
        scores["given_names"] = words_score(words(query.given_names, given=True),
                                            words(person.given_names, given=True))
    if words(query.first_surname, query.second_surname):
        scores["surnames"] = words_score(words(query.first_surname, query.second_surname),
                                         words(person.first_surname, person.second_surname))
    birth = person.birth_date
    if query.year is not None and birth is not None:
        if query.birth_date is not None:
            scores["birth"] = 100.0 if birth == query.birth_date else (90.0 if birth.year == query.year else 0.0)
        else:
            scores["birth"] = {0: 100.0, 1: 80.0}.get(abs(birth.year - query.year), 0.0)
    names = [scores[p] for p in ("names", "given_names", "surnames") if p in scores]
    score = sum(names) / len(names) if names else 0.0
    if "birth" in scores:
        score = 0.8 * score + 0.2 * scores["birth"]
    return round(score, 1), scores


def _old_find(session: Session, actor: Any, how: finder.Interpretation,
              state_code: str | None) -> tuple[list[tuple[Any, float, dict[str, float]]], int]:
    def ranked(restrict: Any) -> list[tuple[Any, float, dict[str, float]]]:
        def within(stmt: Any) -> Any:
            stmt = stmt if restrict is None else restrict(stmt)
            return stmt.where(Person.state_code == state_code) if state_code else stmt

        persons = name_search.candidates(session, how.name, within)  # whole persons, as before
        return sorted(((p.id, *_old_scores(how.name, p)) for p in persons), key=lambda hit: -hit[1])[:20]

    hits = [h for h in ranked(lambda stmt: scoped(stmt, Person, actor)) if h[1] >= 60][:20]
    visible = {h[0] for h in hits}
    return hits, sum(1 for h in ranked(None) if h[0] not in visible and h[1] >= 85)


def _person(db: Session, state: str, user: Any, given: str, first: str, second: str | None,
            born: date | None = None) -> Person:
    return factories.make_person(db, state, user, given_names=given, first_surname=first, second_surname=second,
                                 birth_date=born)


@pytest.fixture
def registry(db: Session) -> dict[str, Any]:
    """Guerrero and Chiapas, more candidates than are ranked (CANDIDATES), variants, a blocked person."""
    gro_worker = factories.make_user(db, Role.CASEWORKER, [GRO])
    gro_other = factories.make_user(db, Role.CASEWORKER, [GRO])
    chis_worker = factories.make_user(db, Role.CASEWORKER, [CHIS])
    _person(db, GRO, gro_worker, "María Yesenia", "Hernández", "Valdés", date(1990, 3, 2))
    _person(db, GRO, gro_worker, "Yesenia", "Valdez", "Cruz", date(1991, 7, 9))
    _person(db, GRO, gro_other, "Llesenia", "Baldés", None, date(1989, 1, 1))
    for i in range(28):
        _person(db, GRO, gro_other if i % 3 else gro_worker, "Yesenia", "Valdés", f"López{i}",
                date(1985 + i % 10, 1 + i % 12, 1 + i % 28))
    _person(db, CHIS, chis_worker, "María Yesenia", "Hernández", "Valdez", date(1990, 3, 2))
    _person(db, CHIS, chis_worker, "Maria Yessenia", "Ernandez", "Baldes", None)
    for i in range(28):
        _person(db, CHIS, chis_worker, "Yesenia", "Valdés", f"Gómez{i}", date(1980 + i % 15, 2, 3))
    blocked = _person(db, GRO, gro_worker, "Yesenia", "Valdés", "Bloqueada", date(1990, 3, 2))
    blocked.blocked_at = utcnow()
    db.flush()
    return {"supervisor": factories.make_user(db, Role.SUPERVISOR, [GRO]), "caseworker": gro_worker,
            "national": factories.make_user(db, Role.SUPERVISOR, None),
            "chiapas": factories.make_user(db, Role.SUPERVISOR, [CHIS])}


QUERIES = ["Yesenia Valdés", "llesenia baldes", "MARIA YESENIA HERNANDEZ", "Hernández Valdés 1990",
           "Yesenia Valdés 02/03/1990", "Valdes 1990", "Yesenia Valdés López7", "María Yessenia Ernández"]


def test_name_results_and_count_elsewhere_are_those_of_the_old_computation(db: Session, registry) -> None:
    compared = []
    for who, state in (("supervisor", None), ("caseworker", None), ("national", None), ("national", CHIS),
                       ("chiapas", None)):
        actor = registry[who]
        for typed in QUERIES:
            how = finder.interpret(typed)
            old = _old_find(db, actor, how, state)
            db.expire_all()
            outcome = finder.find(db, actor, how, state)
            new = [(h.person.id, h.score, h.parts) for h in outcome.hits]
            assert (new, outcome.hidden) == old, (who, state, typed)
            compared.append((who, typed, len(new), outcome.hidden))
    # the comparison means something: full pages, hidden matches, and both at once
    assert any(n == 20 for _w, _t, n, _h in compared)
    assert any(h > 0 for _w, _t, _n, h in compared)
    assert any(0 < n < 20 and h > 0 for _w, _t, n, h in compared)
    assert any(w == "caseworker" and 0 < n < 20 for w, _t, n, _h in compared)


def test_a_blocked_person_is_neither_shown_nor_counted(db: Session, registry) -> None:
    outcome = finder.find(db, registry["national"], finder.interpret("Yesenia Valdés Bloqueada"))
    assert all(h.person.second_surname != "Bloqueada" for h in outcome.hits)
    old_hits, old_hidden = _old_find(db, registry["national"], finder.interpret("Yesenia Valdés Bloqueada"), None)
    assert ([h.person.id for h in outcome.hits], outcome.hidden) == ([h[0] for h in old_hits], old_hidden)


def _search_loading(db: Session, user_id: Any, typed: str, count_statements: Any) -> tuple[Any, list[Person], Any]:
    db.expunge_all()  # a request's fresh session: every person read is a new instance
    actor = db.get(User, user_id)
    loaded: list[Person] = []

    def on_load(target: Person, _context: Any) -> None:
        loaded.append(target)

    event.listen(Person, "load", on_load)
    try:
        with count_statements() as log:
            outcome = finder.find(db, actor, finder.interpret(typed))
    finally:
        event.remove(Person, "load", on_load)
    return outcome, loaded, log


def test_only_the_persons_shown_are_loaded_and_statements_do_not_grow(db: Session, count_statements) -> None:
    worker = factories.make_user(db, Role.CASEWORKER, [GRO])
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    elsewhere = factories.make_user(db, Role.CASEWORKER, [CHIS])
    for i in range(2):
        _person(db, GRO, worker, "Yesenia", "Valdés", f"López{i}")
    _person(db, CHIS, elsewhere, "Yesenia", "Valdés", "Gómez")
    finder.find(db, supervisor, finder.interpret("Yesenia Valdés"))  # warm per-process caches
    few, loaded_few, log_few = _search_loading(db, supervisor.id, "Yesenia Valdés", count_statements)
    assert (len(few.hits), few.hidden) == (2, 1) and len(loaded_few) == 2
    for i in range(2, 60):  # past CANDIDATES in scope, and more elsewhere
        _person(db, GRO, worker, "Yesenia", "Valdés", f"López{i}")
        _person(db, CHIS, elsewhere, "Yesenia", "Valdés", f"Gómez{i}")
    many, loaded_many, log_many = _search_loading(db, supervisor.id, "Yesenia Valdés", count_statements)
    assert len(many.hits) == finder.SHOWN and many.hidden > 0
    # only the persons shown are instantiated (the old reading loaded up to 100 candidates whole)
    assert sorted(p.id for p in loaded_many) == sorted(h.person.id for h in many.hits)
    assert log_many.count == log_few.count, f"{log_few}\n---\n{log_many}"
    # their memberships came with them: the results rows need no statement per person
    assert all("memberships" in p.__dict__ for p in loaded_many)
