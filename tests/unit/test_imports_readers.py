"""Reading uploads: every accepted format, and a clear Spanish message for every bad one."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from dfi_casos.catalogs.geography import load_municipalities
from dfi_casos.imports.readers import BadValue, FileRejected, Limits, parse_date, read_upload
from dfi_casos.imports.rows import FileDuplicates, check_submission
from tests import import_files as files

LIMITS = Limits(max_bytes=25_000_000, max_rows=20_000)
CATALOG = load_municipalities()
TODAY = date(2026, 11, 27)


def households():
    return [files.household(files.member(), files.member("Pedro", relationship="child", sex="male",
                                                         birth="2012-05-01"))]


def checked(data, name="archivo.xlsx"):
    upload = read_upload(name, data, LIMITS)
    return [check_submission(s, CATALOG, TODAY) for s in upload.submissions]


@pytest.mark.parametrize("build,source", [(files.kobo_xlsx, "Kobo XLSX"), (files.odk_zip, "ODK Central"),
                                          (files.template_csv, "Plantilla CSV")])
def test_kobo_odk_and_template_files_give_the_same_household(build, source):
    upload = read_upload("archivo", build(households()), LIMITS)
    assert upload.source == source
    [household] = [check_submission(s, CATALOG, TODAY) for s in upload.submissions]
    assert household.ok, household.issues
    assert [m["person"]["given_names"] for m in household.clean["members"]] == ["Juana", "Pedro"]
    assert household.clean["municipality_code"] == "12001"
    assert household.clean["event"]["causes"] == ["generalized_violence"]


def test_kobo_members_are_joined_by_submission_uuid_not_by_index():
    items = households() + [files.household(files.member("Rosa", "Luna", "Paz"))]
    upload = read_upload("kobo.xlsx", files.kobo_xlsx(list(reversed(items))), LIMITS)
    by_id = {s.instance_id.removeprefix("uuid:"): len(s.members) for s in upload.submissions}
    assert by_id == {items[0]["uuid"]: 2, items[1]["uuid"]: 1}


@pytest.mark.parametrize("data,message", [
    (b"%PDF-1.4 binary", "no es una hoja de cálculo"),
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "Excel antiguo"),
    (b"PK\x03\x04garbage", "dañado"),
    (b"", "vacío"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_reason(data, message):
    with pytest.raises(FileRejected, match=message):
        read_upload("x", data, LIMITS)


def test_a_200_mb_file_is_refused_before_reading():
    with pytest.raises(FileRejected, match="pesa más de 25 MB"):
        read_upload("big.csv", b"a" * 25_000_001, LIMITS)


def test_a_file_of_100000_rows_is_refused_naming_the_limit():
    header = ",".join(files.TEMPLATE_HEADERS)
    body = "\n".join(f"{i},,12" for i in range(100_000))
    with pytest.raises(FileRejected, match="más de 20,000 filas"):
        read_upload("big.csv", f"{header}\n{body}".encode(), LIMITS)


def test_missing_required_columns_are_named_and_unknown_ones_only_noted():
    data = b"hogar,estado,nombre,parentesco,color_favorito\n1,12,Ana,head,azul\n"
    with pytest.raises(FileRejected, match="primer_apellido"):
        read_upload("t.csv", data, LIMITS)
    ok = b"hogar,estado,nombre,primer_apellido,parentesco,color_favorito\n1,12,Ana,Ruiz,head,azul\n"
    assert any("color_favorito" in note for note in read_upload("t.csv", ok, LIMITS).notes)


def test_kobo_csv_export_is_refused_because_it_has_no_members():
    data = b"fecha_entrevista;hogar/estado;_uuid;_submission_time\n2026-03-01;12;abc;2026-03-01\n"
    with pytest.raises(FileRejected, match="sin los integrantes"):
        read_upload("kobo.csv", data, LIMITS)


def test_latin1_and_utf8_lines_in_one_file_both_read_with_a_note():
    utf8 = files.template_csv(households())
    lines = utf8.decode().splitlines()
    latin = (lines[2].replace("Pedro", "Peñasco") + "\n").encode("cp1252")
    mixed = (lines[0] + "\n" + lines[1] + "\n").encode() + latin
    upload = read_upload("mixto.csv", mixed, LIMITS)
    assert any("Latin-1" in note for note in upload.notes)
    names = [m.answers["nombre"].value for m in upload.submissions[0].members]
    assert names == ["Juana", "Peñasco"]


def test_formulas_are_reported_never_evaluated():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["hogar", "estado", "nombre", "primer_apellido", "parentesco", "consentimiento_registro"])
    sheet.append([1, "12", "=HYPERLINK(\"http://x\",\"Ana\")", "Ruiz", "head", "si"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    [household] = checked(buffer.getvalue())
    assert not household.ok
    assert any("fórmula" in issue.message for issue in household.issues)


@pytest.mark.parametrize("value,expected", [
    (45992, date(2025, 12, 1)), ("45992", date(2025, 12, 1)), ("2026-03-14", date(2026, 3, 14)),
    ("14/03/2026", date(2026, 3, 14)), ("14-03-2026", date(2026, 3, 14)), ("4/3/2026", date(2026, 3, 4)),
    ("2026-03-14T10:00:00.000-06:00", date(2026, 3, 14)),
])
def test_dates_as_excel_serials_and_three_text_formats(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value,message", [("31/02/2026", "no existe"), ("03/14/2026", "no existe"),
                                           ("marzo 2026", "no reconocida")])
def test_impossible_and_unknown_dates_say_why(value, message):
    with pytest.raises(BadValue, match=message):
        parse_date(value)


def test_row_problems_name_the_curp_reason_the_unknown_municipality_and_the_heads():
    item = files.household(files.member(curp="HEGG560427MVZRRL05"),
                           files.member("Luis", relationship="head", sex="male", birth="1980-01-01"),
                           municipality="12999")
    [household] = checked(files.kobo_xlsx([item]))
    messages = " | ".join(i.message for i in household.issues)
    assert "dígito verificador" in messages
    assert "municipio desconocido" in messages
    assert "exactamente una jefa o jefe" in messages


def test_the_same_person_twice_in_a_file_is_an_error_naming_the_first_row():
    person = files.member("Ana", "Ruiz", "Paz")
    items = [files.household(person), files.household(dict(person))]
    duplicates = FileDuplicates()
    results = checked(files.kobo_xlsx(items))
    for item in results:
        duplicates.check(item)
    assert results[0].ok and not results[1].ok
    assert "repetida en el archivo" in results[1].issues[0].message


def test_no_consent_to_registration_means_the_person_is_not_imported():
    [household] = checked(files.kobo_xlsx([files.household(files.member(consentimiento_registro="no"))]))
    assert not household.ok
