"""Lists over the registry, always within the actor's scope (the search box lives in `registry.finder`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.catalogs.enums import (
    DisplacementCause,
    EventType,
)
from dfi_casos.database import local_midnight
from dfi_casos.pagination import After, Page, SortKey, paginate_ordered
from dfi_casos.registry.models import (
    Community,
    DisplacementEvent,
    EventCause,
    Household,
    HouseholdMembership,
    Person,
)
from dfi_casos.scope import scoped
from dfi_casos.security.access import Principal

#: Each list's order, made total by the id (a keyset page starts right after the last row's key).
HOUSEHOLD_ORDER = (SortKey(Household.created_at, descending=True), SortKey(Household.id))
PERSON_ORDER = (SortKey(Person.created_at, descending=True), SortKey(Person.id))
EVENT_ORDER = (SortKey(DisplacementEvent.started_on, descending=True), SortKey(DisplacementEvent.id))
COMMUNITY_ORDER = (SortKey(Community.name), SortKey(Community.id))


@dataclass
class Filters:
    """List filters over non-sensitive fields (they may travel in URLs)."""

    state_code: str | None = None
    municipality_code: str | None = None
    cause: DisplacementCause | None = None
    date_from: date | None = None
    date_to: date | None = None
    event_type: EventType | None = None


def _common_filters(stmt: Any, model: Any, filters: Filters, date_column: Any) -> Any:
    if filters.state_code:
        stmt = stmt.where(model.state_code == filters.state_code)
    if filters.municipality_code:
        stmt = stmt.where(model.municipality_code == filters.municipality_code)
    # The days typed are the users' days: from the start of the first to the start of the day after the last.
    if filters.date_from:
        stmt = stmt.where(date_column >= local_midnight(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(date_column < local_midnight(filters.date_to + timedelta(days=1)))
    return stmt


def _with_cause(stmt: Any, event_id_column: Any, cause: DisplacementCause | None) -> Any:
    if cause is None:
        return stmt
    return stmt.where(event_id_column.in_(select(EventCause.event_id).where(EventCause.cause == cause)))


def list_households(session: Session, actor: Principal, filters: Filters, page: int | After, size: int) -> Page:
    """Households the actor may see, newest first."""
    stmt = scoped(select(Household), Household, actor).options(
        selectinload(Household.memberships).selectinload(HouseholdMembership.person))
    stmt = _common_filters(stmt, Household, filters, Household.created_at)
    stmt = _with_cause(stmt, Household.event_id, filters.cause)
    return paginate_ordered(session, stmt, HOUSEHOLD_ORDER, page, size)


def list_persons(session: Session, actor: Principal, filters: Filters, page: int | After, size: int) -> Page:
    """Persons the actor may see, newest first (the page decrypts only what it shows)."""
    stmt = scoped(select(Person), Person, actor)
    stmt = _common_filters(stmt, Person, filters, Person.created_at)
    if filters.cause is not None:
        in_households = select(HouseholdMembership.person_id).join(Household).where(
            Household.event_id.in_(select(EventCause.event_id).where(EventCause.cause == filters.cause)))
        stmt = stmt.where(Person.id.in_(in_households))
    return paginate_ordered(session, stmt, PERSON_ORDER, page, size)


def list_events(session: Session, actor: Principal, filters: Filters, page: int | After, size: int) -> Page:
    """Events the actor may see, most recent first; municipality filters the origin."""
    stmt = scoped(select(DisplacementEvent), DisplacementEvent, actor)
    origin = Filters(state_code=filters.state_code, date_from=filters.date_from, date_to=filters.date_to)
    stmt = _common_filters(stmt, DisplacementEvent, origin, DisplacementEvent.started_on)
    if filters.municipality_code:
        stmt = stmt.where(DisplacementEvent.origin_municipality_code == filters.municipality_code)
    if filters.event_type:
        stmt = stmt.where(DisplacementEvent.event_type == filters.event_type)
    stmt = _with_cause(stmt, DisplacementEvent.id, filters.cause)
    return paginate_ordered(session, stmt, EVENT_ORDER, page, size)


def list_communities(session: Session, actor: Principal, filters: Filters, page: int | After, size: int) -> Page:
    """Communities the actor may see, by name."""
    stmt = scoped(select(Community), Community, actor)
    stmt = _common_filters(stmt, Community, filters, Community.created_at)
    if filters.cause is not None:
        stmt = stmt.where(Community.id.in_(select(Community.id).join(Community.events).where(
            DisplacementEvent.id.in_(select(EventCause.event_id).where(EventCause.cause == filters.cause)))))
    return paginate_ordered(session, stmt, COMMUNITY_ORDER, page, size)
