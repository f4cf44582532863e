"""Small-cell suppression: no count below the threshold is shown, and none can be worked out from totals."""
from __future__ import annotations

import pytest

from dfi_casos.reports.suppression import (
    Suppression,
    legend,
    suppress_column,
    suppress_table,
    suppress_value,
)


def _extended(table):
    """The table as a grid with its total column and total row, as (value, shown) pairs."""
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.grand_total])
    return grid


def _bounds(cell, threshold, slack):
    # What a reader knows of a hidden cell; secondary ones are searched near the truth, which
    # is enough: one alternative found there proves the cell cannot be worked out.
    if cell.suppression is Suppression.PRIMARY:
        return 0, threshold - 1
    return max(threshold, cell.value - slack), cell.value + slack


def _has_alternative(cells, lines, target, threshold, slack=6):
    """Backtracking: does a filling of the hidden cells satisfy every line with `target` changed?

    `cells` maps a position to its Cell; `lines` are (positions, total position) equations.
    """
    hidden = [p for p, c in cells.items() if c.hidden]
    bounds = {p: _bounds(cells[p], threshold, slack) for p in hidden}

    def consistent(assign):
        for members, total in lines:
            known = [assign.get(p, None if cells[p].hidden else cells[p].value) for p in members]
            t = assign.get(total, None if cells[total].hidden else cells[total].value)
            lo = sum(k if k is not None else bounds[p][0] for k, p in zip(known, members, strict=True))
            hi = sum(k if k is not None else bounds[p][1] for k, p in zip(known, members, strict=True))
            t_lo, t_hi = (t, t) if t is not None else bounds[total]
            if hi < t_lo or lo > t_hi:
                return False
        return True

    order = [target] + [p for p in hidden if p != target]

    def solve(k, assign):
        if not consistent(assign):
            return False
        if k == len(order):
            return True
        p = order[k]
        lo, hi = bounds[p]
        for v in range(lo, hi + 1):
            if p == target and v == cells[p].value:
                continue
            assign[p] = v
            if solve(k + 1, assign):
                return True
            del assign[p]
        return False

    return solve(0, {})


def assert_no_hidden_cell_recoverable(rows, threshold=5):
    table = suppress_table(rows, threshold)
    n_rows, n_cols = len(rows), len(rows[0])
    cells = {}
    for i in range(n_rows):
        for j in range(n_cols):
            cells[(i, j)] = table.cells[i][j]
        cells[(i, n_cols)] = table.row_totals[i]
    for j in range(n_cols):
        cells[(n_rows, j)] = table.column_totals[j]
    cells[(n_rows, n_cols)] = table.grand_total
    lines = [([(i, j) for j in range(n_cols)], (i, n_cols)) for i in range(n_rows + 1)]
    lines += [([(i, j) for i in range(n_rows)], (n_rows, j)) for j in range(n_cols + 1)]
    for pos, cell in cells.items():
        if cell.hidden:
            assert _has_alternative(cells, lines, pos, threshold), f"hidden cell {pos} can be recovered"
    return table


def test_cells_below_threshold_are_shown_as_less_than_five():
    table = suppress_table([[10, 2], [12, 3]])
    assert table.cells[0][1].shown == "<5"
    assert table.cells[1][1].shown == "<5"
    assert table.cells[0][0].shown not in {"10"} or table.cells[1][0].shown not in {"12"}


def test_single_small_cell_in_a_row_forces_a_second_hidden_cell_in_that_row_and_column():
    table = assert_no_hidden_cell_recoverable([[20, 3, 15], [30, 40, 25], [18, 22, 35]])
    hidden_in_row = [c for c in table.cells[0] + [table.row_totals[0]] if c.hidden]
    hidden_in_col = [row[1] for row in table.cells if row[1].hidden] + (
        [table.column_totals[1]] if table.column_totals[1].hidden else [])
    assert len(hidden_in_row) >= 2
    assert len(hidden_in_col) >= 2


