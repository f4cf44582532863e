"""Exports of the dashboard's tables: counts only, already suppressed, to CSV (stdlib) and XLSX (openpyxl)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

from dfi_casos.solutions.dashboard import CountTable, Dashboard
from dfi_casos.solutions.suppression import legend, suppress_column, suppress_table, suppress_value

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Spreadsheet programs read a leading =, +, - or @ as a formula: never let a cell start with one.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportTable:
    """One published table: a name (the audit names it), a title, headers and rows of shown strings."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


def _safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _as_number(text: str) -> int | str:
    # Shown counts become numbers in the sheet; "<5" and "*" stay text.
    return int(text) if text.isdigit() else _safe(text)


def to_csv(tables: list[ExportTable]) -> bytes:
    """All tables in one CSV, each as title, header, rows and note, separated by a blank line.

    UTF-8 with BOM so that spreadsheet programs read the accents right.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([_safe(table.title)])
        writer.writerow([_safe(c) for c in table.columns])
        writer.writerows([_safe(v) for v in row] for row in table.rows)
        if table.note:
            writer.writerow([_safe(table.note)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables: list[ExportTable]) -> bytes:
    """All tables in one workbook, a sheet per table (title in the first row, header in bold)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.name, used))
        sheet.append([_safe(table.title)])
        sheet["A1"].font = Font(bold=True)
        sheet.append([_safe(c) for c in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_as_number(v) for v in row])
        if table.note:
            sheet.append([])
            sheet.append([_safe(table.note)])
        sheet.column_dimensions["A"].width = 48
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    # Excel allows 31 characters and no duplicates.
    base = name[:31]
    candidate, n = base, 2
    while candidate in used:
        suffix = f"_{n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


# --- from the dashboard to published tables --------------------------------------------------------

def published_table(table: CountTable, threshold: int) -> ExportTable:
    """A count table suppressed for publication: crossed tables as a whole, others column by column."""
    header = [table.row_header, *table.columns]
    if table.crossed:
        suppressed = suppress_table([row.counts for row in table.rows], threshold)
        rows = [[row.label, *(c.shown for c in cells), total.shown]
                for row, cells, total in zip(table.rows, suppressed.cells, suppressed.row_totals, strict=True)]
        rows.append(["Total", *(c.shown for c in suppressed.column_totals), suppressed.grand_total.shown])
        header.append("Total")
    else:
        columns = [suppress_column([row.counts[j] for row in table.rows], threshold)
                   for j in range(len(table.columns))]
        rows = [[row.label, *(column.cells[i].shown for column in columns)] for i, row in enumerate(table.rows)]
        rows.append(["Total", *(column.total.shown for column in columns)])
    return ExportTable(table.name, table.title, header, rows, legend(threshold))


def published_tables(dashboard: Dashboard, threshold: int, names: list[str] | None = None) -> list[ExportTable]:
    """The dashboard's tables as published: counts only (lists become their counts), suppressed."""
    tables = [published_table(t, threshold) for t in dashboard.count_tables()]
    tables.append(ExportTable(
        "seguimiento", "Seguimiento de hogares", ["Indicador", "Hogares"],
        [["Sin evaluación en los últimos 6 meses", suppress_value(len(dashboard.stale), threshold).shown],
         ["Listos para cierre por solución duradera", suppress_value(len(dashboard.ready), threshold).shown]],
        legend(threshold)))
    if names:
        tables = [t for t in tables if t.name in names]
    return tables


TABLE_NAMES = ("por_opcion", "por_etapa", "criterios", "por_mes", "seguimiento")
