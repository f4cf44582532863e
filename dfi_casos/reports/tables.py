"""The shapes every aggregate takes before it is drawn, suppressed or exported, and month arithmetic."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class CountRow:
    """One row of a count table: a stable key, its Spanish label and one count per column."""

    key: str
    label: str
    counts: list[int]


@dataclass(frozen=True)
class CountTable:
    """A table of counts. `crossed`: rows and columns add up (criteria × status, sex × age); otherwise
    each column is its own distribution (suppressed as such)."""

    name: str
    title: str
    row_header: str
    columns: list[str]
    rows: list[CountRow]
    crossed: bool = False
    note: str = ""
    #: Rows may share a person (several causes of one event): no total row, each cell suppressed alone.
    overlapping: bool = False

    def column_totals(self) -> list[int]:
        return [sum(row.counts[j] for row in self.rows) for j in range(len(self.columns))]

    def column(self, j: int) -> list[int]:
        return [row.counts[j] for row in self.rows]


@dataclass(frozen=True)
class DurationRow:
    """How long something took for `n` items: median and 90th percentile in days (None when n is 0)."""

    key: str
    label: str
    n: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class DurationTable:
    """Durations by group (time in stage, referral response time)."""

    name: str
    title: str
    row_header: str
    rows: list[DurationRow] = field(default_factory=list)
    unit: str = _l("días")
    note: str = ""


def months_back(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from `first`'s to `last`'s, both included."""
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = months_back(current, -1)
    return months


def percentile(sorted_values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)
