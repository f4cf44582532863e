"""The case page's read of flags, reopening and transfers (the rules live in flags, reopening, transfers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from dfi_casos.cases import community, flags, plans, reopening, transfers
from dfi_casos.cases.community_models import CollectiveMeasure, CommunityRepresentative
from dfi_casos.cases.flags import FlagLine
from dfi_casos.cases.life_models import CaseTransfer
from dfi_casos.cases.models import ApprovalRequest, Case
from dfi_casos.cases.plan_models import CasePlan
from dfi_casos.cases.transfers import TransferLine
from dfi_casos.institutions.models import Institution
from dfi_casos.labels import place
from dfi_casos.security.access import Principal


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


@dataclass(frozen=True)
class LifeEvent:
    """One line of the case history, in the order of the timeline's entries: when, kind, title, who, text."""

    at: datetime
    kind: str
    title: str
    actor: str | None
    text: str | None


@dataclass(frozen=True)
class MeasureLine:
    """A collective measure with its notes decrypted and its institution named."""

    measure: CollectiveMeasure
    notes: str
    institution: str | None


@dataclass
class LifeRecord:
    """Flags, transfers and reopening as the case page shows them, reasons decrypted here."""

    #: Active flags first, then the lowered ones (history).
    flag_lines: list[FlagLine] = field(default_factory=list)
    transfers: list[TransferLine] = field(default_factory=list)
    pending: ApprovalRequest | None = None
    #: Why this closed case can never be reopened (None when it can, or when it is open).
    never_reopens: str | None = None
    may_lower_flags: bool = False
    #: The plan in force, and the revision being drafted or decided (plans.py).
    plan: CasePlan | None = None
    plan_draft: CasePlan | None = None
    #: Community cases: collective measures and the community's representatives (roles only here).
    measures: list[MeasureLine] = field(default_factory=list)
    representatives: list[CommunityRepresentative] = field(default_factory=list)

    @property
    def active_flags(self) -> list[FlagLine]:
        return [line for line in self.flag_lines if line.flag.is_active]

    @property
    def pending_transfer(self) -> CaseTransfer | None:
        return next((t.transfer for t in self.transfers if t.transfer.is_pending), None)

    @property
    def pending_is_reopening(self) -> bool:
        return reopening.is_reopening(self.pending)

    @property
    def fields(self) -> list[str]:
        """The encrypted fields this read decrypted, for the page's "view" audit entry."""
        plan = ["case_plan.summary", "plan_goal.description", "plan_action.description"] if self.plan else []
        return [*(f for line in self.flag_lines for f in line.fields),
                *(f for line in self.transfers for f in line.fields), *plan,
                *(["collective_measure.notes"] if any(m.notes for m in self.measures) else [])]

    @property
    def overdue_plan_actions(self) -> int:
        if self.plan is None:
            return 0
        return sum(1 for goal in self.plan.goals for action in goal.actions if plans.is_overdue(action))

    @property
    def events(self) -> list[LifeEvent]:
        """The history's lines for flags raised and lowered and transfers asked and answered."""
        found = []
        for line in self.flag_lines:
            f = line.flag
            found.append(LifeEvent(_aware(f.raised_at), "flag", f"Alerta levantada: {f.flag_type.label}",
                                   f.raised_by.full_name, line.reason))
            if f.lowered_at is not None:
                found.append(LifeEvent(_aware(f.lowered_at), "flag", f"Alerta bajada: {f.flag_type.label}",
                                       f.lowered_by.full_name if f.lowered_by else None, line.lowered_reason))
        for t in self.transfers:
            tr = t.transfer
            found.append(LifeEvent(_aware(tr.requested_at), "transfer",
                                   f"Traslado solicitado: {place(tr.from_state_code)} → {place(tr.to_state_code)}",
                                   tr.requested_by.full_name, t.reason))
            if tr.decided_at is not None:
                found.append(LifeEvent(_aware(tr.decided_at), "transfer", f"Traslado {tr.status.label.lower()}",
                                       tr.decided_by.full_name if tr.decided_by else None, t.comment or None))
        return found


def life_record(session: Session, actor: Principal, case: Case) -> LifeRecord:
    """What the case page shows of flags, transfers and reopening; the caller audits `fields`."""
    lines = flags.flag_lines(session, case)
    revisions = plans.revisions(session, case)
    measures, representatives = [], []
    if case.community_id is not None:
        measures = [MeasureLine(m, m.notes or "", _institution_name(session, m.institution_id))
                    for m in community.measures_of(session, case)]
        representatives = community.representatives(session, case.community_id)
    return LifeRecord(
        measures=measures, representatives=representatives,
        plan=plans.in_force(revisions), plan_draft=plans.in_progress(revisions),
        flag_lines=sorted(lines, key=lambda line: not line.flag.is_active),
        transfers=[transfers.line(session, t) for t in transfers.transfers_of(session, case)],
        pending=case.pending_approval, never_reopens=reopening.never_reopens(case),
        may_lower_flags=flags.can_lower(actor, case))


def _institution_name(session: Session, institution_id: int | None) -> str | None:
    institution = session.get(Institution, institution_id) if institution_id is not None else None
    return institution.name if institution else None
