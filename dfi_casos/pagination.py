"""Pages of query results, shared by every list.

No exact total: counting every record of a state costs as much as reading them once the
registry holds a million persons. A page fetches one row more than it shows to know whether
another page follows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session


@dataclass
class Page:
    """One page of a list: its items, its number (from 1), its size, and whether more follow."""

    items: list[Any]
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def paginate(session: Session, stmt: Any, number: int, size: int) -> Page:
    """Run `stmt` (already scoped and ordered) for page `number`."""
    rows = list(session.scalars(stmt.limit(size + 1).offset((max(1, number) - 1) * size)).unique())
    return Page(rows[:size], max(1, number), size, len(rows) > size)


def page_number(raw: str | None) -> int:
    """The page asked for in a query string; anything unreadable is page 1."""
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 1_000_000 else 1
