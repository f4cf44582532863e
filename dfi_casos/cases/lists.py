"""Case lists, read only: Mis casos (the worklist), the case list with its filters, a subject's cases.

Names are decrypted for the page being shown (a page of 25 costs microseconds) and every page that
shows them writes one "view" audit entry naming the fields and the cases, like any list view."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, aliased, selectinload

from dfi_casos.auth.models import User
from dfi_casos.cases import flags, workflow
from dfi_casos.cases.life_models import FlagType
from dfi_casos.cases.models import (
    RECOGNITION_WAITING,
    ApprovalRequest,
    ApprovalStatus,
    Case,
    CaseAssignee,
    CaseStatus,
    Referral,
    StageTransition,
)
from dfi_casos.cases.pages import days_in_stage, last_activity, load_subjects, subject_place, subject_summary
from dfi_casos.cases.rules import OPEN_REFERRAL_STATUSES, is_overdue
from dfi_casos.catalogs.enums import CaseSubject, Stage
from dfi_casos.database import local_today, utcnow
from dfi_casos.pagination import After, Page, SortKey, paginate, paginate_ordered
from dfi_casos.scope import scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, roles_with

#: Days without any activity after which a case shows in the worklist as needing attention.
STALE_AFTER_DAYS = 30

# --- loading -----------------------------------------------------------------------------------

def find_by_folio(session: Session, actor: Principal, folio: str) -> Case | None:
    """The visible case with this folio (case-insensitive), or None."""
    wanted = folio.strip().upper()
    return session.scalars(scoped(select(Case).where(Case.folio == wanted), Case, actor)).first()


def list_cases(session: Session, actor: Principal, *, stage: Stage | None = None, state_code: str | None = None,
               open_only: bool = False, page: int = 1, size: int = 25) -> Page:
    """One page of the cases `actor` may see, newest first, filtered by stage and state."""
    stmt = scoped(select(Case).options(selectinload(Case.owner)), Case, actor)
    if stage is not None:
        stmt = stmt.where(Case.stage == stage)
    if state_code:
        stmt = stmt.where(Case.state_code == state_code)
    if open_only:
        stmt = stmt.where(Case.status == CaseStatus.OPEN)
    return paginate(session, stmt.order_by(Case.created_at.desc(), Case.id), page, size)


def cases_of_subject(session: Session, actor: Principal, subject_type: CaseSubject,
                     subject_id: uuid.UUID) -> list[Case]:
    """The cases `actor` may see that were opened for one household, person or community, newest first."""
    column = {CaseSubject.HOUSEHOLD: Case.household_id, CaseSubject.INDIVIDUAL: Case.person_id,
              CaseSubject.COMMUNITY: Case.community_id}[subject_type]
    stmt = scoped(select(Case).where(column == subject_id), Case, actor)
    return list(session.scalars(stmt.order_by(Case.created_at.desc())))


@dataclass
class CaseRow:
    """One case in a list: whose it is, where, and how long it has been in its stage."""

    case: Case
    subject: str
    place: str
    days_in_stage: int
    overdue_referrals: int = 0
    #: Types of the case's active flags (lists show them; their reasons stay on the case page).
    flags: list[FlagType] = field(default_factory=list)


# --- lists -------------------------------------------------------------------------------------------

def case_rows(session: Session, actor: Principal, cases: list[Case], today: date | None = None) -> list[CaseRow]:
    """The cases with their subject's name, place and days in stage; audits one list view of the names."""
    today = today or local_today()
    rows = []
    shown: set[str] = set()
    subjects = load_subjects(session, cases)  # noqa: F841 - held: the identity map keeps objects only weakly
    active = flags.active_flags(session, [c.id for c in cases])
    for case in cases:
        subject, fields = subject_summary(session, case)
        shown.update(fields)
        overdue = sum(1 for r in case.referrals if is_overdue(r, today))
        rows.append(CaseRow(case, subject, subject_place(session, case), days_in_stage(case, today), overdue,
                            [f.flag_type for f in active.get(case.id, [])]))
    if cases:
        audit.record_view(session, actor, "case", None, fields=sorted(shown), ids=[c.id for c in cases])
    return rows


