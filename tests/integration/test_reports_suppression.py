"""Brute force over every exported report table of the hand-computed fixture: no hidden cell can be worked out
from the rest of its table, and the UNHCR tables tell nothing the fine age table does not."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from scipy.optimize import linprog

from dfi_casos.auth.models import Role
from dfi_casos.registry import services as registry
from dfi_casos.reports import assistance, cases, pages, persons
from dfi_casos.reports.suppression import Cell, Suppression
from tests import factories, report_fixture
from tests.report_fixture import PERIOD, TODAY

ZONE = ZoneInfo("America/Mexico_City")
MARKS = {"<5": Suppression.PRIMARY, "*": Suppression.SECONDARY}


def _cell(value, shown):
    return Cell(value, MARKS.get(shown, Suppression.NONE), shown)


def _check_count_table(table, published, threshold=5):
    values = [row.counts for row in table.rows]
    shown = [r[1:] for r in published.rows]
    n_rows, n_cols = len(values), len(table.columns)
    if table.overlapping:
        for row, texts in zip(values, shown, strict=True):
            assert all((t == "<5") == (v < threshold) for v, t in zip(row, texts, strict=True))
        return 0
    if table.crossed:
        grid = [[*row, sum(row)] for row in values]
        grid.append([sum(col) for col in zip(*grid, strict=True)])
        cells = {(i, j): _cell(grid[i][j], shown[i][j]) for i in range(n_rows + 1) for j in range(n_cols + 1)}
        lines = [([(i, j) for j in range(n_cols)], (i, n_cols)) for i in range(n_rows + 1)]
        lines += [([(i, j) for i in range(n_rows)], (n_rows, j)) for j in range(n_cols + 1)]
    else:
        hidden = 0
        for j in range(n_cols):
            column = [row[j] for row in values]
            hidden += _check_column(table.name, [*column, sum(column)], [r[j] for r in shown], threshold)
        return hidden
    for pos, cell in cells.items():
        assert (cell.shown == "<5") == (cell.value < threshold), f"{table.name} {pos}: small cell shown"
    ranges = _feasible_ranges(cells, lines, threshold)
    for pos, (low, high) in ranges.items():
        assert high - low > 0.5, f"{table.name} {pos} can be recovered: it can only be {low}"
    return len(ranges)


def _feasible_ranges(cells, lines, threshold):
    """Smallest and largest value each hidden cell can take given every shown value and every equation.

    A table with margins is a network matrix (totally unimodular), so the linear programme's optimum is
    an integer: equal bounds mean the reader can work the cell out exactly, whatever the search order.
    """
    hidden = [p for p, c in cells.items() if c.hidden]
    index = {p: k for k, p in enumerate(hidden)}
    a_eq, b_eq = [], []
    for members, total in lines:
        row, rhs = [0.0] * len(hidden), 0.0
        for p, sign in [*((m, 1.0) for m in members), (total, -1.0)]:
            if p in index:
                row[index[p]] += sign
            else:
                rhs -= sign * cells[p].value
        if any(row):
            a_eq.append(row)
            b_eq.append(rhs)
    bounds = [(0, threshold - 1) if cells[p].suppression is Suppression.PRIMARY else (threshold, None)
              for p in hidden]
    found = {}
    for p in hidden:
        objective = [0.0] * len(hidden)
        objective[index[p]] = 1.0
        low = linprog(objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        high = linprog([-c for c in objective], A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds,
                       method="highs")
        assert low.success and (high.success or high.status == 3)
        found[p] = (round(low.fun), round(-high.fun) if high.status != 3 else float("inf"))
    return found


def _interval(cell, threshold, total):
    if cell.suppression is Suppression.PRIMARY:
        return 0, threshold - 1
    if cell.suppression is Suppression.SECONDARY:
        return threshold, total
    return cell.value, cell.value


def _check_column(name, values, shown, threshold):
    """One equation (cells sum to the total) over intervals: a hidden cell's feasible range is exact."""
    cells = [_cell(v, t) for v, t in zip(values, shown, strict=True)]
    ceiling = values[-1] if not cells[-1].hidden else threshold - 1
    bounds = [_interval(c, threshold, ceiling) for c in cells]
    parts, total = bounds[:-1], bounds[-1]
    for k, cell in enumerate(cells):
        assert (cell.shown == "<5") == (cell.value < threshold), f"{name} {k}: small cell shown"
        if not cell.hidden:
            continue
        if k == len(cells) - 1:
            low, high = max(total[0], sum(b[0] for b in parts)), min(total[1], sum(b[1] for b in parts))
        else:
            others = [b for i, b in enumerate(parts) if i != k]
            low = max(bounds[k][0], total[0] - sum(b[1] for b in others))
            high = min(bounds[k][1], total[1] - sum(b[0] for b in others))
        assert low < high, f"{name} row {k} can be recovered"
    return sum(1 for c in cells if c.hidden)


@pytest.mark.parametrize("viewer", ["national", "12", "07"])
def test_no_hidden_cell_of_any_exported_table_can_be_recovered(db, viewer):
    report_fixture.build(db)
    user = factories.make_user(db, Role.SUPERVISOR, None if viewer == "national" else [viewer])
    catalog = registry.municipalities()
    data = persons.build(db, user, PERIOD, catalog)
    case_counts, _ = cases.build(db, user, PERIOD, ZONE)
    service_counts, _ = assistance.build(db, user, PERIOD, TODAY)
    truth = {t.name: t for t in [*data.tables, *data.unhcr, *case_counts, *service_counts]}
    published = [*pages.persons_page(db, user, PERIOD, catalog, 5).tables,
                 *pages.cases_page(db, user, PERIOD, 5, ZONE).tables,
                 *pages.assistance_page(db, user, PERIOD, 5, TODAY).tables]
    hidden = 0
    for table in published:
        if table.name.startswith("acnur_"):
            continue  # checked below
        if table.name in truth:
            hidden += _check_count_table(truth[table.name], table)
    assert hidden > 0  # the fixture does exercise suppression


def test_unhcr_tables_show_only_sums_of_shown_fine_cells(db):
    report_fixture.build(db)
    user = factories.make_user(db, Role.SUPERVISOR, None)
    tables = {t.name: t for t in pages.persons_page(db, user, PERIOD, registry.municipalities(), 5).tables}
    for which in ("nuevas", "acumuladas"):
        fine, coarse = tables[f"sexo_edad_{which}"], tables[f"acnur_{which}"]
        for row, parts in zip(coarse.rows, pages.unhcr_groups(), strict=False):
            for j, text in enumerate(row[1:], start=1):
                components = [fine.rows[i][j] for i in parts]
                if text.isdigit():
                    assert all(c.isdigit() for c in components)
                    assert int(text) == sum(int(c) for c in components)
        assert coarse.rows[-1] == fine.rows[-1]
