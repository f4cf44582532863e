"""Durable-solution aggregates (the "Soluciones duraderas" dashboard and its export), limited to the user's territory.

Population: the territory's *active* households, those with no case yet or with an open case;
a household whose cases are all closed has left the caseload. A household's standing is its
latest signed assessment (services.latest_signed, here in SQL for all households at once).
"""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, not_, or_, select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.cases.models import ApprovalRequest, ApprovalStatus, Case, CaseStatus
from dfi_casos.catalogs.enums import ClosureReason, CriterionStatus, IascCriterion, SettlementOption, Stage
from dfi_casos.registry.models import Household, HouseholdMembership
from dfi_casos.reports.export import ExportTable, published_table
from dfi_casos.reports.suppression import legend, suppress_value
from dfi_casos.reports.tables import CountRow, CountTable, month_key, months_back
from dfi_casos.scope import scoped, territory_clause
from dfi_casos.security.access import Principal
from dfi_casos.solutions.models import AssessmentCriterion, DurableSolutionAssessment
from dfi_casos.solutions.services import RESOLVED

A = DurableSolutionAssessment
#: A household not assessed since this many months ago needs a visit (default of ASSESSMENT_RENEWAL_MONTHS).
STALE_AFTER_MONTHS = 6
#: Months shown in the monthly flows, the current one included.
MONTHS_SHOWN = 12
UNDEFINED = _l("Sin definir o sin evaluación firmada")
NO_OPEN_CASE = _l("Sin caso abierto")


@dataclass(frozen=True)
class HouseholdLine:
    """A household in an operational list: ids and dates only, no personal data."""

    household_id: uuid.UUID
    case_id: uuid.UUID | None
    folio: str | None
    last_assessed_on: date | None
    #: The case already awaits a supervisor's decision (a second request would be refused).
    request_pending: bool = False


# --- building blocks -------------------------------------------------------------------------------

def active_households(user: Principal) -> Any:
    """SELECT of the ids of the active households the user may see."""
    any_case = exists().where(Case.household_id == Household.id)
    open_case = exists().where(Case.household_id == Household.id, Case.status == CaseStatus.OPEN)
    stmt = select(Household.id).where(or_(not_(any_case), open_case))
    return scoped(stmt, Household, user)


def latest_signed_ids(user: Principal) -> Any:
    """Subquery (assessment id, household id, options) of each active household's latest signed assessment."""
    rank = func.row_number().over(
        partition_by=A.household_id, order_by=(A.assessed_on.desc(), A.created_at.desc(), A.id.desc()))
    ranked = (select(A.id.label("id"), A.household_id.label("household_id"),
                     A.preferred_option.label("preferred_option"),
                     A.option_in_progress.label("option_in_progress"), rank.label("rank"))
              .where(A.signed_at.is_not(None), A.household_id.in_(active_households(user)))
              .subquery())
    return select(ranked.c.id, ranked.c.household_id, ranked.c.preferred_option,
                  ranked.c.option_in_progress).where(ranked.c.rank == 1).subquery()


def count_active(session: Session, user: Principal) -> int:
    """How many active households the user's territory has."""
    return int(session.scalar(select(func.count()).select_from(active_households(user).subquery())) or 0)


def households_by_id(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Household]:
    """The listed households with their members loaded, to name each one (ids already scoped)."""
    stmt = (select(Household).where(Household.id.in_(ids))
            .options(selectinload(Household.memberships).selectinload(HouseholdMembership.person)))
    return {h.id: h for h in session.scalars(stmt)} if ids else {}


# --- the tables ------------------------------------------------------------------------------------

def households_by_option(session: Session, user: Principal) -> CountTable:
    """Active households by the option the household prefers and the one in progress."""
    latest = latest_signed_ids(user)
    preferred: dict[SettlementOption | None, int] = {
        option: n for option, n in session.execute(
            select(latest.c.preferred_option, func.count()).group_by(latest.c.preferred_option))}
    in_progress: dict[SettlementOption | None, int] = {
        option: n for option, n in session.execute(
            select(latest.c.option_in_progress, func.count()).group_by(latest.c.option_in_progress))}
    total = count_active(session, user)
    rows = [CountRow(o.value, o.label, [preferred.get(o, 0), in_progress.get(o, 0)]) for o in SettlementOption]
    defined = [sum(r.counts[0] for r in rows), sum(r.counts[1] for r in rows)]
    rows.append(CountRow("undefined", str(UNDEFINED), [total - defined[0], total - defined[1]]))
    return CountTable("por_opcion", _("Hogares por opción de asentamiento"), _("Opción"),
                      [_("Preferida por el hogar"), _("En curso")], rows)