@dataclass
class CaseFilters:
    """What a case list is filtered and ordered by (ids and codes only: nothing personal)."""

    stage: Stage | None = None
    state_code: str | None = None
    owner_id: int | None = None
    overdue_only: bool = False
    open_only: bool = False
    #: A flag type's value, or flags.ANY_FLAG: only cases with such an active flag.
    flag: str | None = None
    sort: str = "recientes"


def _stage_since_column() -> Any:
    return (select(func.max(StageTransition.occurred_at))
            .where(StageTransition.case_id == Case.id, StageTransition.to_stage == Case.stage)
            .correlate(Case).scalar_subquery())


def overdue_clause(today: date) -> Any:
    """Cases with a referral past its due date and still waiting on the institution."""
    return Case.id.in_(select(Referral.case_id).where(Referral.status.in_(OPEN_REFERRAL_STATUSES),
                                                      Referral.due_on < today))


def find_cases(session: Session, actor: Principal, filters: CaseFilters, page: int | After, size: int,
               today: date | None = None) -> Page:
    """One page of the cases `actor` may see, filtered and ordered as asked."""
    stmt = scoped(select(Case).options(selectinload(Case.owner), selectinload(Case.transitions),
                                       selectinload(Case.referrals)), Case, actor)
    if filters.stage is not None:
        stmt = stmt.where(Case.stage == filters.stage)
    if filters.state_code:
        stmt = stmt.where(Case.state_code == filters.state_code)
    if filters.owner_id:
        stmt = stmt.where(Case.owner_id == filters.owner_id)
    if filters.open_only:
        stmt = stmt.where(Case.status == CaseStatus.OPEN)
    if filters.overdue_only:
        stmt = stmt.where(overdue_clause(today or local_today()))
    if filters.flag:
        stmt = stmt.where(flags.flag_clause(filters.flag))
    return paginate_ordered(session, stmt, case_order(filters.sort), page, size)


def case_order(sort: str) -> tuple[SortKey, ...]:
    """The case list's order for `sort`, made total by the id (folios are unique, the id costs nothing)."""
    if sort == "dias":
        # Every case enters its stage with a transition; the opening time stands in should one lack it.
        return (SortKey(func.coalesce(_stage_since_column(), Case.created_at)), SortKey(Case.id))
    if sort == "folio":
        return (SortKey(Case.folio), SortKey(Case.id))
    return (SortKey(Case.created_at, descending=True), SortKey(Case.id))


def owners_in_territory(session: Session, actor: Principal) -> list[User]:
    """Active accounts that can hold cases and share a state with `actor` (the case list's owner filter)."""
    users = session.scalars(select(User).where(User.active.is_(True), User.role.in_(roles_with(Permission.VIEW_CASES)))
                            .order_by(User.full_name))
    states = set(actor.states)
    return [u for u in users if actor.is_national or u.is_national or states & set(u.states)]


def open_cases_of_households(session: Session, actor: Principal,
                             household_ids: list[uuid.UUID]) -> dict[uuid.UUID, Case]:
    """The open case of each listed household that `actor` may see (the household list's case column)."""
    if not household_ids:
        return {}
    stmt = scoped(select(Case).where(Case.household_id.in_(household_ids), Case.status == CaseStatus.OPEN),
                  Case, actor).options(selectinload(Case.transitions))
    return {case.household_id: case for case in session.scalars(stmt) if case.household_id is not None}


def household_open_case(session: Session, actor: Principal, household_id: uuid.UUID | None) -> Case | None:
    """The open case of a household, if the actor may see it (a person's page shows their household's case)."""
    if household_id is None:
        return None
    stmt = scoped(select(Case).where(Case.household_id == household_id, Case.status == CaseStatus.OPEN), Case, actor)
    return session.scalars(stmt.order_by(Case.created_at.desc())).first()
