"""The export writers (CSV, XLSX) and the server-drawn SVG charts, without a database."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from dfi_casos.reports.charts import Series, bar_chart
from dfi_casos.reports.export import ExportTable, published_table, to_csv, to_xlsx
from dfi_casos.reports.tables import CountRow, CountTable, months_back

TABLE = ExportTable("por_etapa", "Hogares por etapa", ["Etapa", "Hogares"],
                    [["Asistencia", "12"], ["Atención", "<5"], ["Total", "15"]], "nota")


def test_csv_is_utf8_with_bom_and_keeps_each_table_title_header_and_rows():
    data = to_csv([TABLE, TABLE])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[:5] == [["Hogares por etapa"], ["Etapa", "Hogares"], ["Asistencia", "12"], ["Atención", "<5"],
                        ["Total", "15"]]
    assert [] in rows  # tables separated by a blank line


def test_csv_cells_cannot_start_a_spreadsheet_formula():
    table = ExportTable("x", "=HYPERLINK(\"http://mal\")", ["+a", "@b"], [["-1", "5"]])
    text = to_csv([table]).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+a" in text and "'@b" in text and "'-1" in text


def test_xlsx_writes_counts_as_numbers_and_suppressed_cells_as_text():
    workbook = load_workbook(io.BytesIO(to_xlsx([TABLE])))
    sheet = workbook["por_etapa"]
    assert sheet["A1"].value == "Hogares por etapa"
    assert sheet["B3"].value == 12 and sheet["B4"].value == "<5"


def test_xlsx_sheet_names_are_unique_and_short():
    long_name = ExportTable("n" * 40, "t", ["a"], [])
    workbook = load_workbook(io.BytesIO(to_xlsx([long_name, long_name])))
    assert [len(n) <= 31 for n in workbook.sheetnames] == [True, True]
    assert len(set(workbook.sheetnames)) == 2


def test_published_crossed_table_adds_row_and_column_totals_and_hides_small_cells():
    table = CountTable("criterios", "t", "Criterio", ["Cumple", "No cumple"],
                       [CountRow("a", "A", [20, 3]), CountRow("b", "B", [30, 12])], crossed=True)
    published = published_table(table, 5)
    assert published.columns == ["Criterio", "Cumple", "No cumple", "Total"]
    assert published.rows[0][2] == "<5"
    assert published.rows[-1][0] == "Total"
    assert "3" not in {cell for row in published.rows for cell in row}


def test_chart_is_an_accessible_image_without_style_or_script():
    svg = str(bar_chart("g1", "Hogares por etapa", ["Asistencia", "<b>Atención</b>"], [Series("Hogares", [3, 7])]))
    assert 'role="img"' in svg and 'aria-labelledby="g1-title g1-desc"' in svg
    assert '<title id="g1-title">Hogares por etapa</title>' in svg
    assert "style=" not in svg and "<script" not in svg
    assert "<b>" not in svg and "&lt;b&gt;" in svg


def test_chart_bars_are_proportional_to_the_values():
    svg = str(bar_chart("g", "t", ["a", "b"], [Series("s", [5, 10])]))
    assert 'width="205"' in svg and 'width="410"' in svg  # plot width 410 at the axis maximum of 10


def test_grouped_chart_has_a_legend_per_series():
    svg = str(bar_chart("g", "t", ["a"], [Series("Preferida", [1]), Series("En curso", [2])]))
    assert ">Preferida</text>" in svg and ">En curso</text>" in svg


def test_six_months_back_keeps_the_day_or_the_month_end():
    from datetime import date

    assert months_back(date(2026, 11, 15), 6) == date(2026, 5, 15)
    assert months_back(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_back(date(2026, 3, 1), 12) == date(2025, 3, 1)
