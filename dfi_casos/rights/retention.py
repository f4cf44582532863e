"""Retention (Ley General de Archivos): at the end of the vigencia a person's data are blocked, later deleted.

`run` walks the registry in batches ordered by id. Each batch is one transaction that also moves the
run's cursor, so a run killed half way loses at most its current batch, whole, and the next run resumes
after the last committed one: no person is ever left half-deleted. It refuses persons with an open
ARCO request, an open case or a legal hold, and audits every action.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dfi_casos.cases.models import Case, CaseStatus
from dfi_casos.database import local_date, local_today, utcnow
from dfi_casos.registry.models import HouseholdMembership, Person
from dfi_casos.rights import blocking, deletion
from dfi_casos.rights.models import OPEN_STATUSES, ArcoRequest, DisposalRecord, RetentionRun
from dfi_casos.rights.services import RightsError
from dfi_casos.security import audit
from dfi_casos.security.audit import Action


@dataclass
class Summary:
    """What a run did (or, dry, would do): counts only, and why persons were left alone."""

    reviewed: int = 0
    blocked: int = 0
    suppressed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    resumed_from: str | None = None

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _years(policy: Mapping[str, Any], closure_reason: str | None) -> tuple[int, int]:
    override = policy.get("by_closure_reason", {}).get(closure_reason or "")
    if override is not None:
        return int(override[0]), int(override[1])
    return int(policy["tramite_years"]), int(policy["concentracion_years"])


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class Standing:
    """Where a person's file stands in the archive: its phase and the day its vigencia ends."""

    phase: str  # "tramite", "concentracion", "vencido", "abierto"
    ends_on: date | None
    vigencia: str


def standing(person: Person, cases: list[Case], policy: Mapping[str, Any], today: date) -> Standing:
    """The archive phase of a person's file from their cases (or their registration when they had none)."""
    if any(c.status == CaseStatus.OPEN for c in cases):
        return Standing("abierto", None, "—")
    if cases:
        closed = max(cases, key=lambda c: c.closed_on or date.min)
        tramite, concentracion = _years(policy, closed.closure_reason.value if closed.closure_reason else None)
        start = closed.closed_on or local_date(closed.created_at)
    else:
        tramite, concentracion = 0, int(policy["without_case_years"])
        start = local_date(person.created_at)
    vigencia = f"{tramite} años en trámite + {concentracion} en concentración"
    if today < _add_years(start, tramite):
        return Standing("tramite", _add_years(start, tramite + concentracion), vigencia)
    ends_on = _add_years(start, tramite + concentracion)
    return Standing("concentracion" if today < ends_on else "vencido", ends_on, vigencia)


def _cases_by_person(session: Session, persons: list[Person]) -> dict[uuid.UUID, list[Case]]:
    ids = [p.id for p in persons]
    memberships = session.execute(select(HouseholdMembership.person_id, HouseholdMembership.household_id)
                                  .where(HouseholdMembership.person_id.in_(ids))).all()
    households: dict[uuid.UUID, set[uuid.UUID]] = {}
    for person_id, household_id in memberships:
        households.setdefault(household_id, set()).add(person_id)
    found: dict[uuid.UUID, list[Case]] = {p.id: [] for p in persons}
    conditions = [Case.person_id.in_(ids)]
    if households:
        conditions.append(Case.household_id.in_(list(households)))
    for case in session.scalars(select(Case).where(or_(*conditions))):
        if case.person_id in found:
            found[case.person_id].append(case)
        for person_id in households.get(case.household_id, ()) if case.household_id else ():
            found[person_id].append(case)
    return found


