"""The supervisor home's idle cases, read by ids and one aggregate: the same cases as the old whole-row reading.

The old `_idle_cases` loaded 200 candidate cases whole with their owners, transitions and
referrals (~800 timestamps converted per request) to keep ten; the new one compares the
candidates' last activity in SQL (the candidates a CTE, no parameter per id) and loads only the
cases shown. `_old_idle_cases` and `_old_last_activity` below are the old computation (four IN lists
of the candidates' ids), kept here as the reference the new one must agree with.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, inspect, select, union_all, update
from sqlalchemy.orm import selectinload

from dfi_casos.auth.models import Role
from dfi_casos.cases import pages
from dfi_casos.cases import services as cases
from dfi_casos.cases.models import Case, CaseNote, CaseStatus, Referral, Service
from dfi_casos.database import local_today, utcnow
from dfi_casos.main import home
from dfi_casos.scope import scoped
from tests import factories

GRO, MICH = "12", "16"
IDLE_DAYS = 30


def _old_last_activity(session: Any, case_ids: list[Any]) -> dict[Any, Any]:
    sources = union_all(
        select(Case.id.label("case_id"), Case.updated_at.label("at")).where(Case.id.in_(case_ids)),
        select(Service.case_id, Service.created_at).where(Service.case_id.in_(case_ids)),
        select(Referral.case_id, Referral.updated_at).where(Referral.case_id.in_(case_ids)),
        select(CaseNote.case_id, CaseNote.created_at).where(CaseNote.case_id.in_(case_ids)),
    ).subquery()
    rows = session.execute(select(sources.c.case_id, func.max(sources.c.at)).group_by(sources.c.case_id))
    return {row[0]: row[1] for row in rows}


def _old_idle_cases(session: Any, user: Any, idle_days: int) -> list[Case]:
    candidates = list(session.scalars(
        scoped(select(Case), Case, user).where(Case.status == CaseStatus.OPEN)
        .options(selectinload(Case.owner), selectinload(Case.transitions), selectinload(Case.referrals))
        .order_by(Case.updated_at).limit(200)))
    last = _old_last_activity(session, [c.id for c in candidates])
    limit = utcnow() - timedelta(days=idle_days)
    return [c for c in candidates if c.id in last and last[c.id] < limit][:home.HOME_LIMIT]


def _age(db: Any, case: Case, days: int) -> None:
    db.execute(update(Case).where(Case.id == case.id).values(updated_at=utcnow() - timedelta(days=days)))


def _registry(db: Any, idle: int) -> Any:
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    worker = factories.make_user(db, Role.CASEWORKER, [GRO])
    for i in range(idle):  # idle for 31.. days, oldest last created
        _age(db, factories.make_case(db, worker, GRO), IDLE_DAYS + 1 + i)
    noted = factories.make_case(db, worker, GRO)  # updated long ago, but a note today: not idle
    cases.add_note(db, worker, noted, "Llamada de seguimiento")
    _age(db, noted, IDLE_DAYS + 50)
    _age(db, factories.make_case(db, worker, GRO), 2)  # recent
    _age(db, factories.make_case(db, None, MICH), IDLE_DAYS + 90)  # idle, out of the supervisor's territory
    closed = factories.make_case(db, worker, GRO)
    closed.status = CaseStatus.CLOSED
    db.flush()
    _age(db, closed, IDLE_DAYS + 95)
    db.expire_all()
    return supervisor, noted


def test_idle_cases_are_those_of_the_old_computation(db) -> None:
    supervisor, noted = _registry(db, idle=13)
    old = [c.id for c in _old_idle_cases(db, supervisor, IDLE_DAYS)]
    db.expire_all()
    new = home._idle_cases(db, supervisor, IDLE_DAYS, local_today())
    assert [c.id for c in new] == old
    assert len(new) == home.HOME_LIMIT and noted.id not in old
    every = list(db.scalars(select(Case.id)))  # the list form (worklists, case page) agrees with the old one too
    assert pages.last_activity(db, every) == _old_last_activity(db, every) and len(every) == 17
    # what the rows read is loaded with them: rendering them sends no statement per case
    assert all({"owner", "transitions", "referrals"}.isdisjoint(inspect(c).unloaded) for c in new)


def test_idle_cases_few_idle_and_none(db) -> None:
    supervisor, _ = _registry(db, idle=3)
    old = [c.id for c in _old_idle_cases(db, supervisor, IDLE_DAYS)]
    db.expire_all()
    assert [c.id for c in home._idle_cases(db, supervisor, IDLE_DAYS, local_today())] == old and len(old) == 3
    assert home._idle_cases(db, supervisor, IDLE_DAYS + 365, local_today()) == []


def test_idle_cases_statements_do_not_grow_with_candidates(db, count_statements) -> None:
    supervisor, _ = _registry(db, idle=2)
    db.expire_all()
    with count_statements() as few:
        home._idle_cases(db, supervisor, IDLE_DAYS, local_today())
    for i in range(25):
        _age(db, factories.make_case(db, None, GRO), IDLE_DAYS + 200 + i)
    db.expire_all()
    loaded: list[Case] = []

    def on_load(target: Case, _context: Any) -> None:
        loaded.append(target)

    event.listen(Case, "load", on_load)
    try:
        with count_statements() as many:
            assert len(home._idle_cases(db, supervisor, IDLE_DAYS, local_today())) == home.HOME_LIMIT
    finally:
        event.remove(Case, "load", on_load)
    assert many.count == few.count, f"{few}\n---\n{many}"
    # the candidates stay in SQL: no bound parameter per candidate (four IN lists of 200 ids before)
    assert max(s.count("?") + s.count("%(") for s in many.statements) < 15, many
    # only the cases shown are read whole (the old reading loaded all 30 candidates with their children)
    assert len(loaded) == home.HOME_LIMIT
