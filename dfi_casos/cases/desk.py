"""The caseworker's desk, read only: the case page as a record, and case lists that say who, where and for how long.

Names are decrypted for the page being shown (a page of 25 costs microseconds) and every page that
shows them writes one "view" audit entry naming the fields and the cases, like any list view.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.auth.models import User
from dfi_casos.cases import services
from dfi_casos.cases.models import ApprovalRequest, ApprovalStatus, Case, CaseStatus, Referral, StageTransition
from dfi_casos.cases.services import OPEN_REFERRAL_STATUSES, TimelineEntry
from dfi_casos.catalogs.enums import CaseSubject, Stage
from dfi_casos.database import local_date, local_today
from dfi_casos.labels import place
from dfi_casos.pagination import Page, paginate
from dfi_casos.registry.models import Community, Household, Person
from dfi_casos.scope import scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, roles_with

#: The fields a subject's name decrypts (the head of household's, or the person's).
NAME_FIELDS = ["person.given_names", "person.first_surname", "person.second_surname"]


@dataclass
class Flag:
    """Something on the case that asks for attention, in words; `level` is "warn" or "info"."""

    label: str
    level: str = "warn"


@dataclass
class CaseRow:
    """One case in a list: whose it is, where, and how long it has been in its stage."""

    case: Case
    subject: str
    place: str
    days_in_stage: int
    overdue_referrals: int = 0


@dataclass
class CaseRecord:
    """What the case page shows: the header, its sections and the history (newest first)."""

    case: Case
    subject: str
    place: str
    days_in_stage: int
    pending: ApprovalRequest | None
    flags: list[Flag]
    entries: list[TimelineEntry]
    owner: str = ""
    assignees: list[str] = field(default_factory=list)
    #: The pending request's author and justification (decrypted here, never by the template).
    pending_by: str = ""
    pending_justification: str = ""
    blockers: list[str] | None = None

    @property
    def services(self) -> list[TimelineEntry]:
        return [e for e in self.entries if e.service is not None]

    @property
    def referrals(self) -> list[TimelineEntry]:
        return [e for e in self.entries if e.referral is not None]

    @property
    def notes(self) -> list[TimelineEntry]:
        return [e for e in self.entries if e.kind == "note"]


def stage_since(case: Case) -> datetime:
    """When the case entered its current stage (its latest transition into it)."""
    moments = [t.occurred_at for t in case.transitions if t.to_stage == case.stage]
    moment = max(moments) if moments else case.created_at
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def days_in_stage(case: Case, today: date | None = None) -> int:
    return max(0, ((today or local_today()) - local_date(stage_since(case))).days)


def subject_place(session: Session, case: Case) -> str:
    """Municipality and state of the subject, by name ("Chilpancingo de los Bravo, Guerrero")."""
    subject: Any = None
    if case.subject_type == CaseSubject.HOUSEHOLD and case.household_id:
        subject = session.get(Household, case.household_id)
    elif case.subject_type == CaseSubject.INDIVIDUAL and case.person_id:
        subject = session.get(Person, case.person_id)
    elif case.community_id:
        subject = session.get(Community, case.community_id)
    return place(case.state_code, getattr(subject, "municipality_code", None))


# --- the case page -----------------------------------------------------------------------------------

def case_record(session: Session, actor: Principal, case: Case, *, idle_days: int,
                today: date | None = None) -> CaseRecord:
    """Everything the case page shows, with one "view" audit entry naming each field it decrypted."""
    today = today or local_today()
    subject, fields = services.subject_summary(session, case)
    pending = case.pending_approval
    entries = services.timeline(session, actor, case, also_shown=fields)
    record = CaseRecord(case=case, subject=subject, place=subject_place(session, case),
                        days_in_stage=days_in_stage(case, today), pending=pending,
                        flags=_flags(session, case, entries, idle_days, today), entries=entries,
                        owner=case.owner.full_name, assignees=[a.user.full_name for a in case.assignees])
    if pending is not None:
        record.pending_by = pending.requested_by.full_name
        record.pending_justification = pending.justification or ""
    if case.household_id is not None:
        record.blockers = services.durable_solution_blockers(session, case)
    return record


def _flags(session: Session, case: Case, entries: list[TimelineEntry], idle_days: int, today: date) -> list[Flag]:
    flags = []
    overdue = sum(1 for e in entries if e.overdue)
    if overdue:
        flags.append(Flag(f"{overdue} canalización vencida" if overdue == 1 else f"{overdue} canalizaciones vencidas"))
    latest = case.approvals[-1] if case.approvals else None
    if latest is not None and latest.status == ApprovalStatus.REJECTED and case.is_open:
        flags.append(Flag(f"Solicitud rechazada: pasar a «{latest.to_stage.label}»"))
    last = services.last_activity(session, [case.id]).get(case.id)
    if case.is_open and last is not None and (today - local_date(last)).days > idle_days:
        flags.append(Flag(f"Sin actividad en más de {idle_days} días"))
    return flags


# --- lists -------------------------------------------------------------------------------------------

def case_rows(session: Session, actor: Principal, cases: list[Case], today: date | None = None) -> list[CaseRow]:
    """The cases with their subject's name, place and days in stage; audits one list view of the names."""
    today = today or local_today()
    rows = []
    shown: set[str] = set()
    for case in cases:
        subject, fields = services.subject_summary(session, case)
        shown.update(fields)
        overdue = sum(1 for r in case.referrals if services.is_overdue(r, today))
        rows.append(CaseRow(case, subject, subject_place(session, case), days_in_stage(case, today), overdue))
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
    sort: str = "recientes"


def _stage_since_column() -> Any:
    return (select(func.max(StageTransition.occurred_at))
            .where(StageTransition.case_id == Case.id, StageTransition.to_stage == Case.stage)
            .correlate(Case).scalar_subquery())


def overdue_clause(today: date) -> Any:
    """Cases with a referral past its due date and still waiting on the institution."""
    return Case.id.in_(select(Referral.case_id).where(Referral.status.in_(OPEN_REFERRAL_STATUSES),
                                                      Referral.due_on < today))


def find_cases(session: Session, actor: Principal, filters: CaseFilters, page: int, size: int,
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
    order: tuple[Any, ...] = (Case.created_at.desc(), Case.id)
    if filters.sort == "dias":
        order = (_stage_since_column().asc(), Case.id)
    elif filters.sort == "folio":
        order = (Case.folio,)
    return paginate(session, stmt.order_by(*order), page, size)


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
