"""What every indicator is filtered by: a period of whole months, a state, a municipality, an event type."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, MonthField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from dfi_casos.catalogs.enums import EventType, choices
from dfi_casos.catalogs.geography import STATES, MunicipalityCatalog, state_by_code
from dfi_casos.database import local_midnight
from dfi_casos.formutil import select_choices
from dfi_casos.reports.tables import month_starts, months_back
from dfi_casos.security.access import Principal

#: Months an indicator page shows when no period is chosen, the current one included.
DEFAULT_MONTHS = 12
#: Longest period a page computes (monthly rows): ten years.
MAX_MONTHS = 120


@dataclass(frozen=True)
class ReportFilter:
    """A period of whole months [start, end] (local dates), and optional state, municipality and event type."""

    start: date
    end: date
    state_code: str | None = None
    municipality_code: str | None = None
    event_type: EventType | None = None
    #: Caseload: open cases without activity for more than this many days.
    idle_days: int = 30

    @property
    def end_exclusive(self) -> date:
        return months_back(self.end.replace(day=1), -1)

    @property
    def months(self) -> list[date]:
        return month_starts(self.start, self.end)

    def start_moment(self) -> datetime:
        """Local midnight of the first day, in UTC: timestamps (created_at) are stored in UTC."""
        return local_midnight(self.start)

    def end_moment(self) -> datetime:
        return local_midnight(self.end_exclusive)

    def describe(self) -> dict[str, str]:
        """The filter in the audit's words: codes and dates, nothing personal."""
        found = {"desde": self.start.isoformat(), "hasta": self.end.isoformat()}
        for key, value in (("entidad", self.state_code), ("municipio", self.municipality_code),
                           ("tipo_evento", self.event_type.value if self.event_type else None)):
            if value:
                found[key] = value
        return found


def month_filter(month: date, state_code: str | None = None) -> ReportFilter:
    """One calendar month (the monthly report)."""
    first = month.replace(day=1)
    return ReportFilter(start=first, end=_last_day(first), state_code=state_code)


def _last_day(first: date) -> date:
    return date.fromordinal(months_back(first, -1).toordinal() - 1)


def default_filter(today: date, state_code: str | None = None) -> ReportFilter:
    first = months_back(today.replace(day=1), DEFAULT_MONTHS - 1)
    return ReportFilter(start=first, end=_last_day(today.replace(day=1)), state_code=state_code)


def state_choices(user: Principal) -> list[tuple[str, str]]:
    """The states a user's reports may cover: all for national scope, else their own."""
    return [(s.inegi_code, s.name) for s in STATES if user.is_national or s.inegi_code in user.states]


class ReportFilterForm(FlaskForm):
    """GET filters of the indicator pages; no CSRF: they change nothing."""

    class Meta:
        csrf = False

    desde = MonthField(_l("Desde (mes)"), validators=[Optional()])
    hasta = MonthField(_l("Hasta (mes)"), validators=[Optional()])
    entidad = SelectField(_l("Entidad"), validators=[Optional()])
    municipio = SelectField(_l("Municipio de residencia"), validators=[Optional()])
    tipo_evento = SelectField(_l("Tipo de evento"), choices=select_choices(choices(EventType), blank=_l("Todos")),
                              validators=[Optional()])
    dias = IntegerField(_l("Días sin actividad"), validators=[Optional(), NumberRange(
        1, 3650, _l("Escriba un número de días entre 1 y 3650."))])

    def validate_hasta(self, field: Any) -> None:
        if field.data and self.desde.data and field.data < self.desde.data:
            raise ValidationError(_("El mes final no puede ser anterior al inicial."))
        if field.data and self.desde.data and len(month_starts(self.desde.data, field.data)) > MAX_MONTHS:
            raise ValidationError(_("Elija un periodo de a lo más %(n)s meses.", n=MAX_MONTHS))


def build_form(args: Any, user: Principal, catalog: MunicipalityCatalog) -> ReportFilterForm:
    """The filter form over the request's query string, with choices limited to the user's territory."""
    form = ReportFilterForm(formdata=args)
    states = state_choices(user)
    form.entidad.choices = select_choices(states, blank=_("Todo su territorio") if len(states) > 1 else None)
    chosen = form.entidad.data or (states[0][0] if len(states) == 1 else "")
    form.municipio.choices = select_choices(catalog.choices(chosen) if chosen else [], blank=_("Todos"))
    return form


def filter_from(form: ReportFilterForm, user: Principal, today: date) -> ReportFilter | None:
    """The filter the form asks for, or None when it is invalid (its fields then carry the Spanish errors)."""
    if not form.validate():
        return None
    base = default_filter(today)
    start = form.desde.data or (months_back(form.hasta.data, DEFAULT_MONTHS - 1) if form.hasta.data else base.start)
    end = _last_day(form.hasta.data) if form.hasta.data else base.end
    if form.hasta.data is None and start > end:
        end = _last_day(start)
    states = [code for code, _ in state_choices(user)]
    state = form.entidad.data or (states[0] if len(states) == 1 else None)
    if state is not None and state_by_code(state) is None:
        form.entidad.errors = [_("Elija una entidad de la lista.")]
        return None
    event_type = EventType(form.tipo_evento.data) if form.tipo_evento.data else None
    return ReportFilter(start=start.replace(day=1), end=end, state_code=state,
                        municipality_code=form.municipio.data or None, event_type=event_type,
                        idle_days=form.dias.data or 30)


def month_of(form: ReportFilterForm, today: date) -> date:
    """The month the monthly report covers: the form's "Hasta" (or "Desde"), else the previous month."""
    chosen = form.hasta.data or form.desde.data
    return chosen.replace(day=1) if chosen else months_back(today.replace(day=1), 1)
