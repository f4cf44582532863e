"""Indicators (#21): the statistics pages' published tables, suppressed as the screens publish them.

Each answer is the page's own tables (`reports.views.build_page`, the same read models and the same
small-cell suppression at SMALL_CELL_THRESHOLD): a count under the threshold, and whatever would
let one be worked back, arrives as its mark, never as a number. The filter is the screen's form
(same choices, same territory, same Spanish errors), and every answer writes the page's audit entry.
The caseload page (named staff) stays on screen.
"""
from __future__ import annotations

from typing import Any, Literal, cast

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from dfi_casos.api import bp, current_principal, requires, spec
from dfi_casos.api.common import ApiError, responses
from dfi_casos.database import local_today
from dfi_casos.extensions import db
from dfi_casos.registry import services as registry_services
from dfi_casos.reports import suppression
from dfi_casos.reports import views as report_views
from dfi_casos.reports.filters import build_form, filter_from
from dfi_casos.security import audit
from dfi_casos.security.access import Permission

TAGS = ["indicadores"]
#: The published pages, by the key of their address (as /reportes/<key>), with the summary the document shows.
PAGES = {
    "personas": "Personas y hogares registrados: tablas publicadas (conteos pequeños protegidos).",
    "casos": "Casos: etapas, valoración y cierres; tablas publicadas (conteos pequeños protegidos).",
    "servicios": "Servicios y canalizaciones: tablas publicadas (conteos pequeños protegidos).",
    "mapa": "Personas por entidad de atención o de origen (medida=registro|origen), protegidas.",
}


class IndicatorQuery(BaseModel):
    """The statistics pages' filter; without dates, the last twelve months."""

    model_config = ConfigDict(extra="forbid")

    desde: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$", description="Primer mes (AAAA-MM).")
    hasta: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$", description="Último mes (AAAA-MM).")
    entidad: str | None = Field(default=None, pattern=r"^\d{2}$", description="Clave INEGI de la entidad.")
    municipio: str | None = Field(default=None, pattern=r"^\d{5}$", description="Clave INEGI del municipio.")
    tipo_evento: str | None = Field(default=None, max_length=40, description="Tipo de evento de desplazamiento.")
    medida: Literal["registro", "origen"] | None = Field(default=None, description="Solo para el mapa.")


class IndicatorTable(BaseModel):
    name: str = Field(description="Nombre estable de la tabla.")
    title: str
    columns: list[str]
    rows: list[list[str]] = Field(description="Celdas como se publican: números o la marca de supresión.")
    note: str = ""


class IndicatorPage(BaseModel):
    key: str
    title: str
    period: dict[str, str] = Field(description="Periodo y filtros aplicados.")
    suppression: str = Field(description="Cómo se protegen los conteos pequeños (leyenda de las tablas).")
    tables: list[IndicatorTable]


def read_indicators(key: str) -> Any:
    """The published tables of one statistics page, with the screen's filter and audit entry."""
    principal = current_principal()
    session = cast(Session, db.session)
    form = build_form(request.args, principal, registry_services.municipalities())
    found = filter_from(form, principal, local_today())
    if found is None:
        errors = {name: [str(e) for e in messages] for name, messages in form.errors.items() if messages}
        raise ApiError(422, "invalid", _("El filtro no es válido."), errors)
    page = report_views.build_page(key, found)
    # Counts only, no record: the entry names the tables served, as the page's does.
    audit.record_view(session, principal, f"report_{key}", None, fields=[t.name for t in page.tables],
                      state_code=report_views.single_state(principal, found))
    body = {"key": page.key, "title": page.title, "period": found.describe(),
            "suppression": suppression.legend(report_views.threshold()),
            "tables": [{"name": t.name, "title": t.title, "columns": t.columns, "rows": t.rows, "note": t.note}
                       for t in page.tables]}
    return IndicatorPage.model_validate(body).model_dump(mode="json")


def _page_route(key: str, summary: str) -> None:
    # One rule per page, without URL arguments (as the report screens): the route walk reads an argument as a record.
    def view() -> Any:
        return read_indicators(key)

    view.__name__ = f"indicators_{key}"
    view.__doc__ = summary
    routed = requires("indicators:read", Permission.VIEW_DASHBOARD)(
        spec.validate(query=IndicatorQuery, resp=responses(IndicatorPage, errors=[422]), tags=TAGS)(view))
    bp.add_url_rule(f"/indicadores/{key}", view.__name__, routed, methods=["GET"])


for _key, _summary in PAGES.items():
    _page_route(_key, _summary)
