"""Caseload, for supervisors: open cases per caseworker, cases idle over N days, decisions waiting per supervisor.

Operational figures about staff, shown on screen to whoever holds VIEW_DASHBOARD and never published:
no small-cell suppression (a caseworker with three cases is not a disclosure about displaced people).
Overdue case-plan actions (open actions of a plan in force past their due date) count per owner.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from dfi_casos.auth.models import User
from dfi_casos.cases.models import (
    ApprovalRequest,
    ApprovalStatus,
    Case,
    CaseNote,
    CaseStatus,
    RecognitionStatus,
    Referral,
    Service,
)
from dfi_casos.cases.plan_models import PlanAction
from dfi_casos.cases.plans import overdue_clause as overdue_action_clause
from dfi_casos.reports.cases import _cases
from dfi_casos.reports.filters import ReportFilter
from dfi_casos.security.access import Permission, Principal, has_permission


@dataclass(frozen=True)
class CaseworkerLoad:
    user_id: int
    name: str
    open_cases: int
    idle_cases: int
    #: Actions of the plans in force of their open cases, past their due date.
    overdue_actions: int = 0


@dataclass(frozen=True)
class SupervisorQueue:
    user_id: int
    name: str
    stage_requests: int
    recognitions: int


@dataclass(frozen=True)
class Caseload:
    idle_days: int
    caseworkers: list[CaseworkerLoad]
    supervisors: list[SupervisorQueue]

    @property
    def open_cases(self) -> int:
        return sum(c.open_cases for c in self.caseworkers)

    @property
    def idle_cases(self) -> int:
        return sum(c.idle_cases for c in self.caseworkers)

    @property
    def overdue_actions(self) -> int:
        return sum(c.overdue_actions for c in self.caseworkers)


def idle_clause(cutoff: datetime) -> Any:
    """Nothing recorded on the case since `cutoff`: no workflow action, service, referral change or note."""
    return (Case.updated_at < cutoff) & ~exists().where(Service.case_id == Case.id, Service.created_at >= cutoff) \
        & ~exists().where(Referral.case_id == Case.id, Referral.updated_at >= cutoff) \
        & ~exists().where(CaseNote.case_id == Case.id, CaseNote.created_at >= cutoff)


def caseworkers(session: Session, user: Principal, f: ReportFilter, today: date) -> list[CaseworkerLoad]:
    cutoff = datetime.combine(today - timedelta(days=f.idle_days), time.min, tzinfo=UTC)
    idle = func.sum(case((idle_clause(cutoff), 1), else_=0))
    stmt = (_cases(user, f, Case.owner_id, func.count(), idle).where(Case.status == CaseStatus.OPEN)
            .group_by(Case.owner_id))
    counts = {owner: (int(n), int(i or 0)) for owner, n, i in session.execute(stmt)}
    late = (_cases(user, f, Case.owner_id, func.count()).join(PlanAction, PlanAction.case_id == Case.id)
            .where(Case.status == CaseStatus.OPEN, overdue_action_clause(today)).group_by(Case.owner_id))
    overdue = {owner: int(n) for owner, n in session.execute(late)}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(list(counts)))).tuples().all())
    loads = [CaseworkerLoad(owner, names.get(owner, str(owner)), n, i, overdue.get(owner, 0))
             for owner, (n, i) in counts.items()]
    return sorted(loads, key=lambda c: (-c.open_cases, c.name))


def supervisors(session: Session, user: Principal, f: ReportFilter) -> list[SupervisorQueue]:
    """For each supervisor of the territory, the requests and recognitions they may decide (not their own)."""
    requests = session.execute(_cases(user, f, Case.state_code, ApprovalRequest.requested_by_id).join(
        ApprovalRequest, ApprovalRequest.case_id == Case.id).where(
        ApprovalRequest.status == ApprovalStatus.PENDING)).all()
    recognitions = session.execute(_cases(user, f, Case.state_code, func.count()).where(
        Case.status == CaseStatus.OPEN,
        Case.recognition_status.in_([RecognitionStatus.SUBMITTED, RecognitionStatus.APPEALED]))
        .group_by(Case.state_code)).all()
    states = {s for s, *_ in [*requests, *recognitions]}
    candidates = session.scalars(select(User).where(User.active.is_(True), or_(
        User.is_national.is_(True), *(User.state_codes.like(f"%{code}%") for code in states or {"--"}))))
    queues = []
    for account in candidates:
        if not has_permission(account, Permission.APPROVE_STAGE_CHANGE):
            continue

        def covers(state: str, account: User = account) -> bool:
            return account.is_national or state in account.states

        stage = sum(1 for state, requester in requests if covers(state) and requester != account.id)
        decided = sum(n for state, n in recognitions if covers(state))
        if account.is_national and not user.is_national:
            continue  # a state supervisor's page lists the supervisors of their states
        queues.append(SupervisorQueue(account.id, account.full_name, stage, decided))
    return sorted(queues, key=lambda q: (-(q.stage_requests + q.recognitions), q.name))


def build(session: Session, user: Principal, f: ReportFilter, today: date) -> Caseload:
    return Caseload(f.idle_days, caseworkers(session, user, f, today), supervisors(session, user, f))
