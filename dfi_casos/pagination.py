"""Pages of query results, shared by every list."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session


@dataclass
class Page:
    """One page of a list: its items, the total count, its number (from 1) and size."""

    items: list[Any]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))


def paginate(session: Session, stmt: Any, number: int, size: int) -> Page:
    """Run `stmt` (already scoped and ordered) for page `number`, clamped to the pages that exist."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    number = max(1, min(number, max(1, math.ceil(total / size))))
    items = list(session.scalars(stmt.limit(size).offset((number - 1) * size)).unique())
    return Page(items, total, number, size)


def page_number(raw: str | None) -> int:
    """The page asked for in a query string; anything unreadable is page 1."""
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 1_000_000 else 1
