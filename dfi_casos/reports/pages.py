"""Read models of the report pages: each page's tables as published (suppressed), with a chart per table."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Session

from dfi_casos.catalogs.ages import UNHCR_BANDS
from dfi_casos.catalogs.enums import AgeGroup
from dfi_casos.catalogs.geography import MunicipalityCatalog
from dfi_casos.reports import assistance, caseload, cases, charts, maps, persons
from dfi_casos.reports.export import ExportTable, published_durations, published_sums, published_table
from dfi_casos.reports.filters import ReportFilter
from dfi_casos.reports.tables import CountTable
from dfi_casos.security.access import Principal


@dataclass(frozen=True)
class Section:
    """One published table, and its chart when it has one."""

    table: ExportTable
    chart: Markup | None = None


@dataclass(frozen=True)
class ReportPage:
    """What a report page shows and exports: the same published tables."""

    key: str
    title: str
    sections: list[Section]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tables(self) -> list[ExportTable]:
        return [s.table for s in self.sections]


def chart_for(table: ExportTable, columns: list[int] | None = None, skip_total: bool = True) -> Markup:
    """A bar chart of a published table: shown numbers as bars, suppressed cells as their mark."""
    rows = [r for r in table.rows if not (skip_total and r[0] == _("Total"))]
    wanted = columns if columns is not None else list(range(1, len(table.columns)))
    wanted = [j for j in wanted if table.columns[j] != _("Total")]
    series = [charts.Series(table.columns[j], [int(r[j]) if r[j].isdigit() else r[j] for r in rows])
              for j in wanted]
    return charts.bar_chart(f"grafica-{table.name}", table.title, [r[0] for r in rows], series)


def _section(table: CountTable, threshold: int, chart: bool = True) -> Section:
    published = published_table(table, threshold)
    return Section(published, chart_for(published) if chart else None)


def unhcr_groups() -> list[list[int]]:
    """Row positions (in the fine sex × age table) summed by each UNHCR band, then "unknown"."""
    order = [*list(AgeGroup), None]
    return [[order.index(p) for p in parts] for _, _, parts in UNHCR_BANDS] + [[len(order) - 1]]


def persons_page(session: Session, user: Principal, f: ReportFilter, catalog: MunicipalityCatalog,
                 threshold: int) -> ReportPage:
    data = persons.build(session, user, f, catalog)
    sections = []
    for table in data.tables:
        section = _section(table, threshold, chart=table.name not in ("totales", "municipio_origen"))
        sections.append(section)
        if table.name.startswith("sexo_edad_"):
            unhcr = data.table("acnur_" + table.name.removeprefix("sexo_edad_"))
            sections.append(Section(published_sums(section.table, unhcr, unhcr_groups())))
    return ReportPage("personas", _("Personas y hogares registrados"), sections)


def cases_page(session: Session, user: Principal, f: ReportFilter, threshold: int, zone: ZoneInfo) -> ReportPage:
    counts, durations = cases.build(session, user, f, zone)
    sections = [_section(t, threshold, chart=t.name not in ("casos", "valoracion_pendientes")) for t in counts]
    sections += [Section(published_durations(t, threshold)) for t in durations]
    return ReportPage("casos", _("Casos: etapas, valoración y cierres"), sections)


def assistance_page(session: Session, user: Principal, f: ReportFilter, threshold: int, today: date) -> ReportPage:
    counts, durations = assistance.build(session, user, f, today)
    sections = [_section(t, threshold) for t in counts]
    sections += [Section(published_durations(t, threshold)) for t in durations]
    return ReportPage("servicios", _("Servicios y canalizaciones"), sections)


def caseload_page(session: Session, user: Principal, f: ReportFilter, today: date) -> ReportPage:
    load = caseload.build(session, user, f, today)
    rows = [[c.name, str(c.open_cases), str(c.idle_cases), str(c.overdue_actions)] for c in load.caseworkers]
    workers = ExportTable("carga_capturistas", _("Casos abiertos por persona responsable"), [
        _("Persona responsable"), _("Casos abiertos"), _("Sin actividad en más de %(n)s días", n=f.idle_days),
        _("Acciones de plan vencidas")], rows)
    queues = ExportTable("pendientes_supervision", _("Decisiones pendientes por supervisora o supervisor"), [
        _("Supervisión"), _("Solicitudes de etapa o cierre"), _("Valoraciones y recursos")],
        [[q.name, str(q.stage_requests), str(q.recognitions)] for q in load.supervisors],
        _("Cada solicitud cuenta para toda supervisora o supervisor que puede decidirla (nunca quien la pidió)."))
    chart = chart_for(workers) if rows else None
    return ReportPage("carga", _("Carga de trabajo"), [Section(workers, chart), Section(queues)],
                      {"open": load.open_cases, "idle": load.idle_cases, "overdue_actions": load.overdue_actions})


#: The map's measures: persons by the state that registered them, or by the state they fled.
MAP_MEASURES = {"registro": _l("Personas registradas, por entidad de atención"),
                "origen": _l("Personas desplazadas desde cada entidad (entidad de origen)")}


def map_page(session: Session, user: Principal, f: ReportFilter, threshold: int, measure: str,
             cumulative: bool = True) -> ReportPage:
    """The choropleth and its table: both read the same published (suppressed) column."""
    if measure == "origen":
        table = persons.origin_state_table(persons.person_cube(session, user, f))
    else:
        table = persons.attention_state_table(session, user, f)
    published = published_table(table, threshold)
    column = 2 if cumulative else 1
    visible = {row.key for row in table.rows}
    values: dict[str, int | str] = {}
    for row, shown in zip(table.rows, published.rows, strict=False):
        if row.key in visible and len(row.key) == 2 and row.key.isdigit():
            text = shown[column]
            values[row.key] = int(text) if text.isdigit() else text
    title = f"{MAP_MEASURES[measure]} ({str(table.columns[column - 1]).lower()})"
    drawing = maps.state_map(f"mapa-{measure}", title, values)
    return ReportPage("mapa", _("Mapa"), [Section(published)],
                      {"map": drawing, "legend": maps.legend(values), "title": title, "measure": measure,
                       "attribution": maps.ATTRIBUTION})
