"""Our own import template (one row per person) as XLSX with validation lists, or as CSV."""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from dfi_casos.catalogs.geography import STATES, MunicipalityCatalog
from dfi_casos.catalogs.languages import language_choices
from dfi_casos.imports import fields as f
from dfi_casos.imports.readers import TEMPLATE_HOUSEHOLD, TEMPLATE_ID

COLUMNS = [TEMPLATE_HOUSEHOLD, TEMPLATE_ID, *f.HOUSEHOLD_FIELDS, *f.MEMBER_FIELDS]
HELP = {
    TEMPLATE_HOUSEHOLD: _l("Mismo número en las filas de las personas de un hogar; la primera es la jefa o jefe."),
    TEMPLATE_ID: _l("Opcional: identificador único del hogar (evita importarlo dos veces)."),
    "fecha_evento": _l("AAAA-MM-DD, DD/MM/AAAA o DD-MM-AAAA."),
    "fecha_nacimiento": _l("AAAA-MM-DD, DD/MM/AAAA o DD-MM-AAAA."),
    "estado": _l("Clave INEGI de 2 dígitos (hoja listas)."),
    "estado_origen": _l("Clave INEGI de 2 dígitos (hoja listas)."),
    "municipio": _l("Clave INEGI de 5 dígitos (hoja listas)."),
    "municipio_origen": _l("Clave INEGI de 5 dígitos (hoja listas)."),
    "causas": _l("Claves separadas por espacios (hoja listas)."), "lenguas": _l("Claves separadas por espacios."),
    "necesidades": _l("Claves separadas por espacios."), "documentos": _l("Claves separadas por espacios."),
}
#: Rows of the template that carry a validation list.
ROWS_WITH_LISTS = 5000


def _lists(catalog: MunicipalityCatalog) -> dict[str, list[tuple[str, str]]]:
    lists: dict[str, list[tuple[str, str]]] = {name: list(choice.options) for name, choice in f.SINGLE_CHOICES.items()}
    lists.update({name: list(choice.options) for name, choice in f.MULTIPLE_CHOICES.items()})
    states = [(s.inegi_code, s.name) for s in STATES]
    lists.update(estado=states, estado_origen=states, lenguas=language_choices())
    municipalities = [(m.code, f"{m.name} ({m.state_code})") for s in STATES for m in catalog.by_state(s.inegi_code)]
    lists.update(municipio=municipalities, municipio_origen=municipalities)
    return lists


def template_xlsx(catalog: MunicipalityCatalog) -> bytes:
    """The template workbook: a `datos` sheet with the headers, and `listas` with every valid answer."""
    workbook = Workbook()
    data = workbook.active
    data.title = "datos"
    data.append(COLUMNS)
    for number, name in enumerate(COLUMNS, start=1):
        cell = data.cell(row=1, column=number)
        cell.comment = Comment(f"{f.label(name)}. {HELP.get(name, '')}".strip(), "dfi-casos")
        data.column_dimensions[get_column_letter(number)].width = max(12, len(name) + 2)
    lists = workbook.create_sheet("listas")
    column = 1
    for name, options in _lists(catalog).items():
        if name not in COLUMNS:
            continue
        lists.cell(row=1, column=column, value=name)
        lists.cell(row=1, column=column + 1, value=_("%(column)s (significado)", column=name))
        for row, (value, text) in enumerate(options, start=2):
            lists.cell(row=row, column=column, value=value)
            lists.cell(row=row, column=column + 1, value=str(text))
        if name not in f.MULTIPLE:  # a list cannot check several answers in one cell
            letter = get_column_letter(column)
            target = get_column_letter(COLUMNS.index(name) + 1)
            validation = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                                        formula1=f"{quote_sheetname('listas')}!${letter}$2:${letter}$"
                                                 f"{len(options) + 1}",
                                        error=_("Elija un valor de la hoja «listas»."),
                                        errorTitle=_("Valor no válido"))
            validation.add(f"{target}2:{target}{ROWS_WITH_LISTS}")
            data.add_data_validation(validation)
        column += 3
    data.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv() -> bytes:
    """The template's header as CSV (UTF-8 with BOM, so Excel shows the accents)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(COLUMNS)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
