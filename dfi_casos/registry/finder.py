"""The one search box: a CURP, a folio, a phone or a name (with an optional date or year of birth).

`interpret` reads what was typed; `find` runs the search within the actor's scope and, over the
whole registry, counts what lies outside it (shown only as "hay un registro similar en otro
territorio"). The terms are never logged, put in a URL or audited: the entry names the kind of
search and the ids found.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from dfi_casos.cases.models import Case, CaseStatus
from dfi_casos.catalogs.enums import CaseSubject
from dfi_casos.database import local_today
from dfi_casos.registry import services
from dfi_casos.registry.models import Household, HouseholdMembership, Person
from dfi_casos.registry.name_search import (
    NameHit,
    NameQuery,
    NameQueryError,
    check_name_query,
    load_hits,
    ranked_candidates,
)
from dfi_casos.scope import scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission
from dfi_casos.security.fields import blind_index_matches
from dfi_casos.security.normalize import normalize_phone

MAX_QUERY = 200
_CURP = re.compile(r"^[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[A-Z\d]\d$")
_FOLIO = re.compile(r"^DFI-?([A-Z]{2,4})-?(\d{4})-?(\d{1,6})$")
_PHONE_CHARS = re.compile(r"^[\d\s()+.-]+$")
_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
#: Results shown, at most; a name match is shown from SHOWN_SCORE, and counted elsewhere from ELSEWHERE_SCORE.
SHOWN = 20
SHOWN_SCORE = 60
ELSEWHERE_SCORE = 85
#: Shown for records found outside the actor's scope, and nothing else about them.
ELSEWHERE = _l("Hay un registro similar en otro territorio.")
#: Sensitive fields a results row shows (named in the search's audit entry).
RESULT_FIELDS = ("given_names", "first_surname", "second_surname", "birth_date")
KIND_LABELS = {"curp": "CURP", "folio": _l("folio"), "phone": _l("teléfono"), "name": _l("nombre")}


class SearchError(services.RegistryError):
    """The search cannot run as typed; the message says why, in Spanish."""


@dataclass(frozen=True)
class Interpretation:
    """What the box held: its kind and the value to search (a CURP, a folio, digits, or a name query)."""

    kind: str
    value: str = ""
    name: NameQuery | None = None


@dataclass
class Outcome:
    """Visible results (persons with their match, best first) and how many matches lie out of scope."""

    kind: str
    hits: list[NameHit] = field(default_factory=list)
    hidden: int = 0


def _date_in(text: str) -> tuple[date | None, str]:
    match = _DATE.search(text)
    if not match:
        return None, text
    try:
        if match.group(3):
            found = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        else:
            found = date(int(match.group(4)), int(match.group(5)), int(match.group(6)))
    except ValueError:
        raise SearchError(_("La fecha de nacimiento no existe; escríbala como 31/12/1990."), "q") from None
    return found, (text[:match.start()] + " " + text[match.end():])


def interpret(q: str | None) -> Interpretation:
    """Read the search box: CURP, folio, phone, or a name with an optional date (dd/mm/aaaa) or year."""
    text = (q or "").strip()
    if not text:
        raise SearchError(_("Escriba qué buscar: CURP, folio, teléfono o nombre."), "q")
    if len(text) > MAX_QUERY:
        raise SearchError(_("La búsqueda es demasiado larga (máximo %(n)s caracteres).", n=MAX_QUERY), "q")
    compact = re.sub(r"[\s]", "", text).upper()
    folio = _FOLIO.match(compact)
    if folio:
        return Interpretation("folio", f"DFI-{folio.group(1)}-{folio.group(2)}-{int(folio.group(3)):06d}")
    if _CURP.match(compact):
        return Interpretation("curp", compact)
    if _PHONE_CHARS.match(text) and len(normalize_phone(text)) >= 10:
        return Interpretation("phone", normalize_phone(text))
    if len(compact) == 18 and compact[:4].isalpha() and compact[4:10].isdigit():
        raise SearchError(_("Parece una CURP, pero no tiene el formato de 18 caracteres válido."), "q")
    birth, rest = _date_in(text)
    year = birth.year if birth else None
    if birth is None:
        match = _YEAR.search(rest)
        if match:
            year, rest = int(match.group(1)), rest[:match.start()] + " " + rest[match.end():]
    if year is not None and not 1900 <= year <= local_today().year:
        raise SearchError(_("El año de nacimiento no es válido."), "q")
    if not any(ch.isalpha() for ch in rest):
        raise SearchError(_("Escriba una CURP de 18 caracteres, un folio, un teléfono de 10 dígitos o un nombre."), "q")
    return Interpretation("name", name=NameQuery(free_text=" ".join(rest.split()), birth_year=year,
                                                 birth_date=birth))


Restrict = Callable[[Select[Any]], Select[Any]]


def _exact(session: Session, how: Interpretation, in_scope: Restrict,
           state_code: str | None) -> tuple[list[NameHit], int]:
    """A CURP or phone: matches over the whole registry verified on their ciphertexts alone (one query),
    then only the visible matches loaded whole; the rest are counted, never read."""
    # Blocked persons are not even counted among the matches of another territory.
    base = select(Person).where(Person.merged_into_id.is_(None), Person.blocked_at.is_(None))
    if state_code:
        base = base.where(Person.state_code == state_code)
    matched = blind_index_matches(session, Person, how.kind, how.value, query=base)
    if not matched:
        return [], 0
    found = list(session.scalars(in_scope(base).where(Person.id.in_(matched))
                                 .options(joinedload(Person.memberships))).unique())
    return [NameHit(p, 100.0, {}) for p in found], len(matched) - len(found)


def _by_name(session: Session, how: Interpretation, in_scope: Restrict,
             state_code: str | None) -> tuple[list[NameHit], int]:
    """A name: candidates in scope and over the whole registry ranked on their names alone (one query),
    then only the visible hits shown loaded whole; the better matches elsewhere are counted, never loaded."""
    name = how.name or NameQuery()
    try:
        check_name_query(name)
    except NameQueryError as exc:
        raise SearchError(str(exc), "q") from None

    def in_state(stmt: Select[Any]) -> Select[Any]:
        return stmt.where(Person.state_code == state_code) if state_code else stmt

    def visible(stmt: Select[Any]) -> Select[Any]:
        return in_state(in_scope(stmt))

    inside, everywhere = ranked_candidates(session, name, [visible, in_state if state_code else None])
    hits = load_hits(session, [s for s in inside[:SHOWN] if s.score >= SHOWN_SCORE], visible)
    shown = {h.person.id for h in hits}
    return hits, sum(1 for s in everywhere[:SHOWN] if s.id not in shown and s.score >= ELSEWHERE_SCORE)


def _folio_persons(session: Session, actor: Principal, how: Interpretation, in_scope: bool) -> list[Person]:
    stmt = select(Case).where(Case.folio == how.value)
    case = session.scalars(scoped(stmt, Case, actor) if in_scope else stmt).first()
    return _case_persons(session, case) if case else []


def _case_persons(session: Session, case: Case) -> list[Person]:
    if case.subject_type == CaseSubject.INDIVIDUAL and case.person_id:
        person = session.get(Person, case.person_id)
        return [person] if person and person.blocked_at is None else []
    if case.household_id:
        household = session.get(Household, case.household_id)
        return [m.person for m in household.current_memberships] if household else []
    return []


def find(session: Session, actor: Principal, how: Interpretation, state_code: str | None = None) -> Outcome:
    """Search within the actor's scope; count out-of-scope matches; audit the kind and the ids, never the terms."""
    if not has_permission(actor, Permission.VIEW_CASES):
        raise SearchError(_("No tiene permiso para buscar personas."))

    def in_scope(stmt: Select[Any]) -> Select[Any]:
        return scoped(stmt, Person, actor)

    if how.kind in ("curp", "phone"):
        hits, hidden = _exact(session, how, in_scope, state_code)
    elif how.kind == "name":
        hits, hidden = _by_name(session, how, in_scope, state_code)
    else:
        hits = [NameHit(p, 100.0, {}) for p in _folio_persons(session, actor, how, in_scope=True)][:SHOWN]
        visible = {h.person.id for h in hits}
        hidden = sum(1 for p in _folio_persons(session, actor, how, in_scope=False) if p.id not in visible)
    audit.record_search(session, actor, how.kind, [h.person.id for h in hits], fields=RESULT_FIELDS,
                        object_type="person")
    load_memberships(session, [h.person for h in hits])
    return Outcome(how.kind, hits, hidden)


