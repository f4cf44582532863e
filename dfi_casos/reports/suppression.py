"""Small-cell suppression of published count tables, so no hidden count can be worked out from totals.

Method (documented here because the export's safety rests on it):

1. *Primary suppression.* Every cell below the threshold (SMALL_CELL_THRESHOLD, 5 by default),
   zeros included, is shown as "<5". Totals are cells too: a row total of 3 is hidden like any other.
2. *The attacker's knowledge.* A reader knows every shown value, that a "<5" cell lies in
   [0, threshold-1], and that a secondarily hidden cell ("*") lies in [threshold, infinity): had it
   been smaller it would read "<5".
3. *Protection certificate.* A hidden cell is protected when another table exists, with the same
   shown values and every hidden cell still inside its known interval, in which that cell differs.
   We look for one as an alternating cycle of hidden cells: a 2-D table with its margins is a set
   of equations "row sums to its total" and "column sums to its total"; adding +1/-1 alternately
   around a cycle of hidden cells (rows and columns are the nodes of a bipartite graph, hidden cells
   its edges; margin cells enter their equations with the opposite sign) keeps every equation true.
   If the changed cells stay inside their intervals, the cell's value cannot be deduced. For a
   single column with its total the cycle is a transfer of one unit between two hidden cells.
   A certificate is sufficient, not necessary: we may hide a little more than the optimum.
4. *Secondary suppression.* While some hidden cell has no certificate, hide more cells: the
   smallest shown value that gives it one; else the cheapest set completing a rectangle through it
   (fewest cells, fewest totals, smallest values); else the smallest shown cell of its row or column,
   and try again. Each step hides at least one more cell, so the loop ends; if every cell is hidden
   nothing more can be done.

Numbers on the supervisor's own screen are not suppressed (they may see every household of their
territory); this module serves the exports and anything published outside the system.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import gettext as _

#: How a cell below the threshold is shown.
SMALL = "<{threshold}"
#: How a cell hidden only to protect another is shown.
HIDDEN = "*"


class Suppression(StrEnum):
    NONE = "none"
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class Cell:
    """One published count: its true value (never exported when hidden) and what is shown."""

    value: int
    suppression: Suppression
    shown: str

    @property
    def hidden(self) -> bool:
        return self.suppression is not Suppression.NONE


@dataclass(frozen=True)
class SuppressedTable:
    """A 2-D table with margins, every cell (totals included) already suppressed."""

    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    grand_total: Cell


@dataclass(frozen=True)
class SuppressedColumn:
    """A single column of counts with its total."""

    cells: list[Cell]
    total: Cell


def legend(threshold: int) -> str:
    """The footnote explaining the marks, for the threshold in force."""
    return _("%(small)s: menos de %(n)s (celda pequeña). *: dato reservado para que las celdas pequeñas "
             "no puedan deducirse de los totales.", small=SMALL.format(threshold=threshold), n=threshold)


# --- 2-D tables --------------------------------------------------------------------------------

Position = tuple[int, int]


class _Grid:
    """The extended table: interior cells, the total column at index C, the total row at index R."""

    def __init__(self, rows: Sequence[Sequence[int]], threshold: int) -> None:
        self.n_rows = len(rows)
        self.n_cols = len(rows[0]) if rows else 0
        self.threshold = threshold
        interior = [list(map(int, row)) for row in rows]
        for row in interior:
            if len(row) != self.n_cols:
                raise ValueError(_("todas las filas deben tener el mismo número de columnas"))
            if any(v < 0 for v in row):
                raise ValueError(_("los conteos no pueden ser negativos"))
        col_totals = [sum(row[j] for row in interior) for j in range(self.n_cols)]
        self.values = [[*row, sum(row)] for row in interior] + [[*col_totals, sum(col_totals)]]
        self.hidden: dict[Position, Suppression] = {}
        for i, row in enumerate(self.values):
            for j, value in enumerate(row):
                if value < threshold:
                    self.hidden[(i, j)] = Suppression.PRIMARY

    def sign(self, pos: Position) -> int:
        # Margin cells enter their equations negated (see the module docstring).
        i, j = pos
        return -1 if (i == self.n_rows) != (j == self.n_cols) else 1

    def can_move(self, pos: Position, delta: int) -> bool:
        value = self.values[pos[0]][pos[1]] + delta
        if self.hidden[pos] is Suppression.PRIMARY:
            return 0 <= value < self.threshold
        return value >= self.threshold

    def protected(self, start: Position) -> bool:
        return any(self._cycle_from(start, s) for s in (1, -1))

    def _cycle_from(self, start: Position, s: int) -> bool:
        """Is there an alternating cycle through `start` (moved by s in y-space) whose moves stay feasible?

        Along the cycle, cells walked column -> row move by -s and cells walked row -> column by +s,
        so each cell's feasibility is fixed in advance and the search is plain reachability from
        the start's column back to its row (a walk there shortens to a simple cycle).
        """
        if not self.can_move(start, s * self.sign(start)):
            return False
        row0, col0 = start
        seen: set[tuple[str, int]] = {("col", col0)}
        queue: deque[tuple[str, int]] = deque([("col", col0)])
        while queue:
            kind, node = queue.popleft()
            y_delta = -s if kind == "col" else s
            for pos in self._edges(kind, node):
                if pos == start or not self.can_move(pos, y_delta * self.sign(pos)):
                    continue
                nxt = ("row", pos[0]) if kind == "col" else ("col", pos[1])
                if nxt == ("row", row0):
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return False

    def _edges(self, kind: str, node: int) -> list[Position]:
        if kind == "col":
            return [(i, node) for i in range(self.n_rows + 1) if (i, node) in self.hidden]
        return [(node, j) for j in range(self.n_cols + 1) if (node, j) in self.hidden]

    def shown_positions(self) -> list[Position]:
        every = [(i, j) for i in range(self.n_rows + 1) for j in range(self.n_cols + 1)]
        return [p for p in every if p not in self.hidden]

    def candidate_order(self, pos: Position) -> tuple[int, int]:
        is_margin = pos[0] == self.n_rows or pos[1] == self.n_cols
        return (self.values[pos[0]][pos[1]], int(is_margin))


def _secondary(grid: _Grid) -> None:
    while True:
        unprotected = next((p for p in sorted(grid.hidden) if not grid.protected(p)), None)
        if unprotected is None:
            return
        shown = grid.shown_positions()
        if not shown:
            return  # everything hidden already
        for additions in _candidate_sets(grid, unprotected, shown):
            for pos in additions:
                grid.hidden[pos] = Suppression.SECONDARY
            if grid.protected(unprotected):
                break
            for pos in additions:
                del grid.hidden[pos]
        else:
            # No single cell nor rectangle helps (moves out of bounds): widen and try again.
            same_line = [p for p in shown if p[0] == unprotected[0] or p[1] == unprotected[1]]
            grid.hidden[min(same_line or shown, key=grid.candidate_order)] = Suppression.SECONDARY


def _candidate_sets(grid: _Grid, target: Position, shown: list[Position]) -> list[list[Position]]:
    """What to hide next to protect `target`: single cells first, then the cells completing a rectangle
    through it (the 2-D "hypercube" method), fewest and fewest totals and smallest values first."""
    shown_set = set(shown)
    singles = [[p] for p in sorted(shown, key=grid.candidate_order)]
    i, j = target
    rectangles: list[list[Position]] = []
    for i2 in range(grid.n_rows + 1):
        for j2 in range(grid.n_cols + 1):
            if i2 == i or j2 == j:
                continue
            corners = [(i, j2), (i2, j), (i2, j2)]
            added = [p for p in corners if p in shown_set]
            if len(added) > 1:
                rectangles.append(added)

    def cost(cells: list[Position]) -> tuple[int, int, int]:
        orders = [grid.candidate_order(p) for p in cells]
        return (len(cells), sum(o[1] for o in orders), sum(o[0] for o in orders))

    return singles + sorted(rectangles, key=cost)


def _cell(value: int, suppression: Suppression, threshold: int) -> Cell:
    shown = {
        Suppression.NONE: str(value),
        Suppression.PRIMARY: SMALL.format(threshold=threshold),
        Suppression.SECONDARY: HIDDEN,
    }[suppression]
    return Cell(value, suppression, shown)


def suppress_table(rows: Sequence[Sequence[int]], threshold: int = 5) -> SuppressedTable:
    """Suppress a table of counts with its row, column and grand totals (computed here)."""
    if threshold < 1:
        raise ValueError(_("el umbral debe ser al menos 1"))
    grid = _Grid(rows, threshold)
    _secondary(grid)

    def cell(i: int, j: int) -> Cell:
        return _cell(grid.values[i][j], grid.hidden.get((i, j), Suppression.NONE), threshold)

    r, c = grid.n_rows, grid.n_cols
    return SuppressedTable(
        cells=[[cell(i, j) for j in range(c)] for i in range(r)],
        row_totals=[cell(i, c) for i in range(r)],
        column_totals=[cell(r, j) for j in range(c)],
        grand_total=cell(r, c),
    )


# --- single columns ------------------------------------------------------------------------------

def suppress_column(values: Sequence[int], threshold: int = 5) -> SuppressedColumn:
    """Suppress one column of counts and its total (the sum), same method as `suppress_table`.

    The total is hidden only when it is itself small, never as a secondary cell.
    """
    if threshold < 1:
        raise ValueError(_("el umbral debe ser al menos 1"))
    if any(v < 0 for v in values):
        raise ValueError(_("los conteos no pueden ser negativos"))
    # The total is position n; it enters the one equation with the opposite sign.
    all_values = [*map(int, values), sum(values)]
    n = len(values)
    hidden = {k: Suppression.PRIMARY for k, v in enumerate(all_values) if v < threshold}

    def can_move(k: int, delta: int) -> bool:
        value = all_values[k] + delta
        return 0 <= value < threshold if hidden[k] is Suppression.PRIMARY else value >= threshold

    def protected(k: int) -> bool:
        # A unit moves from k to another hidden cell (or both change with the total).
        for s in (1, -1):
            if not can_move(k, s):
                continue
            for m in hidden:
                if m == k:
                    continue
                partner = s if (m == n) != (k == n) else -s
                if can_move(m, partner):
                    return True
        return False

    while True:
        unprotected = next((k for k in sorted(hidden) if not protected(k)), None)
        # The total is never hidden to protect a cell: several tables share it (all active households),
        # and a total hidden in one table but shown in another would give the hidden one away.
        shown = sorted((k for k in range(n) if k not in hidden), key=lambda k: all_values[k])
        if unprotected is None or not shown:
            break
        chosen = next((k for k in shown if _helps(hidden, k, unprotected, protected)), shown[0])
        hidden[chosen] = Suppression.SECONDARY

    cells = [_cell(all_values[k], hidden.get(k, Suppression.NONE), threshold) for k in range(n + 1)]
    return SuppressedColumn(cells=cells[:n], total=cells[n])


def _helps(hidden: dict[int, Suppression], candidate: int, target: int, protected: Callable[[int], bool]) -> bool:
    """Would hiding `candidate` too give `target` a certificate?"""
    hidden[candidate] = Suppression.SECONDARY
    try:
        return protected(target)
    finally:
        del hidden[candidate]


def suppress_value(value: int, threshold: int = 5) -> Cell:
    """A lone published count (no total beside it): hidden when small."""
    return _cell(value, Suppression.PRIMARY if value < threshold else Suppression.NONE, threshold)
