"""Name search over encrypted names: candidates from the token index, ranked by similarity after decryption.

The table is never decrypted: SQL picks the persons sharing the most tokens with the query
(given word + surname, both surnames, surname + birth year; see security/names.py), at most
`CANDIDATES` of them are decrypted, and rapidfuzz ranks them against what was typed. Only the
id and the encrypted name columns of the candidates are read (`ranked_candidates`); whole persons
are loaded for the few hits a caller shows (`load_hits`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz
from sqlalchemy import Select, literal, select, union_all
from sqlalchemy.orm import Session, joinedload

from dfi_casos.errors import DomainError
from dfi_casos.registry.models import PERSON_NAME_TOKENS, Person, PersonNameToken
from dfi_casos.scope import blocked_person_ids
from dfi_casos.security.fields import decrypt_stored
from dfi_casos.security.names import fold, phonetic_key, phonetic_words, query_tokens, ranking_form

#: Persons decrypted per search, at most.
CANDIDATES = 50
#: Score (0-100) from which a part counts as matching; 100 is an exact match after normalization.
PART_MATCH = 85
LABELS = {"names": _l("nombre completo"), "given_names": _l("nombre"), "surnames": _l("apellidos"),
          "birth": _l("fecha de nacimiento")}


class NameQueryError(DomainError):
    """The name query cannot be searched; the message is Spanish, `field` names the form field."""


@dataclass(frozen=True)
class NameQuery:
    """What was typed: any of first surname + given name, both surnames, or a surname + birth year."""

    given_names: str | None = None
    first_surname: str | None = None
    second_surname: str | None = None
    birth_year: int | None = None
    birth_date: date | None = None
    #: The search box: words in any order, each tried as a given name and as a surname.
    free_text: str | None = None

    @property
    def year(self) -> int | None:
        return self.birth_date.year if self.birth_date else self.birth_year


@dataclass(frozen=True)
class Candidate:
    """A candidate as ranking sees it: the id and the decrypted name parts, not the whole person."""

    id: Any
    given_names: str | None
    first_surname: str | None
    second_surname: str | None
    #: Decrypted only when the query has a year (None otherwise: the ranking does not look at it).
    birth_date: date | None = None


@dataclass(frozen=True)
class Scored:
    """A ranked candidate: its score 0-100 and the score of each part (what `NameHit` shows)."""

    candidate: Candidate
    score: float
    parts: dict[str, float]

    @property
    def id(self) -> Any:
        return self.candidate.id


@dataclass
class NameHit:
    """A candidate and how well it matches: score 0-100 and, per part, a Spanish word for the strength."""

    person: Person
    score: float
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def matched(self) -> list[str]:
        """"nombre (exacto)", "apellidos (parecido, 88 %)": what matched and how strongly."""
        return [f"{LABELS[part]} ({strength(value)})" for part, value in self.parts.items() if value >= PART_MATCH]


def strength(value: float) -> str:
    """A part's score in words."""
    return "exacto" if value >= 100 else f"parecido, {round(value)} %"


def _letters(value: str | None) -> int:
    return sum(ch.isalpha() for ch in fold(value))


def _check_free_text(query: NameQuery) -> None:
    words = [w for w in fold(query.free_text).split() if not w.isdigit()]
    if any(sum(ch.isalpha() for ch in w) < 2 and w not in ("J", "MA") for w in words):
        raise NameQueryError(_("Cada palabra del nombre necesita al menos dos letras."), "q")
    if len(query.free_text or "") > 120:
        raise NameQueryError(_("El nombre es demasiado largo (máximo 120 caracteres)."), "q")
    if len(words) < 2 and query.year is None:
        raise NameQueryError(_("Escriba nombre y apellido, o un apellido y el año de nacimiento."), "q")


