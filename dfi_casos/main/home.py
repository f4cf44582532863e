"""Home pages, read only: what each role does next (the caseworker's is "Mis casos", in cases/views.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.auth.models import User
from dfi_casos.cases import lists, pages
from dfi_casos.cases.models import ApprovalRequest, ApprovalStatus, Case, CaseStatus
from dfi_casos.database import local_today, utcnow
from dfi_casos.registry.models import Household
from dfi_casos.scope import audit_scope, can_manage_account, scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Principal
from dfi_casos.security.audit import Action, AuditEvent
from dfi_casos.solutions.models import DurableSolutionAssessment

#: Lists on a home page stop here; the full lists are one link away.
HOME_LIMIT = 10
#: An account nobody has used for this many days deserves a look (default of ACCOUNT_DORMANT_DAYS).
DORMANT_AFTER_DAYS = 90


@dataclass
class Decision:
    """A request waiting for this supervisor, with what was asked and why (decrypted here, audited)."""

    row: lists.CaseRow
    request: ApprovalRequest
    justification: str
    requested_by: str


@dataclass
class SupervisorHome:
    decisions: list[Decision] = field(default_factory=list)
    #: Recognitions and appeals to decide: each needs a written reason, on its own page.
    recognitions: list[lists.CaseRow] = field(default_factory=list)
    to_sign: list[DurableSolutionAssessment] = field(default_factory=list)
    overdue: list[lists.CaseRow] = field(default_factory=list)
    idle: list[lists.CaseRow] = field(default_factory=list)


def supervisor_home(session: Session, user: Principal, *, idle_days: int, today: date | None = None) -> SupervisorHome:
    """Decisions, signatures, overdue referrals and idle cases of the supervisor's territory."""
    today = today or local_today()
    waiting = lists.worklist(session, user, today, idle_days=idle_days).to_decide
    open_cases = scoped(select(Case), Case, user).where(Case.status == CaseStatus.OPEN).options(
        selectinload(Case.owner), selectinload(Case.transitions), selectinload(Case.referrals))
    overdue = list(session.scalars(open_cases.where(lists.overdue_clause(today)).order_by(Case.folio)
                                   .limit(HOME_LIMIT)))
    idle = _idle_cases(session, user, idle_days, today)
    listed = list({c.id: c for c in [*waiting, *overdue, *idle]}.values())
    rows = {row.case.id: row for row in lists.case_rows(session, user, listed, today)}
    home = SupervisorHome(overdue=[rows[c.id] for c in overdue], idle=[rows[c.id] for c in idle],
                          to_sign=_assessments_to_sign(session, user))
    justified = []
    for case in waiting:
        pending = case.pending_approval
        if pending is not None and pending.status == ApprovalStatus.PENDING and pending.requested_by_id != user.id:
            home.decisions.append(Decision(rows[case.id], pending, pending.justification or "",
                                           pending.requested_by.full_name))
            justified.append(case.id)
        else:
            home.recognitions.append(rows[case.id])
    if justified:
        audit.record_view(session, user, "case", None, fields=["approval_request.justification"], ids=justified)
    return home


#: The open cases least recently updated that the idle list looks at (their last activity is read in SQL).
IDLE_CANDIDATES = 200


def _idle_cases(session: Session, user: Principal, idle_days: int, today: date) -> list[Case]:
    # One statement picks the idle ids: the 200 candidates stay in SQL (a CTE read by the activity
    # aggregate, no bound parameter per id) and only the few idle ones come back; those shown are
    # then loaded whole, with what their rows read (owner, transitions, referrals).
    candidates = (scoped(select(Case.id, Case.updated_at), Case, user).where(Case.status == CaseStatus.OPEN)
                  .order_by(Case.updated_at, Case.id).limit(IDLE_CANDIDATES).cte("idle_candidates"))
    last = pages.last_activity_statement(candidates).subquery()
    idle = list(session.scalars(
        select(candidates.c.id).join(last, last.c.case_id == candidates.c.id)
        .where(last.c.at < utcnow() - timedelta(days=idle_days))
        .order_by(candidates.c.updated_at, candidates.c.id).limit(HOME_LIMIT)))
    if not idle:
        return []
    loaded = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(idle)).options(
        selectinload(Case.owner), selectinload(Case.transitions), selectinload(Case.referrals)))}
    return [loaded[case_id] for case_id in idle]


def _assessments_to_sign(session: Session, user: Principal) -> list[DurableSolutionAssessment]:
    """Unsigned assessments of the territory that this supervisor did not record (signing is four-eyes)."""
    A = DurableSolutionAssessment  # noqa: N806 - the table, as in solutions.dashboard
    households = scoped(select(Household.id), Household, user)
    stmt = (select(A).where(A.signed_at.is_(None), A.assessor_id != user.id, A.household_id.in_(households))
            .order_by(A.assessed_on).limit(HOME_LIMIT))
    return list(session.scalars(stmt))


# --- auditor -------------------------------------------------------------------------------------------

@dataclass
class AuditorHome:
    denials: list[AuditEvent]
    exports: list[AuditEvent]
    head_seq: int
    last_check: AuditEvent | None


def auditor_home(session: Session, user: Principal) -> AuditorHome:
    """Recent refusals and exports the auditor may see, and how the chain stands."""
    def recent(*actions: str) -> list[AuditEvent]:
        stmt = audit_scope(select(AuditEvent).where(AuditEvent.action.in_(actions)), user)
        return list(session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(HOME_LIMIT)))

    checks = recent(Action.AUDIT_VERIFY)
    return AuditorHome(denials=recent(Action.ACCESS_DENIED), exports=recent(Action.EXPORT, Action.AUDIT_EXPORT),
                       head_seq=audit.chain_head(session).seq, last_check=checks[0] if checks else None)


# --- administrator -------------------------------------------------------------------------------------

@dataclass
class AccountToReview:
    account: User
    reasons: list[str]


def accounts_to_review(session: Session, user: Principal,
                       dormant_days: int = DORMANT_AFTER_DAYS) -> list[AccountToReview]:
    """Accounts of the administrator's territory that are locked, never used, or dormant `dormant_days` days."""
    now = utcnow()
    dormant = now - timedelta(days=dormant_days)
    found = []
    for account in session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)):
        if not can_manage_account(user, account):
            continue
        reasons = []
        if account.locked_until is not None and account.locked_until > now:
            reasons.append(_("bloqueada por intentos fallidos"))
        if account.last_login_at is None:
            reasons.append(_("nunca ha iniciado sesión"))
        elif account.last_login_at < dormant:
            reasons.append(_("sin iniciar sesión en más de %(n)s días", n=dormant_days))
        if reasons:
            found.append(AccountToReview(account, reasons))
    return found

