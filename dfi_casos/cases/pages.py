"""The case page, read only: the record (header, flags, sections) and its history, newest first.

What it decrypts it names in one "view" audit entry. Services change a case; pages read one;
`cases.lists` reads many."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import CTE, Select, func, select, union_all
from sqlalchemy.orm import Session, selectinload

from dfi_casos.auth.models import User
from dfi_casos.cases import life_pages
from dfi_casos.cases.models import ApprovalRequest, ApprovalStatus, Case, CaseNote, Referral, Service
from dfi_casos.cases.rules import durable_solution_blockers, is_overdue, referred_person
from dfi_casos.catalogs.enums import CaseSubject, Stage
from dfi_casos.database import local_date, local_today
from dfi_casos.i18n import day
from dfi_casos.institutions.services import institution_names
from dfi_casos.labels import place
from dfi_casos.registry.models import Community, Household, HouseholdMembership, Person
from dfi_casos.security import audit
from dfi_casos.security.access import Principal
from dfi_casos.solutions import services as solutions

#: The fields a subject's name decrypts (the head of household's, or the person's).
NAME_FIELDS = ("person.given_names", "person.first_surname", "person.second_surname")


@dataclass
class TimelineEntry:
    #: When it was recorded (aware UTC); for a date-only entry, only the tie-break within its day.
    at: datetime
    kind: str
    title: str
    actor: str | None = None
    #: Decrypted text shown on the page (notes, reasons); named in the "view" audit entry.
    text: str | None = None
    detail: str | None = None
    overdue: bool = False
    referral: Referral | None = None
    service: Service | None = None
    #: The day as the user typed it, for entries that have a date and no time (an assistance given on
    #: 27/11): shown as typed, never through a timezone conversion.
    day: date | None = None

    @property
    def sort_key(self) -> tuple[date, datetime]:
        """Newest first by the day the user reads, then by when it was recorded."""
        return (self.day or local_date(self.at), self.at)


def timeline(session: Session, actor: Principal, case: Case,
             also_shown: list[str] | None = None) -> list[TimelineEntry]:
    """Everything that happened on the case, newest first; decrypts what it shows and audits a view.

    `also_shown` names other encrypted fields the caller shows on the same page (for the audit entry).
    """
    users = _user_names(session, case)
    entries: list[TimelineEntry] = []
    shown: set[str] = set(also_shown or [])

    def add(at: datetime, kind: str, title: str, actor_id: int | None, text: str | None = None,
            field_name: str | None = None, **extra: Any) -> None:
        if text and field_name:
            shown.add(field_name)
        entries.append(TimelineEntry(at, kind, title, users.get(actor_id or 0), text, **extra))

    for t in case.transitions:
        title = (_("Caso abierto en «%(stage)s»", stage=t.to_stage.label) if t.from_stage is None
                 else _("Caso reabierto en «%(stage)s»", stage=t.to_stage.label) if t.from_stage == Stage.CLOSED
                 else _("Etapa: «%(old)s» → «%(new)s»", old=t.from_stage.label, new=t.to_stage.label))
        add(t.occurred_at, "stage", title, t.actor_id, t.reason, "stage_transition.reason")
    for a in case.approvals:
        target = a.to_stage.label + (f" ({a.closure_reason.label})" if a.closure_reason else "")
        asked = (_("Solicitud de reapertura: reabrir en «%(target)s»", target=target) if a.from_stage == Stage.CLOSED
                 else _("Solicitud de aprobación: pasar a «%(target)s»", target=target))
        add(a.requested_at, "approval", asked, a.requested_by_id, a.justification, "approval_request.justification")
        if a.decided_at is not None:
            decided = _("Solicitud %(status)s: «%(target)s»", status=a.status.label.lower(), target=target)
            add(a.decided_at, "approval", decided, a.decided_by_id,
                a.comment, "approval_request.comment")
    _recognition_entries(case, add)
    for s in case.services:
        add(s.created_at, "service", f"{s.assistance_type.label} ({s.status.label.lower()})", s.recorded_by_id,
            s.notes, "case_service.notes", detail=_institution_name(session, s.institution_id), service=s,
            day=s.provided_on)
    today = local_today()
    for r in case.referrals:
        title = _("Canalización: %(need)s — %(status)s", need=r.need.label, status=r.status.label.lower())
        add(r.created_at, "referral", title, r.created_by_id,
            r.response or r.notes, "referral.response" if r.response else "referral.notes",
            detail=_("%(institution)s · fecha límite %(due)s", institution=_institution_name(session, r.institution_id),
                     due=day(r.due_on)),
            overdue=is_overdue(r, today), referral=r)
    for n in case.notes:
        add(n.created_at, "note", _("Nota de seguimiento"), n.author_id, n.body, "case_note.body")
    entries.extend(_assessment_entries(session, case))
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    audit.record_view(session, actor, "case", case.id, fields=shown, state_code=case.state_code, folio=case.folio)
    return entries


def _recognition_entries(case: Case, add: Any) -> None:
    r = case.recognition
    if r is not None:
        add(r.submitted_at, "recognition", _("Entrevista inicial enviada a valoración"), r.submitted_by_id,
            r.summary, "recognition.summary")
        if r.decision is not None and r.decided_at is not None:
            decided = _("Valoración: %(decision)s", decision=r.decision.label.lower())
            add(r.decided_at, "recognition", decided, r.decided_by_id, r.reason,
                "recognition.reason")
    a = case.appeal
    if a is not None:
        add(a.filed_at, "recognition", _("Recurso de revisión presentado"), a.filed_by_id, a.grounds, "appeal.grounds")
        if a.decision is not None and a.decided_at is not None:
            decided = _("Recurso de revisión: %(decision)s", decision=a.decision.label.lower())
            add(a.decided_at, "recognition", decided, a.decided_by_id,
                a.reason, "appeal.reason")


def _assessment_entries(session: Session, case: Case) -> list[TimelineEntry]:
    """The signed durable-solution assessments of the case's household."""
    if case.household_id is None:
        return []
    return [TimelineEntry(at, "assessment", title)
            for at, title in solutions.timeline_entries(session, case.household_id)]


