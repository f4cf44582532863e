"""Reading uploaded files into submissions: Kobo XLSX and CSV, ODK Central zips, and our own template.

Everything is read from memory (the upload never touches the disk) and nothing is evaluated: a
formula is reported, never computed. A problem with the file as a whole raises
`FileRejected` with a Spanish message; problems of one row travel with that row.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from dfi_casos.errors import DomainError
from dfi_casos.i18n import number as format_number
from dfi_casos.imports import fields as f

#: Columns the platforms add that carry nothing for the registry (ignored without a warning).
SYSTEM_COLUMNS = frozenset({
    "start", "end", "today", "deviceid", "instanceName", "SubmissionDate", "SubmitterID", "SubmitterName",
    "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion",
    "__version__", "evento", "hogar", "discapacidad", "meta", "id_formulario", "instanceID", "KEY", "PARENT_KEY",
})
KNOWN = frozenset(f.HOUSEHOLD_FIELDS) | frozenset(f.MEMBER_FIELDS)
#: Our template names the household each row belongs to in this column.
TEMPLATE_HOUSEHOLD = "hogar"
TEMPLATE_ID = "id_formulario"


class FileRejected(DomainError):
    """The file cannot be imported at all; nothing was read into the registry."""

    field = "file"


@dataclass
class Cell:
    """An answer as read: text, a number or a date, and whether the cell held a formula."""

    value: Any
    formula: bool = False


@dataclass
class MemberRow:
    #: Where the member was read: sheet (or file) and row number, for messages.
    where: str
    answers: dict[str, Cell]


@dataclass
class Submission:
    """One household as submitted: its answers, its members' answers and the form's instance id."""

    instance_id: str
    where: str
    answers: dict[str, Cell]
    members: list[MemberRow] = field(default_factory=list)


@dataclass
class Upload:
    """What the reader found: the submissions, the format and notes about the file as a whole."""

    source: str
    submissions: list[Submission]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int


def column_name(header: Any) -> str:
    """The question a column holds: Kobo joins groups with `/`, ODK Central with `-`; the last part names it."""
    text = str(header or "").strip()
    return re.split(r"[/-]", text)[-1] if text else ""


def read_upload(filename: str, data: bytes, limits: Limits) -> Upload:
    """Read an uploaded file of any accepted kind, or raise FileRejected saying why not."""
    if len(data) > limits.max_bytes:
        raise FileRejected(_("El archivo pesa más de %(n)s MB; divídalo en partes.", n=limits.max_bytes // 1_000_000))
    if not data.strip():
        raise FileRejected(_("El archivo está vacío."))
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise FileRejected(_("Es un archivo de Excel antiguo (.xls): guárdelo como .xlsx o como CSV y súbalo "
                             "de nuevo."))
    if data[:4] == b"PK\x03\x04":
        return _read_zip(data, limits)
    if b"\x00" in data[:4096] or data[:5] == b"%PDF-":
        raise FileRejected(_("El archivo no es una hoja de cálculo: suba un .xlsx, un .csv o el .zip de ODK Central."))
    header, rows, notes = _csv_rows(data, limits)
    return _group(header, rows, "CSV", notes, filename)


# --- XLSX -------------------------------------------------------------------------------------

def _read_zip(data: bytes, limits: Limits) -> Upload:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except zipfile.BadZipFile:
        raise FileRejected(_("El archivo está dañado: no se pudo abrir.")) from None
    if "xl/workbook.xml" in names:
        return _read_xlsx(archive, data, limits)
    csvs = [n for n in names if n.lower().endswith(".csv") and not n.startswith("__MACOSX")]
    if not csvs:
        raise FileRejected(_("El .zip no contiene archivos CSV: suba el .zip que descarga ODK Central."))
    return _read_odk(archive, csvs, limits)


def _counted(rows: Iterable[list[Cell]], limits: Limits, counter: list[int]) -> Iterator[list[Cell]]:
    for cells in rows:
        if all(c.value in (None, "") for c in cells):
            continue
        counter[0] += 1
        if counter[0] > limits.max_rows:
            raise _too_many(limits)
        yield cells


#: A formula element in a worksheet's XML (`<f>`, `<f t="shared" ...>`, with or without a namespace prefix).
_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")


def _has_formulas(archive: zipfile.ZipFile) -> bool:
    return any(_FORMULA.search(archive.read(name)) for name in archive.namelist()
               if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _openpyxl_sheets(data: bytes) -> list[tuple[str, Iterable[list[Cell]]]]:
    # Only for a workbook with formulas: slower, but it says which cells hold one. read_only streams the
    # rows and data_only=False keeps each formula as its text: nothing is ever evaluated.
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    return [(ws.title, ([Cell(c.value, c.data_type == "f") for c in row] for row in ws.iter_rows()))
            for ws in workbook.worksheets]


def _calamine_sheets(data: bytes, limits: Limits) -> list[tuple[str, Iterable[list[Cell]]]]:
    # calamine (Rust) reads cell values ten times faster than openpyxl; it evaluates nothing either.
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        if sheet.height > limits.max_rows + 1:  # refused before a single row becomes Python objects
            raise _too_many(limits)
        sheets.append((name, ([Cell(v) for v in row] for row in sheet.iter_rows())))
    return sheets


def _too_many(limits: Limits) -> FileRejected:
    return FileRejected(_("El archivo tiene más de %(n)s filas; divídalo en archivos más pequeños.",
                          n=format_number(limits.max_rows)))


def _read_xlsx(archive: zipfile.ZipFile, data: bytes, limits: Limits) -> Upload:
    try:
        sheets = _openpyxl_sheets(data) if _has_formulas(archive) else _calamine_sheets(data, limits)
    except FileRejected:
        raise
    except Exception:  # noqa: BLE001 - the readers raise many types for a damaged file
        raise FileRejected(_("El archivo .xlsx está dañado o no es una hoja de cálculo válida.")) from None
    if not sheets:
        raise FileRejected(_("La hoja de cálculo no tiene hojas."))
    counter = [0]
    title, main = sheets[0]
    members = next((rows for name, rows in sheets[1:] if name == f.MEMBERS), None)
    rows = _counted(main, limits, counter)
    header = next(rows, None)
    if header is None:
        raise FileRejected(_("La hoja de cálculo no tiene filas."))
    names = [str(c.value or "") for c in header]
    if members is None:
        return _group(names, rows, "XLSX", [], title)
    upload = _group(names, rows, "Kobo XLSX", [], title, members_follow=True)
    member_rows = _counted(members, limits, counter)
    member_header = next(member_rows, None)
    if member_header is not None:
        _attach_kobo_members(upload, [str(c.value or "") for c in member_header], member_rows)
    return upload


def _attach_kobo_members(upload: Upload, header: list[str], rows: Iterator[list[Cell]]) -> None:
    # Kobo links a repeat row to its submission by _submission__uuid = the main sheet's _uuid;
    # _index changes from one export to the next, so it is never used.
    if "_submission__uuid" not in header:
        raise FileRejected(_("La hoja «miembros» no tiene la columna _submission__uuid: exporte de nuevo desde "
                           "KoboToolbox en formato XLSX con valores y encabezados XML."))
    by_uuid = {s.instance_id.removeprefix("uuid:"): s for s in upload.submissions}
    link = header.index("_submission__uuid")
    names = [column_name(h) for h in header]
    for number, cells in enumerate(rows, start=2):
        parent = by_uuid.get(str(cells[link].value or "").removeprefix("uuid:"))
        if parent is not None:
            parent.members.append(MemberRow(f"hoja {f.MEMBERS}, fila {number}", _answers(names, cells)))


# --- CSV --------------------------------------------------------------------------------------

def _decode_lines(data: bytes, notes: list[str]) -> Iterator[str]:
    """Each line as text: UTF-8 when it is, else Windows-1252 (Latin-1 as old Excel saves it), line by line."""
    latin = False
    for raw in io.BytesIO(data.removeprefix(codecs.BOM_UTF8)):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            latin = True
            yield raw.decode("cp1252", errors="replace")
    if latin:
        notes.append(_("Algunas líneas no estaban en UTF-8 y se leyeron como Latin-1 (Excel antiguo); "
                     "revise acentos y eñes."))


def _csv_rows(data: bytes, limits: Limits) -> tuple[list[str], Iterator[list[Cell]], list[str]]:
    notes: list[str] = []
    lines = _decode_lines(data, notes)
    first = next(lines, "")
    # Kobo's CSV export separates with ";", ours and ODK Central's with ","
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(_chain([first], lines), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error:
        raise FileRejected(_("El archivo no es un CSV legible.")) from None

    def rows() -> Iterator[list[Cell]]:
        count = 0
        try:
            for row in reader:
                if not any(v.strip() for v in row):
                    continue
                count += 1
                if count > limits.max_rows:
                    raise _too_many(limits)
                # In a CSV, "=..." is what a spreadsheet would run as a formula: refuse it like one.
                yield [Cell(v, v.startswith("=")) for v in row]
        except csv.Error:
            raise FileRejected(_("El CSV está mal formado cerca de la línea %(n)s.", n=reader.line_num)) from None

    return header, rows(), notes


def _chain(first: Iterable[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _read_odk(archive: zipfile.ZipFile, csvs: list[str], limits: Limits) -> Upload:
    # ODK Central: <formId>.csv, and <formId>-<repeat>.csv whose PARENT_KEY is the main KEY
    main_name = min(csvs, key=len)
    members_name = next((n for n in csvs if n.endswith(f"-{f.MEMBERS}.csv")), None)
    header, rows, notes = _csv_rows(archive.read(main_name), limits)
    if "KEY" not in header:
        raise FileRejected(_("%(file)s no tiene la columna KEY: suba el .zip tal como lo descarga ODK Central.",
                             file=main_name))
    upload = _group(header, rows, "ODK Central", notes, main_name, members_follow=True)
    if members_name is None:
        raise FileRejected(_("El .zip no trae el archivo de integrantes (%(name)s).",
                             name=f"{f.FORM_ID}-{f.MEMBERS}.csv"))
    by_key = {s.instance_id: s for s in upload.submissions}
    member_header, member_rows, more = _csv_rows(archive.read(members_name), limits)
    upload.notes.extend(more)
    if "PARENT_KEY" not in member_header:
        raise FileRejected(_("%(file)s no tiene la columna PARENT_KEY.", file=members_name))
    link = member_header.index("PARENT_KEY")
    names = [column_name(h) for h in member_header]
    for number, cells in enumerate(member_rows, start=2):
        parent = by_key.get(str(cells[link].value))
        if parent is not None:
            parent.members.append(MemberRow(_("%(file)s, línea %(n)s", file=members_name, n=number), _answers(names,
                                                                                                              cells)))
    return upload


# --- grouping rows into households -------------------------------------------------------------

def _answers(names: list[str], cells: list[Cell]) -> dict[str, Cell]:
    return {name: cell for name, cell in zip(names, cells, strict=False) if name in KNOWN and cell.value not in
            (None, "")}


def _unknown_columns(headers: list[str]) -> list[str]:
    unknown = []
    for header in headers:
        name = column_name(header)
        parts = re.split(r"[/-]", header.strip())
        if not name or name in KNOWN or name in SYSTEM_COLUMNS or name.startswith("_"):
            continue
        if len(parts) > 1 and parts[-2] in f.MULTIPLE:  # Kobo's one column per option of a multiple choice
            continue
        unknown.append(header.strip())
    return unknown


def _check_columns(names: list[str], required: Iterable[str], where: str) -> None:
    missing = [n for n in required if n not in names]
    if missing:
        listed = ", ".join(f"{n} ({f.label(n)})" for n in missing)
        raise FileRejected(_("Faltan columnas obligatorias en %(where)s: %(columns)s. Use la plantilla o el "
                             "formulario de este sistema.", where=where, columns=listed))


def _group(headers: list[str], rows: Iterator[list[Cell]], source: str, notes: list[str], where: str,
           members_follow: bool = False) -> Upload:
    names = [column_name(h) for h in headers]
    unknown = _unknown_columns(headers)
    if unknown:
        shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        notes = [*notes, _("Se ignoran columnas que este sistema no conoce: %(columns)s.", columns=shown)]
    if members_follow:
        _check_columns(names, f.REQUIRED_HOUSEHOLD, where)
        id_column = next((i for i, h in enumerate(headers) if h in ("KEY", "_uuid")), None)
        if id_column is None:
            raise FileRejected(_("No se encontró el identificador de cada envío (_uuid de Kobo o KEY de ODK)."))
        return Upload(source, [Submission(str(cells[id_column].value or "").strip(), f"{where}, fila {number}",
                                          _answers(names, cells))
                               for number, cells in enumerate(rows, start=2)], notes)
    if "_uuid" in names or "_submission_time" in names:
        raise FileRejected(_("La exportación CSV de KoboToolbox solo trae la sección principal, sin los integrantes "
                           "del hogar: exporte en formato XLSX (una hoja por grupo repetido) y súbalo."))
    _check_columns(names, (TEMPLATE_HOUSEHOLD, *f.REQUIRED_HOUSEHOLD, *f.REQUIRED_MEMBER), where)
    return Upload(_("Plantilla %(source)s", source=source), _template_households(names, rows, where), notes)


def _template_households(names: list[str], rows: Iterator[list[Cell]], where: str) -> list[Submission]:
    """Our template has one row per person; rows sharing the `hogar` value form one household."""
    by_household: dict[str, Submission] = {}
    key_column = names.index(TEMPLATE_HOUSEHOLD)
    id_column = names.index(TEMPLATE_ID) if TEMPLATE_ID in names else None
    for number, cells in enumerate(rows, start=2):
        key = str(cells[key_column].value if key_column < len(cells) else "").strip()
        answers = _answers(names, cells)
        submission = by_household.get(key)
        if submission is None:
            instance = str(cells[id_column].value or "").strip() if id_column is not None and id_column < len(
                cells) else ""
            submission = by_household[key] = Submission(instance, f"{where}, fila {number}",
                                                        {k: v for k, v in answers.items() if k in f.HOUSEHOLD_FIELDS})
        submission.members.append(MemberRow(f"{where}, fila {number}",
                                            {k: v for k, v in answers.items() if k in f.MEMBER_FIELDS}))
    return list(by_household.values())


# --- values -------------------------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)
_DATE_FORMATS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?"), ("y", "m", "d")),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), ("d", "m", "y")),
    (re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})"), ("d", "m", "y")),
)
DATE_HELP = _l("use AAAA-MM-DD, DD/MM/AAAA o DD-MM-AAAA")


class BadValue(ValueError):
    """One answer cannot be read; the message is Spanish and names no personal value."""


def parse_date(value: Any) -> date:
    """A date from a cell: a real date, an Excel serial number, or text in one of three formats."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if isinstance(value, int | float) or re.fullmatch(r"\d{5}(\.0+)?", text):
        serial = int(float(text))
        if not 1 <= serial <= 2_958_465:
            raise BadValue(_("no es una fecha válida"))
        return date.fromordinal(EXCEL_EPOCH.toordinal() + serial)
    for pattern, order in _DATE_FORMATS:
        match = pattern.fullmatch(text)
        if match:
            parts = dict(zip(order, map(int, match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise BadValue(_("la fecha no existe en el calendario")) from None
    raise BadValue(_("fecha no reconocida: %(help)s", help=DATE_HELP))


def text_of(cell: Cell | None) -> str:
    """The answer as trimmed text (a whole number stays without decimals)."""
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
