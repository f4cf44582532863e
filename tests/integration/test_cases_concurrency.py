"""Real concurrency on PostgreSQL: folios under simultaneous creation, two stage changes on one case.

The `db` fixture wraps a test in one rolled-back transaction on one connection; these tests need
several connections committing for real, so they use their own engine and clean up after themselves.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dfi_casos.auth.models import Role, User
from dfi_casos.cases import services as cases
from dfi_casos.cases.models import Case, FolioCounter, StageTransition
from dfi_casos.catalogs.enums import Stage
from dfi_casos.database import make_engine
from dfi_casos.errors import EditConflict
from dfi_casos.registry.models import Household, HouseholdMembership, Person
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.concurrency import release_together

#: Yucatán: no other test opens cases there, so its folio counter starts from zero.
STATE = "31"
THREADS = 6


@pytest.fixture
def committing(app, backend) -> Iterator[Callable[[], Session]]:
    """Sessions on a separate engine that commit for real; every row they made is deleted afterwards."""
    engine = make_engine(app.config["DATABASE_URL"])
    with app.app_context():
        with Session(engine) as session:
            start = session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))
        yield lambda: Session(engine, expire_on_commit=False)
        with Session(engine) as session, session.begin():
            users = select(User.id).where(User.username.like("concurrency%"))
            cases_ = select(Case.id).where(Case.state_code == STATE)
            session.execute(delete(StageTransition).where(StageTransition.case_id.in_(cases_)))
            session.execute(delete(Case).where(Case.state_code == STATE))
            session.execute(delete(HouseholdMembership).where(HouseholdMembership.recorded_by_id.in_(users)))
            session.execute(delete(Person).where(Person.state_code == STATE))
            session.execute(delete(Household).where(Household.state_code == STATE))
            session.execute(delete(FolioCounter).where(FolioCounter.state_code == STATE))
            session.execute(delete(AuditEvent).where(AuditEvent.seq > start))  # the chain's prefix stays valid
            session.execute(delete(User).where(User.id.in_(users)))
    engine.dispose()


def run_together(app, count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released at the same moment; results or exceptions, in order."""

    def guarded(i: int) -> Any:
        with app.app_context():
            try:
                return work(i)
            except Exception as exc:  # noqa: BLE001 - the test inspects what each thread met
                return exc

    return release_together(count, guarded)


def _setup(app, committing, households: int) -> tuple[int, list[Any]]:
    with app.app_context(), committing() as session:
        owner = factories.make_user(session, Role.CASEWORKER, [STATE], username="concurrency-owner")
        made = [factories.make_case_household(session, owner, STATE) for _ in range(households)]
        session.commit()
        return owner.id, [h.id for h in made]


@pytest.mark.postgresql
def test_folios_are_distinct_and_sequential_under_concurrent_creation(app, committing):
    owner_id, household_ids = _setup(app, committing, THREADS)

    def open_one(i: int) -> str:
        with committing() as session:
            owner = session.get(User, owner_id)
            case = cases.open_case(session, owner, session.get(Household, household_ids[i]))
            session.commit()
            return case.folio

    folios = run_together(app, THREADS, open_one)
    assert all(isinstance(f, str) for f in folios), folios
    year = cases.local_today().year
    assert sorted(folios) == [f"DFI-YUC-{year}-{n:06d}" for n in range(1, THREADS + 1)]


@pytest.mark.postgresql
def test_two_simultaneous_stage_changes_one_wins_the_other_conflicts(app, committing):
    owner_id, (household_id,) = _setup(app, committing, 1)
    with app.app_context(), committing() as session:
        case = cases.open_case(session, session.get(User, owner_id), session.get(Household, household_id))
        session.commit()
        case_id, version = case.id, case.version
    targets = [(Stage.ATTENTION, None), (Stage.PREVENTION, "Riesgo nuevo")]

    def change(i: int) -> Stage:
        with committing() as session:
            case = session.get(Case, case_id)
            stage, reason = targets[i]
            try:
                cases.change_stage(session, session.get(User, owner_id), case, stage, reason, expected_version=version)
                session.commit()
            except EditConflict:
                session.rollback()
                raise
            return stage

    outcomes = run_together(app, 2, change)
    winners = [o for o in outcomes if isinstance(o, Stage)]
    conflicts = [o for o in outcomes if isinstance(o, EditConflict)]
    assert len(winners) == 1 and len(conflicts) == 1, outcomes
    assert "Otra persona cambió este caso" in str(conflicts[0])
    with app.app_context(), committing() as session:
        case = session.get(Case, case_id)
        history = session.scalars(select(StageTransition).where(StageTransition.case_id == case_id)
                                  .order_by(StageTransition.occurred_at)).all()
        assert case.stage == winners[0] and case.version == version + 1
        assert [(t.from_stage, t.to_stage) for t in history] == [(None, Stage.ASSISTANCE),
                                                                 (Stage.ASSISTANCE, winners[0])]
