"""Días hábiles as administrative law counts them: weekends, the nominal holidays and published periods.

The labour law (and the `holidays` package) moves 5 February, 21 March and 20 November to Mondays;
administrative deadlines (LFPA art. 28) count the nominal dates instead, plus the vacation and
suspension periods each institution publishes in the DOF. One `BusinessCalendar` row per legal
regime holds those periods; every deadline keeps the calendar's code and revision that computed it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.rights.models import BusinessCalendar

#: The calendar ARCO deadlines use.
ADMINISTRATIVE = "administrativo"
ADMINISTRATIVE_NAME = "Calendario administrativo (LFPA art. 28: días inhábiles nominales y periodos publicados)"


@dataclass(frozen=True)
class Calendar:
    """A frozen view of one calendar: what `is_business_day` and `add_business_days` read."""

    code: str
    revision: int
    #: (month, day) of the yearly non-working dates.
    yearly: frozenset[tuple[int, int]]
    #: Single non-working dates.
    dates: frozenset[date]
    #: Published vacation and suspension periods, inclusive.
    periods: tuple[tuple[date, date], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.code} rev. {self.revision}"

    def is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5 or (day.month, day.day) in self.yearly or day in self.dates:
            return False
        return not any(start <= day <= end for start, end in self.periods)

    def first_business_day_from(self, day: date) -> date:
        """`day` itself when hábil, else the next día hábil (a request filed on a Saturday counts from Monday)."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def add_business_days(self, start: date, days: int) -> date:
        """The `days`-th día hábil after `start` (counting starts the business day after receipt)."""
        day = self.first_business_day_from(start)
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return day

    def business_days_between(self, today: date, due: date) -> int:
        """Business days left from `today` until `due` (0 on the due date, negative once it passed)."""
        if due >= today:
            return sum(1 for n in range(1, (due - today).days + 1) if self.is_business_day(today + timedelta(n)))
        return -sum(1 for n in range(0, (today - due).days) if self.is_business_day(due + timedelta(n + 1)))


def yearly_dates(values: Iterable[str]) -> frozenset[tuple[int, int]]:
    """("02-05", ...) from the settings as (month, day) pairs."""
    pairs = set()
    for value in values:
        month, day = value.split("-")
        pairs.add((int(month), int(day)))
    return frozenset(pairs)


def from_settings(config: Mapping[str, Any], code: str = ADMINISTRATIVE, revision: int = 0,
                  periods: Iterable[tuple[date, date]] = ()) -> Calendar:
    """A calendar from the ARCO_* settings and the given periods."""
    return Calendar(code=code, revision=revision, yearly=yearly_dates(config["ARCO_NONWORKING_DAYS"]),
                    dates=frozenset(date.fromisoformat(v) for v in config["ARCO_EXTRA_NONWORKING_DATES"]),
                    periods=tuple(periods))


def stored_calendar(session: Session, code: str = ADMINISTRATIVE) -> BusinessCalendar:
    """The calendar's row, created on first use (a fresh database has none)."""
    row = session.scalars(select(BusinessCalendar).where(BusinessCalendar.code == code)
                          .options(selectinload(BusinessCalendar.periods))).first()
    if row is None:
        row = BusinessCalendar(code=code, name=ADMINISTRATIVE_NAME, revision=1)
        session.add(row)
        session.flush()
    return row


def load(session: Session, config: Mapping[str, Any], code: str = ADMINISTRATIVE) -> Calendar:
    """The calendar `code` as it stands now: settings plus the stored periods, with its revision."""
    row = stored_calendar(session, code)
    return from_settings(config, code, row.revision, ((p.starts_on, p.ends_on) for p in row.periods))
