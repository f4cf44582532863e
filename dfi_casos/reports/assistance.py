"""Services and referrals: by type and institution, response times, overdue referrals."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dfi_casos.cases.models import Case, Referral, Service
from dfi_casos.catalogs.enums import AssistanceType, ReferralStatus, ServiceStatus
from dfi_casos.registry.models import Institution
from dfi_casos.reports.cases import _cases
from dfi_casos.reports.filters import ReportFilter
from dfi_casos.reports.tables import CountRow, CountTable, DurationRow, DurationTable, percentile
from dfi_casos.security.access import Principal

#: Referrals still waiting on the institution.
WAITING = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)
NO_INSTITUTION = _l("Sin institución registrada")


def _institutions(session: Session, ids: set[int | None]) -> list[tuple[int | None, str]]:
    """Every active institution and any other with a count: listing only non-zero rows would tell that a
    "<5" row is at least one."""
    named = {i.id: i.name for i in session.scalars(select(Institution).where(
        Institution.active.is_(True) | Institution.id.in_([i for i in ids if i is not None])))}
    rows: list[tuple[int | None, str]] = sorted(named.items(), key=lambda item: item[1])
    return rows + ([(None, str(NO_INSTITUTION))] if None in ids else [])


def services_by_type(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    """Services given in the period by type: all recorded, and delivered."""
    stmt = (_cases(user, f, Service.assistance_type, Service.status, func.count())
            .join(Service, Service.case_id == Case.id)
            .where(Service.provided_on >= f.start, Service.provided_on < f.end_exclusive)
            .group_by(Service.assistance_type, Service.status))
    recorded: dict[AssistanceType, int] = defaultdict(int)
    delivered: dict[AssistanceType, int] = defaultdict(int)
    for kind, status, n in session.execute(stmt):
        recorded[kind] += n
        if status == ServiceStatus.DELIVERED:
            delivered[kind] += n
    rows = [CountRow(t.value, t.label, [recorded[t], delivered[t]]) for t in AssistanceType]
    return CountTable("servicios_tipo", _("Asistencia y servicios por tipo (periodo)"), _("Tipo"),
                      [_("Registrados"), _("Entregados")], rows)


def services_by_institution(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    stmt = (_cases(user, f, Service.institution_id, func.count()).join(Service, Service.case_id == Case.id)
            .where(Service.provided_on >= f.start, Service.provided_on < f.end_exclusive)
            .group_by(Service.institution_id))
    found = dict(session.execute(stmt).tuples().all())
    rows = [CountRow(str(i or ""), name, [found.get(i, 0)]) for i, name in _institutions(session, set(found))]
    return CountTable("servicios_institucion", _("Asistencia y servicios por institución (periodo)"), _("Institución"),
                      [_("Servicios")], rows)


def referrals_by_need(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    """Referrals sent in the period by need, and how many of them are answered (no longer "enviada")."""
    stmt = (_cases(user, f, Referral.need, Referral.status, func.count()).join(Referral, Referral.case_id == Case.id)
            .where(Referral.sent_on >= f.start, Referral.sent_on < f.end_exclusive)
            .group_by(Referral.need, Referral.status))
    sent: dict[AssistanceType, int] = defaultdict(int)
    answered: dict[AssistanceType, int] = defaultdict(int)
    for need, status, n in session.execute(stmt):
        sent[need] += n
        if status != ReferralStatus.SENT:
            answered[need] += n
    rows = [CountRow(t.value, t.label, [sent[t], answered[t]]) for t in AssistanceType]
    return CountTable("canalizaciones_tipo", _("Canalizaciones por necesidad (enviadas en el periodo)"), _("Necesidad"),
                      [_("Enviadas"), _("Con respuesta")], rows)


def referrals_by_institution(session: Session, user: Principal, f: ReportFilter, today: date) -> CountTable:
    """Referrals sent in the period, and those overdue today (waiting past their due date), by institution."""
    sent = dict(session.execute(
        _cases(user, f, Referral.institution_id, func.count()).join(Referral, Referral.case_id == Case.id)
        .where(Referral.sent_on >= f.start, Referral.sent_on < f.end_exclusive)
        .group_by(Referral.institution_id)).tuples().all())
    overdue = dict(session.execute(
        _cases(user, f, Referral.institution_id, func.count()).join(Referral, Referral.case_id == Case.id)
        .where(Referral.status.in_(WAITING), Referral.due_on < today)
        .group_by(Referral.institution_id)).tuples().all())
    rows = [CountRow(str(i), name, [sent.get(i, 0), overdue.get(i, 0)])
            for i, name in _institutions(session, set(sent) | set(overdue))]
    return CountTable("canalizaciones_institucion", _("Canalizaciones por institución"), _("Institución"),
                      [_("Enviadas en el periodo"), _("Vencidas hoy (cualquier fecha de envío)")], rows,
                      note=_("Vencida: enviada o aceptada y sin atender después de su fecha límite."))


def response_times(session: Session, user: Principal, f: ReportFilter) -> DurationTable:
    """Days from sending a referral to the institution's first answer, for answers given in the period."""
    stmt = (_cases(user, f, Referral.institution_id, Referral.sent_on, Referral.responded_at)
            .join(Referral, Referral.case_id == Case.id)
            .where(Referral.responded_at >= f.start_moment(), Referral.responded_at < f.end_moment()))
    days: dict[int | None, list[float]] = defaultdict(list)
    every: list[float] = []
    for institution_id, sent_on, responded_at in session.execute(stmt):
        value = float(max(0, (_local_date(responded_at) - sent_on).days))
        days[institution_id].append(value)
        every.append(value)
    rows = [_duration("todas", _("Todas las instituciones"), every)]
    rows += [_duration(str(i), name, days[i]) for i, name in _institutions(session, set(days))]
    return DurationTable("respuesta_canalizaciones", _("Tiempo de respuesta de las canalizaciones"), _("Institución"),
                         rows, note=_("Días desde el envío hasta la primera respuesta (aceptada o rechazada)."))


def _duration(key: str, label: str, values: list[float]) -> DurationRow:
    ordered = sorted(values)
    return DurationRow(key, label, len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9))


def _local_date(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


Tables = tuple[list[CountTable], list[DurationTable]]


def build(session: Session, user: Principal, f: ReportFilter, today: date) -> Tables:
    counts = [services_by_type(session, user, f), services_by_institution(session, user, f),
              referrals_by_need(session, user, f), referrals_by_institution(session, user, f, today)]
    return counts, [response_times(session, user, f)]
