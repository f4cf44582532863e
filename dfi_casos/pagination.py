"""Pages of query results, shared by every list.

No exact total: counting every record of a state costs as much as reading them once the
registry holds a million persons. A page fetches one row more than it shows to know whether
another page follows. The screens ask for a page number; the API asks for the rows after a sort
key (keyset: `WHERE key > last`), which no insert between two calls can shift and whose cost does
not grow with the depth of the page.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.orm import Session


@dataclass
class Page:
    """One page of a list: its items, its number (from 1), its size, and whether more follow."""

    items: list[Any]
    number: int
    size: int
    has_next: bool
    #: Keyset pages only: the sort key of the last item shown, where the next page starts (None on the last page).
    last_key: tuple[Any, ...] | None = None

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


@dataclass(frozen=True)
class SortKey:
    """One term of a list's order: an SQL expression and its direction."""

    expression: Any
    descending: bool = False


@dataclass(frozen=True)
class After:
    """A keyset position: the rows that sort after `key` (None: from the first row)."""

    key: tuple[Any, ...] | None = None


def after_clause(order: Sequence[SortKey], key: Sequence[Any]) -> Any:
    """Rows sorting strictly after `key` in `order`, as an OR of prefixes (mixed directions; SQLite and PostgreSQL)."""
    alternatives = []
    for position, term in enumerate(order):
        equal = [earlier.expression == value for earlier, value in zip(order[:position], key, strict=False)]
        beyond = term.expression < key[position] if term.descending else term.expression > key[position]
        alternatives.append(and_(*equal, beyond))
    first, start = order[0], key[0]
    # Implied by the OR, but plain: the planner starts an index range scan on the first key there.
    bound = first.expression <= start if first.descending else first.expression >= start
    return and_(bound, or_(*alternatives))


def paginate_ordered(session: Session, stmt: Any, order: Sequence[SortKey], start: int | After, size: int) -> Page:
    """Run `stmt` (already scoped) in `order` (total: its last term is the id) from a page number or a keyset position.

    A keyset page reads its sort key with the rows (the database's own values, not recomputed)
    and keeps the last shown one in `Page.last_key`.
    """
    terms = [term.expression.desc() if term.descending else term.expression for term in order]
    if isinstance(start, int):
        return paginate(session, stmt.order_by(*terms), start, size)
    keyed = stmt.add_columns(*(term.expression for term in order)).order_by(*terms)
    if start.key is not None:
        if len(start.key) != len(order):
            raise ValueError("keyset position of another order")
        keyed = keyed.where(after_clause(order, start.key))
    rows = list(session.execute(keyed.limit(size + 1)).unique())
    shown = rows[:size]
    more = len(rows) > size
    last_key = tuple(shown[-1][1:]) if more and shown else None
    return Page([row[0] for row in shown], 1, size, more, last_key)
