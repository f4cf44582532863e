"""What every case operation checks and writes: status flows, optimistic locking, "open", the audit entry."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dfi_casos.cases import community, workflow
from dfi_casos.cases.models import Case, Referral
from dfi_casos.cases.workflow import CONFLICT_MESSAGE, NotPermitted, TransitionNotAllowed
from dfi_casos.catalogs.enums import ReferralStatus, RelationshipToHead, ServiceStatus
from dfi_casos.database import local_today, utcnow
from dfi_casos.errors import EditConflict
from dfi_casos.registry.models import Household, Person
from dfi_casos.security import audit
from dfi_casos.security.access import Principal
from dfi_casos.security.audit import Action
from dfi_casos.solutions import services as solutions

#: How a referral's status may move: the institution answers, then attends, then it is closed.
REFERRAL_FLOW: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.SENT: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.REJECTED, ReferralStatus.CLOSED}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.ATTENDED, ReferralStatus.CLOSED}),
    ReferralStatus.REJECTED: frozenset({ReferralStatus.CLOSED}),
    ReferralStatus.ATTENDED: frozenset({ReferralStatus.CLOSED}),
    ReferralStatus.CLOSED: frozenset(),
}
#: How a service's status may move: requested, under way, then delivered, rejected or cancelled.
SERVICE_FLOW: dict[ServiceStatus, frozenset[ServiceStatus]] = {
    ServiceStatus.REQUESTED: frozenset({ServiceStatus.IN_PROGRESS, ServiceStatus.DELIVERED, ServiceStatus.REJECTED,
                                        ServiceStatus.CANCELLED}),
    ServiceStatus.IN_PROGRESS: frozenset({ServiceStatus.DELIVERED, ServiceStatus.CANCELLED}),
    ServiceStatus.DELIVERED: frozenset(),
    ServiceStatus.REJECTED: frozenset(),
    ServiceStatus.CANCELLED: frozenset(),
}
#: Referral statuses still waiting on the institution: these become overdue after the due date.
OPEN_REFERRAL_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


def audit_case(session: Session, actor: Principal, action: Action, case: Case, *, object_type: str = "case",
               object_id: Any = None, fields: list[str] | None = None, **facts: str | int | bool | None) -> None:
    """One audit entry about the case (or one of its records): field names and short facts, never values."""
    audit.record_change(session, actor, action, object_type, object_id or case.id, fields=fields or [],
                        state_code=case.state_code, folio=case.folio, **facts)


# --- optimistic locking ------------------------------------------------------------------------

def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise EditConflict(CONFLICT_MESSAGE)


def touch(session: Session, case: Case) -> None:
    """Write the case row now: its version moves, and a concurrent writer's version no longer matches."""
    case.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise EditConflict(CONFLICT_MESSAGE) from exc


def require_open(case: Case) -> None:
    if not case.is_open:
        raise TransitionNotAllowed(_("El caso está cerrado."))


def require_record(actor: Principal, case: Case) -> None:
    require_open(case)
    if not workflow.can_record(actor, case):
        raise NotPermitted(_("Su rol no permite registrar actividades en este caso."))


def is_overdue(referral: Referral, today: date | None = None) -> bool:
    """Still waiting on the institution after its due date."""
    return referral.status in OPEN_REFERRAL_STATUSES and referral.due_on < (today or local_today())


def referred_person(session: Session, case: Case) -> Person | None:
    """Whose data a referral shares: the person of an individual case, or the head of a household."""
    if case.person_id is not None:
        return session.get(Person, case.person_id)
    if case.household_id is not None:
        household = session.get(Household, case.household_id)
        if household is None:
            return None
        heads = [m for m in household.current_memberships if m.relationship_to_head == RelationshipToHead.HEAD]
        return heads[0].person if heads else None
    return None


def durable_solution_blockers(session: Session, case: Case) -> list[str]:
    """Why the case's household cannot yet be closed as "solución duradera alcanzada" (empty: it can).

    A community case is judged household by household (community.closure_blockers, docs/solutions.md).
    """
    if case.community_id is not None:
        return community.closure_blockers(session, case)
    household_id = case.household_id
    if household_id is None and case.person_id is not None:
        person = session.get(Person, case.person_id)
        membership = person.current_membership if person is not None else None
        household_id = membership.household_id if membership is not None else None
    if household_id is None:
        return [_("el caso no tiene un hogar con una evaluación de soluciones duraderas")]
    return list(solutions.closure_blockers(session, household_id))
