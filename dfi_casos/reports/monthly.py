"""The monthly report ("Informe mensual"): one month, a state or the nation, every indicator suppressed as
published, with charts; written to PDF (dfi_casos.pdf) or XLSX, and audited as an export."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from dfi_casos.catalogs.geography import MunicipalityCatalog, state_by_code
from dfi_casos.pdf import html_to_pdf
from dfi_casos.reports import export, pages
from dfi_casos.reports.filters import month_filter
from dfi_casos.security import audit
from dfi_casos.security.access import Principal

MONTHS = (_l("enero"), _l("febrero"), _l("marzo"), _l("abril"), _l("mayo"), _l("junio"), _l("julio"),
          _l("agosto"), _l("septiembre"), _l("octubre"), _l("noviembre"), _l("diciembre"))


@dataclass(frozen=True)
class MonthlyReport:
    month: date
    state_code: str | None
    title: str
    parts: list[pages.ReportPage]
    legend: str

    @property
    def tables(self) -> list[export.ExportTable]:
        return [t for part in self.parts for t in part.tables]


def territory_name(state_code: str | None) -> str:
    state = state_by_code(state_code) if state_code else None
    return state.name if state else _("Nacional")


def build(session: Session, actor: Principal, month: date, state_code: str | None, catalog: MunicipalityCatalog,
          threshold: int, zone: ZoneInfo, today: date) -> MonthlyReport:
    """Every indicator of one month for a state (or the actor's whole territory when None)."""
    f = month_filter(month, state_code)
    parts = [pages.persons_page(session, actor, f, catalog, threshold),
             pages.map_page(session, actor, f, threshold, "origen", cumulative=False),
             pages.cases_page(session, actor, f, threshold, zone),
             pages.assistance_page(session, actor, f, threshold, today)]
    title = _("Informe mensual · %(territory)s · %(month)s de %(year)s", territory=territory_name(state_code),
              month=str(MONTHS[month.month - 1]), year=month.year)
    return MonthlyReport(month.replace(day=1), state_code, title, parts, export.legend(threshold))


def _audit(session: Session, actor: Principal, report: MonthlyReport, fmt: str, threshold: int, **facts: Any) -> None:
    audit.record_export(session, actor, "monthly_report", count=len(report.tables), file_format=fmt,
                        state_code=report.state_code, tables=[t.name for t in report.tables], threshold=threshold,
                        month=report.month.isoformat()[:7], **facts)


def to_pdf(session: Session, actor: Principal, report: MonthlyReport, threshold: int, generated_at: str) -> bytes:
    """The report as PDF; writes the export entry."""
    html = render_template("reports/monthly_pdf.html", report=report, generated_at=generated_at)
    pdf = html_to_pdf(html)
    _audit(session, actor, report, "pdf", threshold, pages=pdf.pages)
    return pdf.content


def to_xlsx(session: Session, actor: Principal, report: MonthlyReport, threshold: int) -> bytes:
    """The report's tables as a workbook; writes the export entry."""
    content = export.to_xlsx(report.tables)
    _audit(session, actor, report, "xlsx", threshold)
    return content