def test_secondary_cells_are_marked_differently_from_small_cells():
    table = suppress_table([[20, 3, 15], [30, 40, 25], [18, 22, 35]])
    marks = {c.shown for row in table.cells for c in row if c.suppression is Suppression.SECONDARY}
    assert marks == {"*"}


def test_table_without_small_cells_is_published_whole():
    table = suppress_table([[10, 20], [30, 40]])
    assert [[c.shown for c in row] for row in table.cells] == [["10", "20"], ["30", "40"]]
    assert [c.shown for c in table.row_totals] == ["30", "70"]
    assert [c.shown for c in table.column_totals] == ["40", "60"]
    assert table.grand_total.shown == "100"


def test_small_total_is_hidden_too():
    table = suppress_table([[1, 2], [10, 20]])
    assert table.row_totals[0].shown == "<5"


@pytest.mark.parametrize("rows", [
    [[20, 3, 15], [30, 40, 25], [18, 22, 35]],
    [[0, 7, 9], [6, 0, 12], [11, 8, 0]],
    [[4, 4], [4, 4]],
    [[1, 0, 0], [0, 0, 1]],
    [[9, 1], [9, 9], [9, 9]],
    [[6, 6, 2], [7, 1, 8]],
    [[25, 0, 0, 0, 5], [25, 0, 0, 0, 5]],
])
def test_no_hidden_cell_can_be_worked_out_from_totals(rows):
    assert_no_hidden_cell_recoverable(rows)


def test_zero_is_a_small_cell():
    table = suppress_table([[0, 10], [10, 10]])
    assert table.cells[0][0].shown == "<5"


def test_threshold_comes_from_the_caller():
    table = suppress_table([[7, 20], [20, 20]], threshold=10)
    assert table.cells[0][0].shown == "<10"
    assert legend(10).startswith("<10: menos de 10")


@pytest.mark.parametrize("values", [[12, 3, 30], [2, 2, 40], [0, 0, 0], [4, 30, 8, 1], [50, 60, 4]])
def test_column_hides_small_cells_and_keeps_them_unrecoverable(values):
    column = suppress_column(values)
    assert all(c.shown == "<5" for c in column.cells if c.value < 5)
    cells = dict(enumerate([*column.cells, column.total]))
    lines = [(list(range(len(values))), len(values))]
    for k, cell in cells.items():
        if cell.hidden:
            assert _has_alternative(cells, lines, k, 5), f"cell {k} recoverable"


def test_column_with_one_small_cell_hides_a_second_one():
    column = suppress_column([12, 3, 30])
    assert [c.shown for c in column.cells] == ["*", "<5", "30"]
    assert column.total.shown == "45"


def test_column_without_small_cells_is_published_whole():
    column = suppress_column([12, 30])
    assert [c.shown for c in column.cells] == ["12", "30"]
    assert column.total.shown == "42"


def test_lone_value_below_threshold_is_hidden():
    assert suppress_value(3).shown == "<5"
    assert suppress_value(5).shown == "5"


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negativos"):
        suppress_table([[1, -1]])
    with pytest.raises(ValueError, match="negativos"):
        suppress_column([-1])


def test_checker_catches_a_small_cell_hidden_alone():
    # The brute-force checker itself must see that hiding only the small cell protects nothing.
    from dfi_casos.reports.suppression import Cell
    cells = {(0, 0): Cell(20, Suppression.NONE, "20"), (0, 1): Cell(3, Suppression.PRIMARY, "<5"),
             (0, 2): Cell(23, Suppression.NONE, "23")}
    assert not _has_alternative(cells, [([(0, 0), (0, 1)], (0, 2))], (0, 1), 5)


def test_column_total_is_never_hidden_to_protect_a_cell():
    for values in ([4, 5], [3, 6, 7], [2, 9], [1, 1, 30]):
        column = suppress_column(values)
        assert column.total.suppression is not Suppression.SECONDARY
