"""Read models of the rights feature: the worklist sorted by days left, and the home page's warnings."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.database import local_today
from dfi_casos.registry.models import Person
from dfi_casos.rights import calendar
from dfi_casos.rights.models import OPEN_STATUSES, ArcoRequest, PersonBlock
from dfi_casos.scope import arco_scoped
from dfi_casos.security.access import Principal

#: Closed requests listed under the open ones.
RECENT_LIMIT = 50


@dataclass
class RequestRow:
    request: ArcoRequest
    #: Business days until the deadline (negative: overdue); None once answered or closed.
    days_left: int | None
    near: bool


@dataclass
class Worklist:
    open: list[RequestRow]
    recent: list[RequestRow]


def worklist(session: Session, actor: Principal, config: Mapping[str, Any], today: date | None = None) -> Worklist:
    """Open requests of the liaison's territory, fewest business days left first; then recent finished ones."""
    today = today or local_today()
    used = calendar.load(session, config)
    near_days = int(config["ARCO_NEAR_DEADLINE_DAYS"])
    base = arco_scoped(select(ArcoRequest), ArcoRequest, actor)
    rows = []
    for request in session.scalars(base.where(ArcoRequest.status.in_(OPEN_STATUSES))):
        left = used.business_days_between(today, request.due_on)
        rows.append(RequestRow(request, left, left <= near_days))
    rows.sort(key=lambda row: (row.days_left, row.request.folio))
    finished = session.scalars(base.where(ArcoRequest.status.not_in(OPEN_STATUSES))
                               .order_by(ArcoRequest.created_at.desc()).limit(RECENT_LIMIT))
    return Worklist(open=rows, recent=[RequestRow(r, None, False) for r in finished])


def near_deadline(session: Session, actor: Principal, config: Mapping[str, Any],
                  today: date | None = None) -> list[RequestRow]:
    """The open requests at or past `ARCO_NEAR_DEADLINE_DAYS` business days from their deadline (home page)."""
    return [row for row in worklist(session, actor, config, today).open if row.near]


def days_left(session: Session, config: Mapping[str, Any], request: ArcoRequest, today: date | None = None) -> int:
    return calendar.load(session, config).business_days_between(today or local_today(), request.due_on)


@dataclass
class PersonStatus:
    """What a request page says about its person: blocked or deleted, and since when (no personal value)."""

    blocked: PersonBlock | None
    suppressed: bool


def person_status(session: Session, request: ArcoRequest) -> PersonStatus | None:
    if request.person_id is None:
        return None
    person = session.get(Person, request.person_id)
    if person is None:
        return None
    current = session.scalars(select(PersonBlock).where(PersonBlock.person_id == person.id,
                                                        PersonBlock.unblocked_at.is_(None))).first()
    return PersonStatus(blocked=current, suppressed=person.suppressed_at is not None)