def households_by_stage(session: Session, user: Principal) -> CountTable:
    """Active households by the stage of their open case (the most advanced one if several)."""
    stmt = (select(Case.household_id, Case.stage)
            .where(Case.status == CaseStatus.OPEN, Case.household_id.in_(active_households(user))))
    stage_of: dict[uuid.UUID, Stage] = {}
    for household_id, stage in session.execute(stmt):
        current = stage_of.get(household_id)
        if current is None or stage.position > current.position:
            stage_of[household_id] = stage
    counts = Counter(stage_of.values())
    total = count_active(session, user)
    rows = [CountRow(s.value, s.label, [counts.get(s, 0)]) for s in Stage if s is not Stage.CLOSED]
    rows.append(CountRow("no_open_case", str(NO_OPEN_CASE), [total - len(stage_of)]))
    return CountTable("por_etapa", _("Hogares por etapa del caso"), _("Etapa"), [_("Hogares")], rows)


def criteria_by_status(session: Session, user: Principal) -> CountTable:
    """For each IASC criterion, how many households (latest signed assessment) are at each status."""
    latest = latest_signed_ids(user)
    stmt = (select(AssessmentCriterion.criterion, AssessmentCriterion.status, func.count())
            .join(latest, latest.c.id == AssessmentCriterion.assessment_id)
            .group_by(AssessmentCriterion.criterion, AssessmentCriterion.status))
    counts = {(c, s): n for c, s, n in session.execute(stmt)}
    statuses = list(CriterionStatus)
    rows = [CountRow(c.value, c.label, [counts.get((c, s), 0) for s in statuses]) for c in IascCriterion]
    return CountTable("criterios", _("Hogares por criterio y estado (última evaluación firmada)"), _("Criterio"),
                      [s.label for s in statuses], rows, crossed=True)


def _open_cases_of(session: Session, household_ids: list[uuid.UUID]) -> dict[uuid.UUID, Case]:
    if not household_ids:
        return {}
    found: dict[uuid.UUID, Case] = {}
    stmt = (select(Case).where(Case.household_id.in_(household_ids), Case.status == CaseStatus.OPEN)
            .order_by(Case.opened_on))
    for case in session.scalars(stmt):
        assert case.household_id is not None  # noqa: S101 - filtered above
        found[case.household_id] = case  # the most recently opened wins
    return found


def renewal_months() -> int:
    """Months after which an assessment needs renewing (config ASSESSMENT_RENEWAL_MONTHS, DFI_ override)."""
    if not has_app_context():
        return STALE_AFTER_MONTHS
    return int(current_app.config.get("ASSESSMENT_RENEWAL_MONTHS", STALE_AFTER_MONTHS))


def without_recent_assessment(session: Session, user: Principal, today: date,
                              months: int | None = None) -> list[HouseholdLine]:
    """Active households with no assessment (signed or not) in the last `months` months, oldest first."""
    cutoff = months_back(today, months or renewal_months())
    last = func.max(A.assessed_on)
    stmt = (select(Household.id, last)
            .outerjoin(A, A.household_id == Household.id)
            .where(Household.id.in_(active_households(user)))
            .group_by(Household.id)
            .having(or_(last.is_(None), last < cutoff)))
    found = sorted(session.execute(stmt).all(), key=lambda r: (r[1] is not None, r[1] or date.min, str(r[0])))
    cases = _open_cases_of(session, [r[0] for r in found])
    return [_line(household_id, cases.get(household_id), last_on) for household_id, last_on in found]


def _line(household_id: uuid.UUID, case: Case | None, last_on: date | None) -> HouseholdLine:
    return HouseholdLine(household_id, case.id if case else None, case.folio if case else None, last_on)


