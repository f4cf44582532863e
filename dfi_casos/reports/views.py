"""Report pages: the indicators (persons, cases, services, caseload), the map and the monthly report, and their
audited exports. Every number comes from `pages` already suppressed; views parse the filter and render."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dfi_casos.database import local_today
from dfi_casos.extensions import db
from dfi_casos.registry import services as registry_services
from dfi_casos.reports import export, monthly, pages
from dfi_casos.reports.filters import ReportFilter, build_form, filter_from, month_of
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, require_permission

bp = Blueprint("reports", __name__, url_prefix="/reportes")

EXPORT_FORMATS = {"csv": (export.to_csv, export.CSV_MEDIA_TYPE), "xlsx": (export.to_xlsx, export.XLSX_MEDIA_TYPE)}
#: Pages whose tables may be exported (caseload is about staff and stays on screen).
EXPORTABLE = ("personas", "mapa", "casos", "servicios")
PAGES = {"personas": _l("Personas y hogares"), "mapa": _l("Mapa"), "casos": _l("Casos"),
         "servicios": _l("Servicios y canalizaciones"), "carga": _l("Carga de trabajo")}


def threshold() -> int:
    return int(current_app.config["SMALL_CELL_THRESHOLD"])


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))


def single_state(user: Principal, f: ReportFilter | None = None) -> str | None:
    """The state an audit entry belongs to, so that state auditors find it (None: national reading)."""
    if f is not None and f.state_code:
        return f.state_code
    return user.states[0] if not user.is_national and len(user.states) == 1 else None


def build_page(key: str, f: ReportFilter) -> pages.ReportPage:
    session, today = db.session, local_today()
    if key == "personas":
        return pages.persons_page(session, current_user, f, registry_services.municipalities(), threshold())
    if key == "mapa":
        measure = request.args.get("medida", "registro")
        return pages.map_page(session, current_user, f, threshold(), measure if measure in pages.MAP_MEASURES
                              else "registro")
    if key == "casos":
        return pages.cases_page(session, current_user, f, threshold(), zone())
    if key == "servicios":
        return pages.assistance_page(session, current_user, f, threshold(), today)
    return pages.caseload_page(session, current_user, f, today)


@bp.route("/")
@require_permission(Permission.VIEW_DASHBOARD)
def index() -> Any:
    return render_template("reports/index.html", pages=PAGES)


def indicator_page(key: str) -> Any:
    form = build_form(request.args, current_user, registry_services.municipalities())
    f = filter_from(form, current_user, local_today())
    page = build_page(key, f) if f is not None else None
    if page is not None and f is not None:
        # Counts only, no record: the entry names the tables shown.
        audit.record_view(db.session, current_user, f"report_{key}", None, fields=[t.name for t in page.tables],
                          state_code=single_state(current_user, f))
    query = {k: v for k, v in request.args.items() if v}
    return render_template("reports/page.html", key=key, page=page, form=form, filters=f, query=query,
                           measures=pages.MAP_MEASURES,
                           pages=PAGES, can_export=key in EXPORTABLE and has_permission(
                               current_user, Permission.EXPORT_STATISTICS),
                           legend=export.legend(threshold())), 200 if page is not None else 400


def export_page(key: str, fmt: str) -> Any:
    form = build_form(request.args, current_user, registry_services.municipalities())
    f = filter_from(form, current_user, local_today())
    if f is None:
        return render_template("reports/page.html", key=key, page=None, form=form, filters=None, query={},
                               pages=PAGES, can_export=False, legend=""), 400
    page = build_page(key, f)
    audit.record_export(db.session, current_user, f"report_{key}", count=len(page.tables), file_format=fmt,
                        state_code=single_state(current_user, f), tables=[t.name for t in page.tables],
                        threshold=threshold(), filters=f.describe())
    return attachment(EXPORT_FORMATS[fmt][0](page.tables), EXPORT_FORMATS[fmt][1],
                      f"reporte-{key}-{f.start.isoformat()[:7]}-{f.end.isoformat()[:7]}.{fmt}")


def _page_view(key: str) -> Any:
    def view() -> Any:
        return indicator_page(key)

    view.__name__ = f"page_{key}"  # the endpoint: reports.page_personas, ...
    return require_permission(Permission.VIEW_DASHBOARD)(view)


def _export_view(key: str, fmt: str) -> Any:
    def view() -> Any:
        return export_page(key, fmt)

    view.__name__ = f"export_{key}_{fmt}"
    return require_permission(Permission.EXPORT_STATISTICS)(view)


# One rule per page and format, without URL arguments: the route walker reads an argument as a record.
for _key in PAGES:
    bp.add_url_rule(f"/{_key}", view_func=_page_view(_key))
for _key in EXPORTABLE:
    for _fmt in EXPORT_FORMATS:
        bp.add_url_rule(f"/{_key}.{_fmt}", view_func=_export_view(_key, _fmt))


def attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                   "Content-Type": media_type})




# --- the monthly report --------------------------------------------------------------------------------

@bp.route("/informe-mensual")
@require_permission(Permission.EXPORT_STATISTICS)
def monthly_form() -> Any:
    form = build_form(request.args, current_user, registry_services.municipalities())
    return render_template("reports/monthly.html", form=form, pages=PAGES)


@bp.route("/informe-mensual.pdf")
@require_permission(Permission.EXPORT_STATISTICS)
def monthly_pdf() -> Any:
    return monthly_report("pdf")


@bp.route("/informe-mensual.xlsx")
@require_permission(Permission.EXPORT_STATISTICS)
def monthly_xlsx() -> Any:
    return monthly_report("xlsx")


def monthly_report(fmt: str) -> Any:
    form = build_form(request.args, current_user, registry_services.municipalities())
    f = filter_from(form, current_user, local_today())
    if f is None:
        return render_template("reports/monthly.html", form=form, pages=PAGES), 400
    month = month_of(form, local_today())
    report = monthly.build(db.session, current_user, month, f.state_code, registry_services.municipalities(),
                           threshold(), zone(), local_today())
    if fmt == "pdf":
        body = monthly.to_pdf(db.session, current_user, report, threshold(), local_today().isoformat())
        media_type = "application/pdf"
    else:
        body = monthly.to_xlsx(db.session, current_user, report, threshold())
        media_type = export.XLSX_MEDIA_TYPE
    where = f.state_code or "nacional"
    return attachment(body, media_type, f"informe-mensual-{where}-{month.isoformat()[:7]}.{fmt}")