def load_memberships(session: Session, persons: list[Person]) -> None:
    """Fill each person's memberships with one query (the rows show household and case: no query per row)."""
    pending = [p for p in persons if "memberships" not in sa_inspect(p).dict]
    if not pending:
        return
    by_person: dict[Any, list[HouseholdMembership]] = {p.id: [] for p in pending}
    stmt = select(HouseholdMembership).where(HouseholdMembership.person_id.in_(list(by_person)))
    for membership in session.scalars(stmt.order_by(HouseholdMembership.id)):
        by_person[membership.person_id].append(membership)
    for person in pending:
        set_committed_value(person, "memberships", by_person[person.id])


def open_cases(session: Session, actor: Principal, persons: list[Person]) -> dict[Any, Case]:
    """Each person's open case (their own or their household's), if the actor may see it."""
    households = {p.id: m.household_id for p in persons if (m := p.current_membership) is not None}
    stmt = select(Case).where(Case.status == CaseStatus.OPEN, (Case.person_id.in_([p.id for p in persons])) |
                              (Case.household_id.in_(list(households.values()))))
    found: dict[Any, Case] = {}
    for case in session.scalars(scoped(stmt, Case, actor)):
        for person in persons:
            if case.person_id == person.id or (case.household_id and households.get(person.id) == case.household_id):
                found.setdefault(person.id, case)
    return found


def age_of(person: Person, today: date | None = None) -> int | None:
    """Age in whole years from the date of birth, or the estimated age."""
    today = today or local_today()
    birth = person.birth_date
    if birth is None:
        return person.estimated_age
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
