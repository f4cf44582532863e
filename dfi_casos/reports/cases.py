"""Case flows: entries into and exits from each stage by month, time spent in each stage, recognition
decisions and appeals, closures by reason ("solución duradera alcanzada" apart from every other reason)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from dfi_casos.cases.models import Appeal, Case, Recognition, StageTransition
from dfi_casos.catalogs.enums import ClosureReason, RecognitionDecision, Stage
from dfi_casos.registry.models import DisplacementEvent, Household, Person
from dfi_casos.reports.filters import ReportFilter
from dfi_casos.reports.tables import CountRow, CountTable, DurationRow, DurationTable, month_key, percentile
from dfi_casos.scope import not_blocked_clause, reportable_person, territory_clause
from dfi_casos.security.access import Principal

Event = aliased(DisplacementEvent)
SubjectPerson = aliased(Person)
SECONDS_PER_DAY = 86400


def _cases(user: Principal, f: ReportFilter, *columns: Any) -> Select[Any]:
    """SELECT `columns` over the cases of the user's territory, filtered by state, by the municipality of the
    subject (household or person) and by the type of the household's event."""
    # A case whose subject person is blocked is not counted (not_blocked_clause); nor are they, in persons.py.
    stmt = select(*columns).select_from(Case).where(
        territory_clause(user, Case.state_code), not_blocked_clause(Case),
        or_(Case.person_id.is_(None), reportable_person(Case.person_id)))
    if f.state_code:
        stmt = stmt.where(Case.state_code == f.state_code)
    if f.municipality_code or f.event_type:
        stmt = (stmt.outerjoin(Household, Household.id == Case.household_id)
                .outerjoin(SubjectPerson, SubjectPerson.id == Case.person_id))
    if f.municipality_code:
        stmt = stmt.where(or_(Household.municipality_code == f.municipality_code,
                              SubjectPerson.municipality_code == f.municipality_code))
    if f.event_type:
        stmt = stmt.outerjoin(Event, Event.id == Household.event_id).where(Event.event_type == f.event_type)
    return stmt


def _month_of(moment: datetime | date, zone: Any) -> str:
    if isinstance(moment, datetime):
        return month_key(moment.astimezone(zone).date())
    return month_key(moment)


def stage_flows(session: Session, user: Principal, f: ReportFilter, zone: Any) -> tuple[CountTable, CountTable]:
    """Entries into and exits from each stage, by month of the period (a case's opening enters its first stage)."""
    stmt = _cases(user, f, StageTransition.from_stage, StageTransition.to_stage, StageTransition.occurred_at).join(
        StageTransition, StageTransition.case_id == Case.id).where(
        StageTransition.occurred_at >= f.start_moment(), StageTransition.occurred_at < f.end_moment())
    months = [month_key(m) for m in f.months]
    entries: dict[tuple[str, Stage], int] = defaultdict(int)
    exits: dict[tuple[str, Stage], int] = defaultdict(int)
    for from_stage, to_stage, at in session.execute(stmt):
        month = _month_of(at, zone)
        entries[(month, to_stage)] += 1
        if from_stage is not None:
            exits[(month, from_stage)] += 1

    def table(name: str, title: str, counts: dict[tuple[str, Stage], int], stages: list[Stage]) -> CountTable:
        rows = [CountRow(m, m, [counts[(m, s)] for s in stages]) for m in months]
        return CountTable(name, title, _("Mes"), [s.label for s in stages], rows)

    open_stages = [s for s in Stage if s is not Stage.CLOSED]
    return (table("entradas_etapa", _("Casos que entraron a cada etapa, por mes"), entries, list(Stage)),
            table("salidas_etapa", _("Casos que salieron de cada etapa, por mes"), exits, open_stages))


def time_in_stage(session: Session, user: Principal, f: ReportFilter) -> DurationTable:
    """Days spent in each stage by the stays that ended in the period (median and 90th percentile)."""
    following = func.lead(StageTransition.occurred_at, type_=StageTransition.occurred_at.type).over(
        partition_by=StageTransition.case_id, order_by=(StageTransition.occurred_at, StageTransition.id))
    stays = (_cases(user, f, StageTransition.to_stage.label("stage"), StageTransition.occurred_at.label("entered"),
                    following.label("left"))
             .join(StageTransition, StageTransition.case_id == Case.id).subquery())
    stmt = select(stays.c.stage, stays.c.entered, stays.c.left).where(
        stays.c.left.is_not(None), stays.c.left >= f.start_moment(), stays.c.left < f.end_moment())
    days: dict[Stage, list[float]] = defaultdict(list)
    for stage, entered, left in session.execute(stmt):
        days[stage].append(_days_between(entered, left))
    rows = []
    for stage in (s for s in Stage if s is not Stage.CLOSED):
        values = sorted(days[stage])
        rows.append(DurationRow(stage.value, stage.label, len(values), percentile(values, 0.5),
                                percentile(values, 0.9)))
    return DurationTable("tiempo_etapa", _("Tiempo en cada etapa (estancias que terminaron en el periodo)"), _("Etapa"),
                         rows, note=_("Días naturales, con decimales; las estancias aún abiertas no cuentan."))


