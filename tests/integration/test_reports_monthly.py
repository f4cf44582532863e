"""The monthly report: one click to PDF or XLSX, from the web and the command line, audited as an export."""
from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from dfi_casos.security.audit import AuditEvent
from tests import report_fixture


def _export_entry(db):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()


def test_supervisor_downloads_the_monthly_pdf_of_their_state(client, db, login_as):
    report_fixture.build(db)
    login_as("supervisor", ["12"])
    response = client.get("/reportes/informe-mensual.pdf?hasta=2026-10")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].endswith('informe-mensual-12-2026-10.pdf"')
    entry = _export_entry(db)
    details = json.loads(entry.details)
    assert entry.object_type == "monthly_report" and entry.object_state == "12"
    assert details["month"] == "2026-10" and details["format"] == "pdf" and details["pages"] >= 1
    assert "sexo_edad_nuevas" in details["tables"]


def test_monthly_xlsx_holds_the_suppressed_tables(client, db, login_as):
    report_fixture.build(db)
    login_as("supervisor", None)
    response = client.get("/reportes/informe-mensual.xlsx?hasta=2026-10")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["totales"]
    # October 2026, national: G1 (10) and C1 (20) are new; 50 registered by the end of October
    assert [c.value for c in sheet[3]] == ["Personas", 30, 50]
    assert [c.value for c in sheet[4]] == ["Hogares", "<5", "<5"]  # 2 and 4 households: small cells
    assert json.loads(_export_entry(db).details)["format"] == "xlsx"


def test_caseworkers_cannot_download_the_monthly_report(client, db, login_as):
    login_as("caseworker", ["12"])
    assert client.get("/reportes/informe-mensual.pdf").status_code == 404


def test_command_line_writes_the_monthly_report_and_audits_it(app, db, tmp_path):
    report_fixture.build(db)
    db.commit()
    out = tmp_path / "f.xlsx"
    result = app.test_cli_runner().invoke(args=["report", "monthly", "--state", "12", "--month", "2026-11",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Guerrero" in result.output
    sheet = load_workbook(out)["totales"]
    assert [c.value for c in sheet[3]] == ["Personas", 12, 30]


def test_command_line_refuses_a_bad_month_in_spanish(app):
    result = app.test_cli_runner().invoke(args=["report", "monthly", "--month", "noviembre", "--out", "x.pdf"])
    assert result.exit_code != 0 and "AAAA-MM" in result.output