def check_name_query(query: NameQuery) -> None:
    """Refuse what cannot be searched, naming the field: too short, or not enough parts."""
    if query.free_text is not None:
        _check_free_text(query)
        return
    for name, label in (("given_names", _("El nombre")), ("first_surname", _("El primer apellido")),
                        ("second_surname", _("El segundo apellido"))):
        value = getattr(query, name)
        if value and value.strip() and _letters(value) < 2 and fold(value) not in ("J", "MA"):
            raise NameQueryError(_("%(label)s necesita al menos dos letras.", label=label), name)
        if value and len(value) > 120:
            raise NameQueryError(_("%(label)s es demasiado largo (máximo 120 caracteres).", label=label), name)
    has = {name: bool(phonetic_words(getattr(query, name), given=name == "given_names"))
           for name in ("given_names", "first_surname", "second_surname")}
    surname = has["first_surname"] or has["second_surname"]
    if not surname or not (has["given_names"] or (has["first_surname"] and has["second_surname"]) or query.year):
        raise NameQueryError(_("Escriba un apellido y además el nombre, el otro apellido o el año de nacimiento."),
                             "first_surname")


def _surnames(query: NameQuery) -> list[str]:
    return list(dict.fromkeys(phonetic_words(query.first_surname) + phonetic_words(query.second_surname)))


def candidates(session: Session, query: NameQuery, restrict: Callable[[Select[Any]], Select[Any]] | None = None,
               limit: int = CANDIDATES) -> list[Person]:
    """The persons sharing the most name tokens with the query, most first (merged records left out).

    One round trip: the token counts and the persons come back together. `restrict` adds the
    caller's scope to a SELECT joined to Person (e.g. `scope.scoped(stmt, Person, actor)`).
    """
    return _sharing_tokens(session, tokens_of(query), restrict, limit)


def tokens_of(query: NameQuery) -> set[str]:
    """The token strings a query looks up."""
    if query.free_text is not None:
        words = phonetic_words(query.free_text, given=True)
        return query_tokens(words, words, query.year)
    return query_tokens(phonetic_words(query.given_names, given=True), _surnames(query), query.year)


def _sharing_tokens(session: Session, tokens: set[str], restrict: Callable[[Select[Any]], Select[Any]] | None,
                    limit: int) -> list[Person]:
    if not tokens:
        return []
    return list(session.scalars(candidate_statement(tokens, restrict, limit)))


def candidate_statement(tokens: set[str], restrict: Callable[[Select[Any]], Select[Any]] | None,
                        limit: int = CANDIDATES) -> Select[tuple[Person]]:
    """SELECT of the persons sharing the most of these tokens, most first (what `candidates` runs)."""
    best = _ranked_ids(tokens, restrict, limit).subquery()
    return select(Person).join(best, Person.id == best.c.person_id).order_by(best.c.hits.desc(), Person.id)


def _ranked_ids(tokens: set[str], restrict: Callable[[Select[Any]], Select[Any]] | None, limit: int) -> Select[Any]:
    """SELECT person_id, hits of the `limit` persons sharing the most tokens, within `restrict`."""
    ranked = PERSON_NAME_TOKENS.ranked_owner_ids(tokens, limit)
    # Tombstones and blocked persons are nobody's match (a blocked person must not even be counted).
    if restrict is None:  # the whole registry: the token rows alone, less the few hidden persons (partial indexes)
        hidden = blocked_person_ids().union_all(select(Person.id).where(Person.merged_into_id.is_not(None)))
        return ranked.where(PersonNameToken.person_id.not_in(hidden))
    ranked = ranked.join(Person, Person.id == PersonNameToken.person_id).where(Person.merged_into_id.is_(None),
                                                                               Person.blocked_at.is_(None))
    return restrict(ranked)


def _name_fields(query: NameQuery) -> tuple[str, ...]:
    # The date of birth is decrypted only when the query has a year to compare it with.
    return ("given_names", "first_surname", "second_surname") + (("birth_date",) if query.year is not None else ())