def _open_requests(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return set(session.scalars(select(ArcoRequest.person_id).where(
        ArcoRequest.person_id.in_(ids), ArcoRequest.status.in_(OPEN_STATUSES))))


def review_batch(session: Session, run_id: int | None, persons: list[Person], policy: Mapping[str, Any],
                 today: date, summary: Summary, dry_run: bool) -> None:
    """Block or delete what the policy says in one batch (nothing is written when `dry_run`)."""
    cases = _cases_by_person(session, persons)
    pending = _open_requests(session, [p.id for p in persons])
    series = str(policy["series"])
    for person in persons:
        summary.reviewed += 1
        if person.legal_hold:
            summary.skip("reserva legal")
            continue
        if person.id in pending:
            summary.skip("solicitud ARCO en trámite")
            continue
        state = standing(person, cases[person.id], policy, today)
        if state.phase == "abierto":
            summary.skip("caso abierto")
            continue
        if person.blocked_at is None:
            if state.phase != "vencido":
                continue
            summary.blocked += 1
            if not dry_run:
                blocking.block(session, None, person, source="retention",
                               reason=f"Fin de la vigencia documental ({state.vigencia})")
                _disposal(session, run_id, person, "bloqueo", series, state.vigencia)
            continue
        if local_date(person.blocked_at) + timedelta(days=365 * int(policy["blocked_years"])) > today:
            continue
        problems = deletion.deletion_blockers(session, person)
        if problems:
            summary.skip("jefatura de hogar con integrantes" if deletion.HEAD_WITH_MEMBERS in problems
                         else "no suprimible")
            continue
        summary.suppressed += 1
        if not dry_run:
            deletion.suppress(session, None, person, reason="Fin del plazo de bloqueo", source="retention")
            _disposal(session, run_id, person, "supresion", series, state.vigencia)


def _disposal(session: Session, run_id: int | None, person: Person, action: str, series: str, vigencia: str) -> None:
    session.add(DisposalRecord(run_id=run_id, person_id=person.id, action=action, series=series, vigencia=vigencia,
                               state_code=person.state_code))


def run(session: Session, config: Mapping[str, Any], *, dry_run: bool = False, today: date | None = None,
        commit: Callable[[], None] | None = None, progress: Callable[[Summary], None] | None = None,
        batch_size: int | None = None) -> Summary:
    """Apply the retention policy to the whole registry, resuming an unfinished run; `commit` ends each batch."""
    policy, today = config["RETENTION_POLICY"], today or local_today()
    size = int(batch_size or config["RETENTION_BATCH"])
    summary = Summary()
    current: RetentionRun | None = None
    if not dry_run:
        current = session.scalars(select(RetentionRun).where(RetentionRun.status == "running")
                                  .order_by(RetentionRun.id.desc())).first()
        if current is None:
            current = RetentionRun(status="running")
            session.add(current)
            session.flush()
            audit.record(session, action=Action.RETENTION_RUN, details={"run": current.id, "event": "start"})
        else:
            summary.resumed_from = current.cursor
            summary.reviewed, summary.blocked, summary.suppressed = (current.reviewed, current.blocked,
                                                                     current.suppressed)
        if commit:
            commit()
    cursor = uuid.UUID(current.cursor) if current is not None and current.cursor else None
    while True:
        stmt = select(Person).where(Person.suppressed_at.is_(None), Person.merged_into_id.is_(None))
        if cursor is not None:
            stmt = stmt.where(Person.id > cursor)
        batch = list(session.scalars(stmt.order_by(Person.id).limit(size)))
        if not batch:
            break
        review_batch(session, current.id if current else None, batch, policy, today, summary, dry_run)
        cursor = batch[-1].id
        if current is not None:
            # The cursor moves in the batch's own transaction: a kill rolls back both together.
            current.cursor, current.reviewed = str(cursor), summary.reviewed
            current.blocked, current.suppressed = summary.blocked, summary.suppressed
            current.skipped = sum(summary.skipped.values())
            session.flush()
            if commit:
                commit()
        if progress:
            progress(summary)
    if current is not None:
        current.status, current.finished_at = "finished", utcnow()
        audit.record(session, action=Action.RETENTION_RUN, details={
            "run": current.id, "event": "finish", "reviewed": summary.reviewed, "blocked": summary.blocked,
            "suppressed": summary.suppressed, "skipped": sum(summary.skipped.values())})
        session.flush()
        if commit:
            commit()
    return summary


__all__ = ["RightsError", "Summary", "run", "standing"]
