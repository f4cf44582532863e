"""Published tables: counts only, already suppressed, written to CSV (stdlib) and XLSX (openpyxl)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from dfi_casos.reports.suppression import HIDDEN, legend, suppress_column, suppress_table, suppress_value
from dfi_casos.reports.tables import CountTable, DurationTable

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


#: Sheet names in the reader's language (the msgid is the table's name, which the audit keeps).
SHEET_NAMES = {
    "totales": _l("totales"),
    "sexo_edad_nuevas": _l("sexo_edad_nuevas"),
    "sexo_edad_acumuladas": _l("sexo_edad_acumuladas"),
    "acnur_nuevas": _l("acnur_nuevas"),
    "acnur_acumuladas": _l("acnur_acumuladas"),
    "identidad": _l("identidad"),
    "tipo_evento": _l("tipo_evento"),
    "entidad_origen": _l("entidad_origen"),
    "discapacidad": _l("discapacidad"),
    "causa": _l("causa"),
    "municipio_origen": _l("municipio_origen"),
    "hogares": _l("hogares"),
    "entidad_registro": _l("entidad_registro"),
    "entradas_etapa": _l("entradas_etapa"),
    "salidas_etapa": _l("salidas_etapa"),
    "tiempo_etapa": _l("tiempo_etapa"),
    "valoracion": _l("valoracion"),
    "valoracion_pendientes": _l("valoracion_pendientes"),
    "cierres": _l("cierres"),
    "casos": _l("casos"),
    "servicios_tipo": _l("servicios_tipo"),
    "servicios_institucion": _l("servicios_institucion"),
    "canalizaciones_tipo": _l("canalizaciones_tipo"),
    "canalizaciones_institucion": _l("canalizaciones_institucion"),
    "respuesta_canalizaciones": _l("respuesta_canalizaciones"),
    "carga_capturistas": _l("carga_capturistas"),
    "pendientes_supervision": _l("pendientes_supervision"),
    "por_opcion": _l("por_opcion"),
    "por_etapa": _l("por_etapa"),
    "criterios": _l("criterios"),
    "por_mes": _l("por_mes"),
    "seguimiento": _l("seguimiento"),
}


def _sheet_name(name: str, used: set[str]) -> str:
    # Excel allows 31 characters and no duplicates; none of []:*?/\ either.
    base = str(SHEET_NAMES.get(name, name)).translate(str.maketrans("", "", "[]:*?/\\"))[:31]
    candidate, n = base, 2
    while candidate in used:
        suffix = f"_{n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


# --- from aggregates to published tables ------------------------------------------------------------

def published_table(table: CountTable, threshold: int) -> ExportTable:
    """A count table suppressed for publication: crossed tables as a whole, overlapping rows cell by cell,
    others column by column (each column a distribution with its total)."""
    header = [table.row_header, *table.columns]
    note = " ".join(t for t in (table.note, legend(threshold)) if t)
    if table.crossed:
        suppressed = suppress_table([row.counts for row in table.rows], threshold)
        rows = [[row.label, *(c.shown for c in cells), total.shown]
                for row, cells, total in zip(table.rows, suppressed.cells, suppressed.row_totals, strict=True)]
        rows.append([_("Total"), *(c.shown for c in suppressed.column_totals), suppressed.grand_total.shown])
        header.append(_("Total"))
    elif table.overlapping:
        rows = [[row.label, *(suppress_value(n, threshold).shown for n in row.counts)] for row in table.rows]
    else:
        columns = [suppress_column(table.column(j), threshold) for j in range(len(table.columns))]
        rows = [[row.label, *(column.cells[i].shown for column in columns)] for i, row in enumerate(table.rows)]
        rows.append([_("Total"), *(column.total.shown for column in columns)])
    return ExportTable(table.name, table.title, header, rows, note)


def published_durations(table: DurationTable, threshold: int) -> ExportTable:
    """Median and p90 are published only for groups of at least `threshold` items; the count is suppressed
    like any lone count (a percentile of three cases describes those three cases)."""
    rows = []
    for row in table.rows:
        count = suppress_value(row.n, threshold)
        small = count.hidden
        rows.append([row.label, count.shown,
                     "" if small or row.median is None else _number(row.median),
                     "" if small or row.p90 is None else _number(row.p90)])
    header = [table.row_header, _("Casos"), _("Mediana (%(unit)s)", unit=table.unit), _("Percentil 90 (%(unit)s)",
                                                                                        unit=table.unit)]
    note = " ".join(t for t in (table.note, legend(threshold),
                                _("Sin mediana ni percentil para grupos de menos de %(n)s casos.",
                                  n=threshold)) if t)
    return ExportTable(table.name, table.title, header, rows, note)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def published_sums(fine: ExportTable, table: CountTable, groups: list[list[int]]) -> ExportTable:
    """A coarser table (row k sums the fine rows `groups[k]`) published from the *published* fine table:
    a sum is shown only when all its parts are, so it tells nothing the fine table does not."""
    rows = []
    for row, parts in zip(table.rows, groups, strict=True):
        cells = []
        for j in range(1, len(fine.columns)):
            shown = [fine.rows[i][j] for i in parts]
            if len(shown) == 1:
                cells.append(shown[0])
            else:
                cells.append(str(sum(int(v) for v in shown)) if all(v.isdigit() for v in shown) else HIDDEN)
        rows.append([row.label, *cells])
    rows.append(fine.rows[-1])
    return ExportTable(table.name, table.title, [table.row_header, *fine.columns[1:]], rows,
                       " ".join(t for t in (table.note, fine.note) if t))