def ranked_statement(tokens: set[str], restricts: list[Callable[[Select[Any]], Select[Any]] | None],
                     fields: tuple[str, ...], limit: int = CANDIDATES) -> Select[Any]:
    """One SELECT for several candidate lists (one per `restricts` entry, e.g. in scope and everywhere):
    list number, id and the encrypted `fields` of each candidate, each list most tokens first."""
    lists = [select(ranked.c.person_id, ranked.c.hits, literal(n).label("list"))
             for n, ranked in enumerate(_ranked_ids(tokens, r, limit).subquery() for r in restricts)]
    best = (lists[0] if len(lists) == 1 else union_all(*lists)).subquery()
    columns = [getattr(Person, f"{name}_enc") for name in fields]
    return (select(best.c.list, Person.id, *columns).join(best, Person.id == best.c.person_id)
            .order_by(best.c.list, best.c.hits.desc(), Person.id))


def ranked_candidates(session: Session, query: NameQuery,
                      restricts: list[Callable[[Select[Any]], Select[Any]] | None],
                      limit: int = CANDIDATES) -> list[list[Scored]]:
    """For each of `restricts`, its `limit` candidates ranked against the query, best first.

    One statement reads only ids and encrypted names (never whole persons); a candidate in
    several lists is decrypted and scored once.
    """
    found: list[list[Scored]] = [[] for _ in restricts]
    tokens = tokens_of(query)
    if not tokens:
        return found
    fields = _name_fields(query)
    typed = _Typed.of(query)
    scored: dict[Any, Scored] = {}
    for row in session.execute(ranked_statement(tokens, restricts, fields, limit)):
        person_id = row[1]
        if person_id not in scored:
            values = dict.fromkeys(("given_names", "first_surname", "second_surname", "birth_date"))
            values.update({name: decrypt_stored(Person, name, stored, person_id)
                           for name, stored in zip(fields, row[2:], strict=True)})
            candidate = Candidate(person_id, **values)
            score, parts = _score(query, typed, candidate)
            scored[person_id] = Scored(candidate, score, parts)
        found[row[0]].append(scored[person_id])
    return [sorted(ranked, key=lambda s: -s.score) for ranked in found]


def load_hits(session: Session, ranked: list[Scored],
              restrict: Callable[[Select[Any]], Select[Any]] | None = None) -> list[NameHit]:
    """The whole persons of these ranked candidates, with their memberships, in one query; same order.

    `restrict` is applied again: whole records are read only through the caller's scope.
    """
    if not ranked:
        return []
    stmt = select(Person).where(Person.id.in_([s.id for s in ranked])).options(joinedload(Person.memberships))
    found = {p.id: p for p in session.scalars(stmt if restrict is None else restrict(stmt)).unique()}
    return [NameHit(found[s.id], s.score, s.parts) for s in ranked if s.id in found]


def load_persons(session: Session, ids: list[Any]) -> list[Person]:
    """The persons with these ids, in that order."""
    if not ids:
        return []
    found = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


#: What a spelling variant that sounds the same scores: high, but below the exact spelling.
SOUNDS_ALIKE = 95.0


def _word_score(typed: str, theirs: str, sound: Callable[[str], str]) -> float:
    """Similarity of two folded words: their spelling, or SOUNDS_ALIKE when their phonetic keys agree."""
    spelled = fuzz.ratio(typed, theirs)
    if spelled >= 100:
        return spelled
    return max(spelled, SOUNDS_ALIKE) if sound(typed) == sound(theirs) else spelled


def _words_score(typed: list[str], theirs: list[str], sound: Callable[[str], str]) -> float:
    """Each typed word against its best counterpart: order, and words not typed, do not count against."""
    if not typed:
        return 0.0
    return sum(max((_word_score(t, c, sound) for c in theirs), default=0.0) for t in typed) / len(typed)


def _words(*parts: str | None, given: bool = False) -> list[str]:
    return [w for part in parts for w in ranking_form(part, given=given).split()]


@dataclass(frozen=True)
class _Typed:
    """The query's words in ranking form, computed once per search rather than once per candidate."""

    names: list[str]
    given_names: list[str]
    surnames: list[str]
    #: Phonetic keys of the words met in this search: each computed once, not once per pair of words.
    #: Per search, never per process: a process-wide cache would keep the names of other searches.
    sounds: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, query: NameQuery) -> _Typed:
        return cls(_words(query.free_text, given=True) if query.free_text is not None else [],
                   _words(query.given_names, given=True), _words(query.first_surname, query.second_surname))

    def sound(self, word: str) -> str:
        key = self.sounds.get(word)
        if key is None:
            key = self.sounds[word] = phonetic_key(word, keep_vowels=True)
        return key


