"""The validation report: per row of the file, its status and problems; on screen and as CSV or XLSX."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dfi_casos.imports.models import ImportJob, ImportRow, RowStatus

#: Rows that need the importer's attention come first on screen.
ATTENTION = (RowStatus.INVALID, RowStatus.DUPLICATE, RowStatus.SKIPPED, RowStatus.ALREADY)
HEADERS = [_l("ubicación"), _l("id del envío"), _l("estado de la fila"), _l("tipo"), _l("pregunta"), _l("problema")]


@dataclass
class ReportRow:
    position: int
    instance_id: str
    status: RowStatus
    issues: list[dict[str, Any]]


def counts(session: Session, job: ImportJob) -> dict[RowStatus, int]:
    """How many households of the job are in each status."""
    rows = session.execute(select(ImportRow.status, func.count()).where(ImportRow.job_id == job.id)
                           .group_by(ImportRow.status))
    return {status: count for status, count in rows}


def report_rows(session: Session, job: ImportJob, limit: int | None, with_warnings: bool = False
                ) -> list[ReportRow]:
    """Rows with something to say, in file order; on screen only those needing attention."""
    stmt = select(ImportRow).where(ImportRow.job_id == job.id)
    if not with_warnings:
        stmt = stmt.where(ImportRow.status.in_(ATTENTION))
    stmt = stmt.order_by(ImportRow.position)
    if limit is not None:
        stmt = stmt.limit(limit)
    found = []
    for row in session.scalars(stmt):
        issues = json.loads(row.issues or "[]")
        if issues or row.status in ATTENTION:
            found.append(ReportRow(row.position, row.instance_id, row.status, issues))
    return found


def _lines(rows: list[ReportRow]) -> list[list[str]]:
    lines = []
    for row in rows:
        for issue in row.issues or [{"where": "", "message": row.status.label, "severity": "", "question": ""}]:
            lines.append([issue.get("where") or "", row.instance_id, row.status.label,
                          _("error") if issue.get("severity") == "error" else _("aviso"), issue.get("question") or "",
                          issue.get("message") or ""])
    return lines


def _safe(value: str) -> str:
    # a spreadsheet would run a cell starting with these as a formula (CSV injection)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def as_csv(rows: list[ReportRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([str(h) for h in HEADERS])
    writer.writerows([[_safe(v) for v in line] for line in _lines(rows)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(rows: list[ReportRow]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("informe")
    sheet.append([str(h) for h in HEADERS])
    for line in _lines(rows):
        sheet.append([_safe(v) for v in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