def ready_for_closure(session: Session, user: Principal) -> list[HouseholdLine]:
    """Open household cases whose latest signed assessment has every criterion at "cumple" or "no aplica"."""
    latest = latest_signed_ids(user)
    unresolved = exists().where(AssessmentCriterion.assessment_id == latest.c.id,
                                AssessmentCriterion.status.not_in(list(RESOLVED)))
    pending = exists().where(ApprovalRequest.case_id == Case.id, ApprovalRequest.status == ApprovalStatus.PENDING)
    stmt = (select(Case, A.assessed_on, pending)
            .join(latest, latest.c.household_id == Case.household_id)
            .join(A, A.id == latest.c.id)
            .where(Case.status == CaseStatus.OPEN, not_(unresolved))
            .order_by(Case.folio))
    return [HouseholdLine(case.household_id, case.id, case.folio, assessed_on, bool(is_pending))
            for case, assessed_on, is_pending in session.execute(stmt)]


def monthly_activity(session: Session, user: Principal, today: date) -> CountTable:
    """New assessments, closures as durable solution and all closures, by month (last twelve)."""
    months = [months_back(today.replace(day=1), k) for k in range(MONTHS_SHOWN - 1, -1, -1)]
    start = months[0]
    assessed = session.scalars(select(A.assessed_on).where(
        A.assessed_on >= start, A.assessed_on <= today, territory_clause(user, A.state_code)))
    closures = session.execute(select(Case.closed_on, Case.closure_reason).where(
        Case.status == CaseStatus.CLOSED, Case.closed_on.is_not(None), Case.closed_on >= start,
        Case.closed_on <= today, territory_clause(user, Case.state_code)))
    new_by_month = Counter(month_key(d) for d in assessed)
    durable_by_month: Counter[str] = Counter()
    closed_by_month: Counter[str] = Counter()
    for closed_on, reason in closures:
        closed_by_month[month_key(closed_on)] += 1
        if reason == ClosureReason.DURABLE_SOLUTION_ACHIEVED:
            durable_by_month[month_key(closed_on)] += 1
    rows = [CountRow(month_key(m), month_key(m),
                     [new_by_month[month_key(m)], durable_by_month[month_key(m)], closed_by_month[month_key(m)]])
            for m in months]
    return CountTable("por_mes", _("Evaluaciones nuevas y cierres por mes"), _("Mes"),
                      [_("Evaluaciones nuevas"), _("Cierres por solución duradera alcanzada"),
                       _("Cierres (todos los motivos)")],
                      rows)


@dataclass(frozen=True)
class Dashboard:
    """Everything the page shows, computed once per request."""

    active: int
    by_option: CountTable
    by_stage: CountTable
    criteria: CountTable
    monthly: CountTable
    stale: list[HouseholdLine]
    ready: list[HouseholdLine]
    #: The renewal period `stale` was computed with (ASSESSMENT_RENEWAL_MONTHS).
    stale_months: int = STALE_AFTER_MONTHS

    def count_tables(self) -> list[CountTable]:
        return [self.by_option, self.by_stage, self.criteria, self.monthly]


def build(session: Session, user: Principal, today: date) -> Dashboard:
    """Every table of the dashboard for `user`'s territory as of `today`."""
    months = renewal_months()
    return Dashboard(
        active=count_active(session, user),
        by_option=households_by_option(session, user),
        by_stage=households_by_stage(session, user),
        criteria=criteria_by_status(session, user),
        monthly=monthly_activity(session, user, today),
        stale=without_recent_assessment(session, user, today, months),
        ready=ready_for_closure(session, user),
        stale_months=months,
    )



# --- as published ------------------------------------------------------------------------------------

TABLE_NAMES = ("por_opcion", "por_etapa", "criterios", "por_mes", "seguimiento")


def published_tables(dashboard: Dashboard, threshold: int, names: list[str] | None = None) -> list[ExportTable]:
    """The dashboard's tables as published: counts only (lists become their counts), suppressed."""
    tables = [published_table(t, threshold) for t in dashboard.count_tables()]
    tables.append(ExportTable(
        "seguimiento", _("Seguimiento de hogares"), [_("Indicador"), _("Hogares")],
        [[_("Sin evaluación en los últimos %(n)s meses", n=dashboard.stale_months),
          suppress_value(len(dashboard.stale), threshold).shown],
         [_("Listos para cierre por solución duradera"), suppress_value(len(dashboard.ready), threshold).shown]],
        legend(threshold)))
    if names:
        tables = [t for t in tables if t.name in names]
    return tables
