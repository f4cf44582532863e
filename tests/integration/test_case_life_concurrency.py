"""Real concurrency on PostgreSQL: two supervisors approving one reopening, or accepting one transfer.

Like test_cases_concurrency.py, these use their own engine (several connections committing for real)
and delete what they made afterwards.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dfi_casos.auth.models import Role, User
from dfi_casos.cases import reopening, transfers
from dfi_casos.cases import services as cases
from dfi_casos.cases.life_models import CaseTransfer, TransferStatus
from dfi_casos.cases.models import ApprovalRequest, ApprovalStatus, Case, FolioCounter, StageTransition
from dfi_casos.catalogs.enums import ClosureReason, Stage
from dfi_casos.database import make_engine
from dfi_casos.errors import DomainError
from dfi_casos.registry.models import Household, HouseholdMembership, Person
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.concurrency import release_together

#: Veracruz and Tlaxcala: no other test works there.
STATE, OTHER = "30", "29"


@pytest.fixture
def committing(app, backend) -> Iterator[Callable[[], Session]]:
    engine = make_engine(app.config["DATABASE_URL"])
    with app.app_context():
        with Session(engine) as session:
            start = session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))
        yield lambda: Session(engine, expire_on_commit=False)
        with Session(engine) as session, session.begin():
            users = select(User.id).where(User.username.like("lifeconc%"))
            cases_ = select(Case.id).where(Case.state_code.in_([STATE, OTHER]))
            session.execute(delete(CaseTransfer).where(CaseTransfer.case_id.in_(cases_)))
            session.execute(delete(StageTransition).where(StageTransition.case_id.in_(cases_)))
            session.execute(delete(ApprovalRequest).where(ApprovalRequest.case_id.in_(cases_)))
            session.execute(delete(Case).where(Case.state_code.in_([STATE, OTHER])))
            session.execute(delete(HouseholdMembership).where(HouseholdMembership.recorded_by_id.in_(users)))
            session.execute(delete(Person).where(Person.state_code.in_([STATE, OTHER])))
            session.execute(delete(Household).where(Household.state_code.in_([STATE, OTHER])))
            session.execute(delete(FolioCounter).where(FolioCounter.state_code.in_([STATE, OTHER])))
            session.execute(delete(AuditEvent).where(AuditEvent.seq > start))
            session.execute(delete(User).where(User.id.in_(users)))
    engine.dispose()


def run_together(app, count: int, work: Callable[[int], Any]) -> list[Any]:
    def guarded(i: int) -> Any:
        with app.app_context():
            try:
                return work(i)
            except Exception as exc:  # noqa: BLE001 - the test inspects what each thread met
                return exc

    return release_together(count, guarded)


def _user(session: Session, role: Role, state: str, name: str) -> User:
    return factories.make_user(session, role, [state], username=f"lifeconc-{name}")


@pytest.mark.postgresql
def test_two_supervisors_approving_one_reopening_one_wins_the_other_is_told(app, committing):
    with app.app_context(), committing() as session:
        owner = _user(session, Role.CASEWORKER, STATE, "owner")
        closer = _user(session, Role.SUPERVISOR, STATE, "closer")
        deciders = [_user(session, Role.SUPERVISOR, STATE, f"sup{i}").id for i in range(2)]
        case = cases.open_case(session, owner, factories.make_case_household(session, owner, STATE))
        cases.request_approval(session, owner, case, Stage.CLOSED, ClosureReason.LOST_CONTACT, "Sin contacto")
        cases.decide_approval(session, closer, case, True)
        reopening.request_reopening(session, owner, case, Stage.ASSISTANCE, "Volvió a buscarnos")
        session.commit()
        case_id, version = case.id, case.version

    def decide(i: int) -> str:
        with committing() as session:
            case = session.get(Case, case_id)
            try:
                reopening.decide_reopening(session, session.get(User, deciders[i]), case, True,
                                           expected_version=version)
                session.commit()
            except DomainError:
                session.rollback()
                raise
            return "won"

    outcomes = run_together(app, 2, decide)
    assert outcomes.count("won") == 1, outcomes
    loser, = [o for o in outcomes if o != "won"]
    assert isinstance(loser, DomainError), repr(loser)
    assert "ya decidió esta solicitud de reapertura" in str(loser)
    with app.app_context(), committing() as session:
        case = session.get(Case, case_id)
        assert case.is_open and case.stage == Stage.ASSISTANCE and case.version > version
        decided = session.scalars(select(ApprovalRequest).where(ApprovalRequest.case_id == case_id,
                                                                ApprovalRequest.from_stage == Stage.CLOSED)).one()
        assert decided.status == ApprovalStatus.APPROVED
        reopened = session.scalars(select(StageTransition).where(StageTransition.case_id == case_id,
                                                                 StageTransition.from_stage == Stage.CLOSED)).all()
        assert len(reopened) == 1


@pytest.mark.postgresql
def test_two_supervisors_accepting_one_transfer_one_wins_the_other_is_told(app, committing):
    with app.app_context(), committing() as session:
        owner = _user(session, Role.CASEWORKER, STATE, "towner")
        receivers = [_user(session, Role.SUPERVISOR, OTHER, f"rec{i}").id for i in range(2)]
        new_owners = [_user(session, Role.CASEWORKER, OTHER, f"new{i}").id for i in range(2)]
        case = cases.open_case(session, owner, factories.make_case_household(session, owner, STATE))
        transfer = transfers.request_transfer(session, owner, case, OTHER, "Se mudaron")
        session.commit()
        case_id, transfer_id = case.id, transfer.id

    def accept(i: int) -> str:
        with committing() as session:
            transfer = session.get(CaseTransfer, transfer_id)
            try:
                transfers.decide_transfer(session, session.get(User, receivers[i]), transfer, True, new_owners[i])
                session.commit()
            except DomainError:
                session.rollback()
                raise
            return f"won-{i}"

    outcomes = run_together(app, 2, accept)
    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1, outcomes
    loser, = [o for o in outcomes if not isinstance(o, str)]
    assert isinstance(loser, DomainError), repr(loser)
    assert "ya respondió este traslado" in str(loser)
    index = int(winners[0][-1])
    with app.app_context(), committing() as session:
        case = session.get(Case, case_id)
        transfer = session.get(CaseTransfer, transfer_id)
        assert case.state_code == OTHER and case.owner_id == new_owners[index]
        assert transfer.status == TransferStatus.ACCEPTED and transfer.decided_by_id == receivers[index]