def _part_scores(query: NameQuery, typed: _Typed, person: Person | Candidate) -> dict[str, float]:
    scores: dict[str, float] = {}
    if query.free_text is not None:
        theirs = _words(person.given_names, given=True) + _words(person.first_surname, person.second_surname)
        scores["names"] = _words_score(typed.names, theirs, typed.sound)
    if typed.given_names:
        scores["given_names"] = _words_score(typed.given_names, _words(person.given_names, given=True), typed.sound)
    if typed.surnames:
        scores["surnames"] = _words_score(typed.surnames, _words(person.first_surname, person.second_surname),
                                          typed.sound)
    birth = person.birth_date
    if query.year is not None and birth is not None:
        if query.birth_date is not None:
            scores["birth"] = 100.0 if birth == query.birth_date else (90.0 if birth.year == query.year else 0.0)
        else:
            scores["birth"] = {0: 100.0, 1: 80.0}.get(abs(birth.year - query.year), 0.0)
    return scores


def _score(query: NameQuery, typed: _Typed, person: Person | Candidate) -> tuple[float, dict[str, float]]:
    """A candidate's score (names 80 %, birth 20 %) and the score of each part."""
    parts = _part_scores(query, typed, person)
    names = [parts[p] for p in ("names", "given_names", "surnames") if p in parts]
    score = sum(names) / len(names) if names else 0.0
    if "birth" in parts:
        score = 0.8 * score + 0.2 * parts["birth"]
    return round(score, 1), parts


def rank(query: NameQuery, persons: list[Person]) -> list[NameHit]:
    """Score each decrypted candidate against the query, best first (names 80 %, birth 20 %)."""
    typed = _Typed.of(query)
    hits = [NameHit(person, *_score(query, typed, person)) for person in persons]
    return sorted(hits, key=lambda hit: -hit.score)


def find_by_name(session: Session, query: NameQuery, restrict: Callable[[Select[Any]], Select[Any]] | None = None,
                 limit: int = 10) -> list[NameHit]:
    """The best `limit` persons for a name query (checked first), within `restrict`; no audit here.

    Candidates are ranked on their names alone; only the `limit` best are loaded whole.
    """
    check_name_query(query)
    [ranked] = ranked_candidates(session, query, [restrict])
    return load_hits(session, ranked[:limit], restrict)


def similar_persons(session: Session, given_names: str | None, first_surname: str | None,
                    second_surname: str | None, birth_date: date | None,
                    exclude: Any = None) -> list[tuple[Person, str]]:
    """Duplicate warning by name: phonetic name match and birth date within a year, over the whole registry.

    Each person comes with what matched and how strongly, in Spanish. The caller splits them by scope.
    """
    givens = phonetic_words(given_names, given=True)
    query = NameQuery(given_names, first_surname, second_surname, birth_date=birth_date)
    if birth_date is None or not givens or not _surnames(query):
        return []
    year = birth_date.year
    tokens = set().union(*(query_tokens(givens, _surnames(query), y) for y in (year - 1, year, year + 1)))
    found = []
    for hit in rank(NameQuery(given_names, first_surname, second_surname, birth_year=year),
                    _sharing_tokens(session, tokens, None, CANDIDATES)):
        birth = hit.person.birth_date
        names = [hit.parts[p] for p in ("given_names", "surnames") if p in hit.parts]
        if hit.person.id == exclude or birth is None or abs(birth.year - year) > 1 or not names:
            continue
        name_score = min(names)  # the given name and the surnames must each match
        if name_score < PART_MATCH:
            continue
        when = (_("fecha de nacimiento (exacta)") if birth == birth_date else
                _("año de nacimiento (el mismo)") if birth.year == year else _("año de nacimiento (±1 año)"))
        found.append((hit.person, f"nombre ({strength(name_score)}) y {when}"))
    return found