def _institution_name(session: Session, institution_id: int | None) -> str | None:
    if institution_id is None:
        return None
    return institution_names(session, [institution_id]).get(institution_id)


def _user_names(session: Session, case: Case) -> dict[int, str]:
    ids: set[int] = {case.owner_id, *case.assignee_ids}
    ids.update(t.actor_id for t in case.transitions)
    for a in case.approvals:
        ids.update({a.requested_by_id, a.decided_by_id or 0})
    for item in (case.recognition, case.appeal):
        if item is not None:
            ids.update({getattr(item, "submitted_by_id", 0) or getattr(item, "filed_by_id", 0),
                        item.decided_by_id or 0})
    ids.update(s.recorded_by_id for s in case.services)
    ids.update(r.created_by_id for r in case.referrals)
    ids.update(n.author_id for n in case.notes)
    ids.discard(0)
    rows = session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
    return {row.id: row.full_name for row in rows}


def subject_summary(session: Session, case: Case) -> tuple[str, list[str]]:
    """A short label for the subject, and the encrypted fields it decrypted (for the caller's audit entry)."""
    if case.subject_type == CaseSubject.COMMUNITY and case.community_id is not None:
        community = session.get(Community, case.community_id)
        return (_("Comunidad %(name)s", name=community.name) if community else _("Comunidad")), []
    person = referred_person(session, case)
    name = person.full_name() if person is not None else _("sin persona registrada")
    fields = list(NAME_FIELDS) if person is not None else []
    if case.subject_type == CaseSubject.HOUSEHOLD:
        household = session.get(Household, case.household_id)
        size = household.size if household else 0
        return _("Hogar de %(name)s (%(size)s integrantes)", name=name, size=size), fields
    return name, fields


@dataclass
class Flag:
    """Something on the case that asks for attention, in words; `level` is "warn" or "info"."""

    label: str
    level: str = "warn"


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
    #: Flags, transfers and reopening (life_pages.py).
    life: life_pages.LifeRecord = field(default_factory=life_pages.LifeRecord)

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
    return moment


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
    municipality = getattr(subject, "municipality_code", None)
    # A household transferred from another state keeps the municipality it was recorded in: name its state.
    return place(municipality[:2] if municipality else case.state_code, municipality)