# --- worklist ----------------------------------------------------------------------------------

@dataclass
class Worklist:
    """What needs the user's action, for "Mis casos"."""

    cases: list[Case] = field(default_factory=list)
    #: My requests still waiting for a supervisor.
    awaiting_approval: list[Case] = field(default_factory=list)
    #: My cases whose latest request came back rejected.
    returned: list[tuple[Case, ApprovalRequest]] = field(default_factory=list)
    #: Requests and recognitions this supervisor may decide.
    to_decide: list[Case] = field(default_factory=list)
    overdue_referrals: list[tuple[Case, Referral]] = field(default_factory=list)
    #: Open cases with no activity for `idle_days` days (CASE_IDLE_DAYS).
    stale: list[Case] = field(default_factory=list)


def worklist(session: Session, user: Principal, today: date | None = None,
             idle_days: int = STALE_AFTER_DAYS) -> Worklist:
    """The user's open cases (owned or assigned) and what needs action on them."""
    result = Worklist()
    mine = _my_cases_clause(user)
    result.cases = list(session.scalars(scoped(select(Case).options(*_WORKLIST_LOADS), Case, user)
                                        .where(mine, Case.status == CaseStatus.OPEN)
                                        .order_by(Case.created_at.desc())))
    for case in result.cases:
        pending = case.pending_approval
        latest = case.approvals[-1] if case.approvals else None
        if pending is not None and pending.requested_by_id == user.id:
            result.awaiting_approval.append(case)
        elif latest is not None and latest.status == ApprovalStatus.REJECTED:
            result.returned.append((case, latest))
    today = today or local_today()
    result.overdue_referrals = [(case, r) for case in result.cases for r in case.referrals if is_overdue(r, today)]
    last = last_activity(session, [c.id for c in result.cases])
    limit = utcnow() - timedelta(days=idle_days)
    result.stale = [c for c in result.cases if last.get(c.id, c.created_at) < limit]
    if has_permission(user, Permission.APPROVE_STAGE_CHANGE):
        result.to_decide = _decisions_waiting(session, user)
    return result


#: What the worklist reads of each case, loaded up front (templates never query).
_WORKLIST_LOADS = (selectinload(Case.owner), selectinload(Case.approvals), selectinload(Case.referrals),
                   selectinload(Case.transitions))


def _my_cases_clause(user: Principal) -> Any:
    """Cases the user owns or is assigned to, as one set of ids.

    Not `owner_id = me OR id IN (assigned)`: PostgreSQL cannot plan that OR from an index, and read
    every open case of the state to test it (16 ms at 1,000,000 persons, on Mis casos and the home page);
    the union is two index lookups, then the cases by primary key.
    """
    owned = aliased(Case)
    return Case.id.in_(union(select(owned.id).where(owned.owner_id == user.id),
                             select(CaseAssignee.case_id).where(CaseAssignee.user_id == user.id)))


def _decisions_waiting(session: Session, user: Principal) -> list[Case]:
    """Cases of the supervisor's territory with a request or a recognition they may decide."""
    recognition = aliased(Case)  # a union of ids, not an OR: see _my_cases_clause
    waiting = scoped(select(Case), Case, user).where(Case.status == CaseStatus.OPEN).where(Case.id.in_(union(
        select(ApprovalRequest.case_id).where(ApprovalRequest.status == ApprovalStatus.PENDING),
        select(recognition.id).where(recognition.recognition_status.in_(RECOGNITION_WAITING)))))
    cases = session.scalars(waiting.options(*_WORKLIST_LOADS, selectinload(Case.recognition))
                            .order_by(Case.updated_at)).all()
    return [c for c in cases if any(a.name.startswith("decide_") for a in workflow.next_actions(c, user))]