def _days_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / SECONDS_PER_DAY, 1)


def recognition(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    """Recognition decisions and appeal decisions made in the period, by outcome."""
    def decided(model: Any) -> dict[RecognitionDecision, int]:
        stmt = (_cases(user, f, model.decision, func.count()).join(model, model.case_id == Case.id)
                .where(model.decided_at >= f.start_moment(), model.decided_at < f.end_moment())
                .group_by(model.decision))
        return {decision: n for decision, n in session.execute(stmt)}

    first, appeal = decided(Recognition), decided(Appeal)
    rows = [CountRow(d.value, d.label, [first.get(d, 0), appeal.get(d, 0)]) for d in RecognitionDecision]
    return CountTable("valoracion", _("Decisiones de valoración y de recurso de revisión en el periodo"), _("Decisión"),
                      [_("Valoración"), _("Recurso de revisión")], rows)


def appeals_and_pending(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    """Appeals filed in the period; intakes and appeals awaiting a decision at the end of the period."""
    end = f.end_moment()
    filed = session.scalar(_cases(user, f, func.count()).join(Appeal, Appeal.case_id == Case.id).where(
        Appeal.filed_at >= f.start_moment(), Appeal.filed_at < end)) or 0
    waiting_first = session.scalar(_cases(user, f, func.count()).join(Recognition, Recognition.case_id == Case.id)
                                   .where(Recognition.submitted_at < end,
                                          or_(Recognition.decided_at.is_(None), Recognition.decided_at >= end))) or 0
    waiting_appeal = session.scalar(_cases(user, f, func.count()).join(Appeal, Appeal.case_id == Case.id).where(
        Appeal.filed_at < end, or_(Appeal.decided_at.is_(None), Appeal.decided_at >= end))) or 0
    rows = [CountRow("recursos", _("Recursos de revisión presentados en el periodo"), [filed]),
            CountRow("pendientes_valoracion", _("Valoraciones pendientes al cierre"), [waiting_first]),
            CountRow("pendientes_recurso", _("Recursos pendientes al cierre"), [waiting_appeal])]
    return CountTable("valoracion_pendientes", _("Recursos y valoraciones pendientes"), _("Indicador"), [_("Casos")],
                      rows,
                      overlapping=True)


def closures(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    """Cases closed in the period by reason; "solución duradera alcanzada" first and apart from the rest."""
    stmt = (_cases(user, f, Case.closure_reason, func.count())
            .where(Case.closed_on >= f.start, Case.closed_on < f.end_exclusive, Case.closure_reason.is_not(None))
            .group_by(Case.closure_reason))
    found = {reason: n for reason, n in session.execute(stmt)}
    durable = ClosureReason.DURABLE_SOLUTION_ACHIEVED
    rows = [CountRow(durable.value, durable.label, [found.get(durable, 0)])]
    rows += [CountRow(r.value, _("Otro motivo: %(reason)s", reason=r.label), [found.get(r, 0)])
             for r in ClosureReason if r is not durable]
    return CountTable("cierres", _("Casos cerrados en el periodo por motivo"), _("Motivo de cierre"), [_("Casos")],
                      rows,
                      note=_("Solo «solución duradera alcanzada» (criterios IASC) saca a las personas del conteo de "
                           "desplazamiento (IRIS); los demás motivos se muestran aparte."))


def open_at_end(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    """Cases opened in the period, and cases open at its end (opened before, not yet closed then)."""
    opened = session.scalar(_cases(user, f, func.count()).where(
        Case.opened_on >= f.start, Case.opened_on < f.end_exclusive)) or 0
    still_open = session.scalar(_cases(user, f, func.count()).where(
        Case.opened_on < f.end_exclusive, or_(Case.closed_on.is_(None), Case.closed_on >= f.end_exclusive))) or 0
    rows = [CountRow("abiertos_periodo", _("Casos abiertos en el periodo"), [opened]),
            CountRow("abiertos_cierre", _("Casos abiertos al cierre del periodo"), [still_open])]
    return CountTable("casos", _("Casos abiertos"), _("Indicador"), [_("Casos")], rows, overlapping=True)


Tables = tuple[list[CountTable], list[DurationTable]]


def build(session: Session, user: Principal, f: ReportFilter, zone: Any) -> Tables:
    entries, exits = stage_flows(session, user, f, zone)
    counts = [open_at_end(session, user, f), entries, exits, recognition(session, user, f),
              appeals_and_pending(session, user, f), closures(session, user, f)]
    return counts, [time_in_stage(session, user, f)]