def load_subjects(session: Session, cases: list[Case]) -> list[Any]:
    """The subjects of `cases` with what their labels read (members and their persons), in at most 4 queries.

    Later `session.get` calls find them in the identity map, but only while someone holds them:
    SQLAlchemy keeps loaded objects weakly, so the caller keeps the returned list until it is done.
    """
    household_ids = {c.household_id for c in cases if c.household_id is not None}
    person_ids = {c.person_id for c in cases if c.person_id is not None}
    community_ids = {c.community_id for c in cases if c.community_id is not None}
    loaded: list[Any] = []
    if household_ids:
        loaded += session.scalars(select(Household).where(Household.id.in_(household_ids)).options(
            selectinload(Household.memberships).selectinload(HouseholdMembership.person))).all()
    if person_ids:
        loaded += session.scalars(select(Person).where(Person.id.in_(person_ids))).all()
    if community_ids:
        loaded += session.scalars(select(Community).where(Community.id.in_(community_ids))).all()
    return loaded


def case_record(session: Session, actor: Principal, case: Case, *, idle_days: int,
                today: date | None = None) -> CaseRecord:
    """Everything the case page shows, with one "view" audit entry naming each field it decrypted."""
    today = today or local_today()
    subjects = load_subjects(session, [case])  # noqa: F841 - held: the identity map keeps objects only weakly
    subject, fields = subject_summary(session, case)
    pending = case.pending_approval
    life = life_pages.life_record(session, actor, case)
    entries = timeline(session, actor, case, also_shown=fields + life.fields)
    entries = sorted([*entries, *(TimelineEntry(e.at, e.kind, e.title, e.actor, e.text) for e in life.events)],
                     key=lambda e: e.sort_key, reverse=True)
    record = CaseRecord(case=case, subject=subject, place=subject_place(session, case),
                        days_in_stage=days_in_stage(case, today), pending=pending,
                        flags=_flags(session, case, entries, idle_days, today), entries=entries,
                        owner=case.owner.full_name, assignees=[a.user.full_name for a in case.assignees],
                        life=life)
    if pending is not None:
        record.pending_by = pending.requested_by.full_name
        record.pending_justification = pending.justification or ""
    if case.household_id is not None or case.community_id is not None:
        record.blockers = durable_solution_blockers(session, case)
    return record


def _flags(session: Session, case: Case, entries: list[TimelineEntry], idle_days: int, today: date) -> list[Flag]:
    flags = []
    overdue = sum(1 for e in entries if e.overdue)
    if overdue:
        flags.append(Flag(ngettext("%(num)d canalización vencida", "%(num)d canalizaciones vencidas", overdue)))
    latest = case.approvals[-1] if case.approvals else None
    if latest is not None and latest.status == ApprovalStatus.REJECTED and case.is_open:
        flags.append(Flag(_("Solicitud rechazada: pasar a «%(stage)s»", stage=latest.to_stage.label)))
    last = last_activity(session, [case.id]).get(case.id)
    if case.is_open and last is not None and (today - local_date(last)).days > idle_days:
        flags.append(Flag(_("Sin actividad en más de %(n)s días", n=idle_days)))
    return flags


def last_activity(session: Session, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """The latest moment anything was recorded on each case."""
    if not case_ids:
        return {}
    cases = select(Case.id, Case.updated_at).where(Case.id.in_(case_ids)).cte("cases")
    return {row[0]: row[1] for row in session.execute(last_activity_statement(cases))}


def last_activity_statement(cases: CTE) -> Select[Any]:
    """SELECT case_id, at: the latest moment anything was recorded on each case of `cases`.

    `cases` is a CTE of the cases' `id` and `updated_at` (a list of ids, or the caller's own
    selection of candidates): the ids are sent, or selected, once and each source is joined to
    them, instead of one IN list per source with a bound parameter per id.
    """
    sources = union_all(
        select(cases.c.id.label("case_id"), cases.c.updated_at.label("at")),
        select(Service.case_id, Service.created_at).join(cases, Service.case_id == cases.c.id),
        select(Referral.case_id, Referral.updated_at).join(cases, Referral.case_id == cases.c.id),
        select(CaseNote.case_id, CaseNote.created_at).join(cases, CaseNote.case_id == cases.c.id),
    ).subquery()
    return select(sources.c.case_id, func.max(sources.c.at).label("at")).group_by(sources.c.case_id)
