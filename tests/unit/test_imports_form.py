"""The field form: shipped file equals a fresh generation, pyxform converts it, its CURP rule is RENAPO's."""
from __future__ import annotations

import re
from xml.etree import ElementTree

import elementpath
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from dfi_casos.catalogs.geography import load_municipalities
from dfi_casos.imports import fields
from dfi_casos.imports.xlsform import CURP_PATTERN, curp_constraint, form_content, shipped_form_path, write_form
from dfi_casos.registry.curp import make_curp, validate_curp


def sheet_values(path):
    workbook = load_workbook(path, read_only=True)
    try:
        return {ws.title: [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
                for ws in workbook.worksheets}
    finally:
        workbook.close()


def test_the_shipped_form_equals_a_fresh_generation(tmp_path):
    fresh = tmp_path / "fresh.xlsx"
    write_form(fresh)
    assert sheet_values(shipped_form_path()) == sheet_values(fresh), \
        "registro_dfi.xlsx está desactualizado: ejecute `dfi-casos imports form`"


def test_pyxform_converts_the_shipped_form_into_an_xform_with_instance_id_and_cascading_municipalities():
    result = convert(xlsform=str(shipped_form_path()), validate=False, warnings=(warnings := []))
    assert warnings == []
    xform = result.xform
    assert "instanceID" in xform
    assert "/data/hogar/miembros" in xform or "miembros" in xform
    assert "estado = " in xform or "estado=" in xform  # the choice filter of municipalities


def test_every_question_the_importer_reads_is_in_the_form_and_every_municipality_is_listed():
    content = form_content()
    names = {row[1] for row in content["survey"][1:]}
    assert set(fields.HOUSEHOLD_FIELDS) | set(fields.MEMBER_FIELDS) <= names
    municipalities = [row for row in content["choices"] if row[0] == "municipio"]
    assert len(municipalities) == len(load_municipalities())
    assert all(row[3] == row[1][:2] for row in municipalities), "each municipality names its state for the filter"


def test_the_curp_constraint_accepts_valid_curps_and_refuses_a_wrong_check_digit():
    arithmetic = curp_constraint().split(" and ", 1)[1]

    def accepts(curp):
        element = ElementTree.fromstring(f"<curp>{curp}</curp>")  # noqa: S314 - our own literal
        return bool(re.fullmatch(CURP_PATTERN.strip("^$"), curp)) and elementpath.select(
            element, arithmetic, parser=elementpath.XPath1Parser)

    from datetime import date
    built = make_curp("Núñez", "Ávila", "María José", date(2003, 2, 1), "X", "OC")
    for curp in ("HEGG560427MVZRRL04", "MAHJ280603MSPRRV09", built):
        validate_curp(curp)
        assert accepts(curp), curp
    assert not accepts("HEGG560427MVZRRL05")
    assert not accepts("HEGG560427MZZRRL04"), "ZZ is no state code"
