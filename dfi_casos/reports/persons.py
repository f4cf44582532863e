"""Persons and households registered: new in the period and cumulative, by sex, age, identity, disability,
origin, cause and event type. Everything is grouped in SQL over plain columns: nothing is decrypted.

A person's origin is the displacement event of their current household (origin state and municipality,
event type, causes); a person in no household, or in one with no event, counts as "sin evento registrado".
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from dfi_casos.catalogs.ages import UNHCR_BANDS, UNKNOWN_AGE
from dfi_casos.catalogs.enums import (
    AgeGroup,
    DisabilityDomain,
    DisabilityLevel,
    DisplacementCause,
    EventType,
    RegisteredSex,
)
from dfi_casos.catalogs.geography import STATES, MunicipalityCatalog
from dfi_casos.registry.models import DisplacementEvent, EventCause, Household, HouseholdMembership, Person
from dfi_casos.reports.filters import ReportFilter
from dfi_casos.reports.tables import CountRow, CountTable
from dfi_casos.scope import not_blocked_clause, reportable_person, territory_clause
from dfi_casos.security.access import Principal

NEW, CUMULATIVE = _l("Nuevas en el periodo"), _l("Acumuladas al cierre del periodo")
COLUMNS = [NEW, CUMULATIVE]


def _columns() -> list[str]:
    return [str(c) for c in COLUMNS]
NO_EVENT = _l("Sin evento registrado")
#: Washington Group: a domain counts with "mucha dificultad" or "no puede hacerlo".
DISABLED_LEVELS = (DisabilityLevel.A_LOT_OF_DIFFICULTY.value, DisabilityLevel.CANNOT_DO.value)

Membership = aliased(HouseholdMembership)
Event = aliased(DisplacementEvent)


def _persons(user: Principal, f: ReportFilter, *columns: Any) -> Select[Any]:
    """SELECT `columns` over the persons of the user's territory registered before the period's end,
    joined to their current household and its event, with the filter applied."""
    stmt = (select(*columns).select_from(Person)
            .outerjoin(Membership, and_(Membership.person_id == Person.id, Membership.left_on.is_(None)))
            .outerjoin(Household, Household.id == Membership.household_id)
            .outerjoin(Event, Event.id == Household.event_id)
            .where(territory_clause(user, Person.state_code), not_blocked_clause(Person),
                   reportable_person(Person.id), Person.created_at < f.end_moment()))
    if f.state_code:
        stmt = stmt.where(Person.state_code == f.state_code)
    if f.municipality_code:
        stmt = stmt.where(Person.municipality_code == f.municipality_code)
    if f.event_type:
        stmt = stmt.where(Event.event_type == f.event_type)
    return stmt


def _is_new(column: Any, f: ReportFilter) -> Any:
    return case((column >= f.start_moment(), 1), else_=0).label("is_new")


@dataclass(frozen=True)
class PersonCube:
    """Counts by every low-cardinality trait at once (one scan); the tables are its margins."""

    counts: Counter[tuple[Any, ...]]

    FIELDS = ("is_new", "sex", "age", "indigenous", "speaks", "afro", "event_type", "origin_state")

    def margin(self, *fields: str) -> dict[tuple[Any, ...], list[int]]:
        """{values of `fields`: [new, cumulative]}."""
        positions = [self.FIELDS.index(name) for name in fields]
        found: dict[tuple[Any, ...], list[int]] = {}
        for key, n in self.counts.items():
            group = tuple(key[p] for p in positions)
            pair = found.setdefault(group, [0, 0])
            pair[1] += n
            if key[0]:
                pair[0] += n
        return found

    def totals(self) -> list[int]:
        return self.margin().get((), [0, 0])


def person_cube(session: Session, user: Principal, f: ReportFilter) -> PersonCube:
    speaks = func.coalesce(func.json_array_length(Person.indigenous_languages), 0) > 0
    columns = (_is_new(Person.created_at, f), Person.registered_sex, Person.age_group, Person.indigenous,
               speaks.label("speaks"), Person.afro_mexican, Event.event_type, Event.origin_state_code)
    stmt = _persons(user, f, *columns, func.count()).group_by(*columns)
    counts: Counter[tuple[Any, ...]] = Counter()
    for *key, n in session.execute(stmt):
        key[0] = bool(key[0])
        key[4] = bool(key[4])
        counts[tuple(key)] += n
    return PersonCube(counts)


# --- tables built from the cube ------------------------------------------------------------------------

SEXES = list(RegisteredSex)


def _pairs(margin: dict[tuple[Any, ...], list[int]], key: Any) -> list[int]:
    return margin.get((key,), [0, 0])


def totals_table(cube: PersonCube, households: list[int]) -> CountTable:
    rows = [CountRow("personas", _("Personas"), cube.totals()), CountRow("hogares", _("Hogares"), households)]
    return CountTable("totales", _("Personas y hogares registrados"), _("Registro"), _columns(), rows, overlapping=True)


def sex_by_age(cube: PersonCube, new: bool) -> CountTable:
    """Age band × sex, crossed (rows and columns add up); "sin fecha" is its own band."""
    margin = cube.margin("is_new", "age", "sex") if new else cube.margin("age", "sex")
    which = _("nuevas en el periodo") if new else _("acumuladas")

    def count(age: AgeGroup | None, sex: RegisteredSex) -> int:
        if new:
            return margin.get((True, age, sex), [0, 0])[1]
        return margin.get((age, sex), [0, 0])[1]

    ages: list[tuple[AgeGroup | None, str]] = [(a, a.label) for a in AgeGroup] + [(None, str(UNKNOWN_AGE))]
    rows = [CountRow(a.value if a else "sin_fecha", label, [count(a, s) for s in SEXES]) for a, label in ages]
    return CountTable(f"sexo_edad_{'nuevas' if new else 'acumuladas'}",
                      _("Personas por grupo de edad y sexo (%(which)s)", which=which), _("Grupo de edad (al registro)"),
                      [s.label for s in SEXES], rows, crossed=True)


def unhcr_rows(table: CountTable) -> list[CountRow]:
    """Our bands summed into UNHCR's (0–4, 5–11, 12–17, 18–59, 60+, unknown), each by sex."""
    by_key = {row.key: row for row in table.rows}
    rows = []
    for key, label, parts in UNHCR_BANDS:
        counts = [sum(by_key[p.value].counts[j] for p in parts) for j in range(len(table.columns))]
        rows.append(CountRow(key, str(label), counts))
    rows.append(CountRow("sin_fecha", _("Edad desconocida"), by_key["sin_fecha"].counts))
    return rows


def identity_table(cube: PersonCube) -> CountTable:
    """Indigenous self-identification, speaking an indigenous language, Afro-Mexican: a person may be all three."""
    indigenous = cube.margin("indigenous")
    speaks = cube.margin("speaks")
    afro = cube.margin("afro")
    rows = [CountRow("indigena", _("Se reconoce indígena"), _pairs(indigenous, True)),
            CountRow("lengua", _("Habla una lengua indígena"), _pairs(speaks, True)),
            CountRow("afromexicana", _("Se reconoce afromexicana"), _pairs(afro, True))]
    return CountTable("identidad", _("Personas indígenas, hablantes de lengua indígena y afromexicanas"),
                      _("Característica"), _columns(), rows, overlapping=True,
                      note=_("Una persona puede contar en más de una fila."))


def event_type_table(cube: PersonCube) -> CountTable:
    margin = cube.margin("event_type")
    rows = [CountRow(t.value, t.label, _pairs(margin, t)) for t in EventType]
    rows.append(CountRow("sin_evento", str(NO_EVENT), _pairs(margin, None)))
    return CountTable("tipo_evento", _("Personas por tipo de desplazamiento"), _("Tipo de evento"), _columns(), rows)


def origin_state_table(cube: PersonCube) -> CountTable:
    margin = cube.margin("origin_state")
    rows = [CountRow(s.inegi_code, s.name, _pairs(margin, s.inegi_code)) for s in STATES]
    rows.append(CountRow("sin_evento", str(NO_EVENT), _pairs(margin, None)))
    return CountTable("entidad_origen", _("Personas por entidad de origen"), _("Entidad de origen"), _columns(), rows)


# --- tables with queries of their own -------------------------------------------------------------------

def disability_table(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    """Persons with "mucha dificultad" or "no puede hacerlo" in each Washington Group domain, and in any."""
    flags = {d: Person.disability[d.value].as_string().in_(DISABLED_LEVELS) for d in DisabilityDomain}
    flags_any = or_(false(), *flags.values())
    is_new = Person.created_at >= f.start_moment()
    sums = []
    for flag in [*flags.values(), flags_any]:
        sums += [func.sum(case((and_(flag, is_new), 1), else_=0)), func.sum(case((flag, 1), else_=0))]
    values = [int(v or 0) for v in session.execute(_persons(user, f, *sums)).one()]
    labels = [(d.value, d.label) for d in DisabilityDomain] + [("cualquiera", _("Con discapacidad (algún dominio)"))]
    rows = [CountRow(key, label, values[2 * k: 2 * k + 2]) for k, (key, label) in enumerate(labels)]
    return CountTable("discapacidad", _("Personas con discapacidad por dominio (Grupo de Washington)"), _("Dominio"),
                      _columns(), rows, overlapping=True,
                      note=_("Con «mucha dificultad» o «no puede hacerlo»; una persona puede contar en varios "
                             "dominios."))


def cause_table(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    """Persons by the causes of their event: an event may have several causes."""
    is_new = _is_new(Person.created_at, f)
    stmt = (_persons(user, f, is_new, EventCause.cause, func.count())
            .join(EventCause, EventCause.event_id == Event.id).group_by(is_new, EventCause.cause))
    found: dict[DisplacementCause, list[int]] = {}
    for new, cause, n in session.execute(stmt):
        pair = found.setdefault(cause, [0, 0])
        pair[1] += n
        if new:
            pair[0] += n
    rows = [CountRow(c.value, c.label, found.get(c, [0, 0])) for c in DisplacementCause]
    return CountTable("causa", _("Personas por causa del desplazamiento"), _("Causa"), _columns(), rows,
                      overlapping=True,
                      note=_("Un evento puede tener varias causas: una persona puede contar en más de una fila."))


def origin_municipality_table(session: Session, user: Principal, f: ReportFilter, state_code: str,
                              catalog: MunicipalityCatalog) -> CountTable:
    """Persons displaced from each municipality of `state_code` (every municipality listed, zeros included,
    so that a listed "<5" cannot be read as "at least one")."""
    is_new = _is_new(Person.created_at, f)
    in_state = Event.origin_state_code == state_code
    municipality = case((in_state, Event.origin_municipality_code), else_=None)
    bucket = case((in_state, "state"), (Event.id.is_(None), "none"), else_="other")
    stmt = _persons(user, f, is_new, bucket, municipality, func.count()).group_by(is_new, bucket, municipality)
    found: dict[str | None, list[int]] = {}
    for new, where, code, n in session.execute(stmt):
        key = code if where == "state" else where
        pair = found.setdefault(key, [0, 0])
        pair[1] += n
        if new:
            pair[0] += n
    rows = [CountRow(m.code, m.name, found.get(m.code, [0, 0])) for m in catalog.by_state(state_code)]
    rows += [CountRow("sin_municipio", _("Municipio de origen no registrado"), found.get(None, [0, 0])),
             CountRow("otra", _("Otra entidad de origen"), found.get("other", [0, 0])),
             CountRow("sin_evento", str(NO_EVENT), found.get("none", [0, 0]))]
    return CountTable("municipio_origen", _("Personas por municipio de origen"), _("Municipio de origen"), _columns(),
                      rows)


def households(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    """Households registered (new, cumulative) by the type of their event."""
    is_new = _is_new(Household.created_at, f)
    stmt = (select(is_new, Event.event_type, func.count()).select_from(Household)
            .outerjoin(Event, Event.id == Household.event_id)
            .where(territory_clause(user, Household.state_code), Household.created_at < f.end_moment()))
    if f.state_code:
        stmt = stmt.where(Household.state_code == f.state_code)
    if f.municipality_code:
        stmt = stmt.where(Household.municipality_code == f.municipality_code)
    if f.event_type:
        stmt = stmt.where(Event.event_type == f.event_type)
    found: dict[EventType | None, list[int]] = {}
    for new, event_type, n in session.execute(stmt.group_by(is_new, Event.event_type)):
        pair = found.setdefault(event_type, [0, 0])
        pair[1] += n
        if new:
            pair[0] += n
    rows = [CountRow(t.value, t.label, found.get(t, [0, 0])) for t in EventType]
    rows.append(CountRow("sin_evento", str(NO_EVENT), found.get(None, [0, 0])))
    return CountTable("hogares", _("Hogares por tipo de desplazamiento"), _("Tipo de evento"),
                      [_("Nuevos en el periodo"), _("Acumulados al cierre del periodo")], rows)


@dataclass(frozen=True)
class PersonIndicators:
    """Every table of the persons page."""

    tables: list[CountTable]
    unhcr: list[CountTable]

    def table(self, name: str) -> CountTable:
        return next(t for t in [*self.tables, *self.unhcr] if t.name == name)


def build(session: Session, user: Principal, f: ReportFilter, catalog: MunicipalityCatalog) -> PersonIndicators:
    """Every persons-and-households table for the filter, in the user's territory."""
    cube = person_cube(session, user, f)
    household_table = households(session, user, f)
    new_by_age, all_by_age = sex_by_age(cube, new=True), sex_by_age(cube, new=False)
    tables = [totals_table(cube, household_table.column_totals()), household_table, new_by_age, all_by_age,
              identity_table(cube), disability_table(session, user, f), event_type_table(cube),
              cause_table(session, user, f), origin_state_table(cube)]
    state = f.state_code or (user.states[0] if not user.is_national and len(user.states) == 1 else None)
    if state:
        tables.append(origin_municipality_table(session, user, f, state, catalog))
    unhcr = [CountTable(f"acnur_{t.name.removeprefix('sexo_edad_')}", t.title.replace(_("grupo de edad"),
                        _("grupo de edad ACNUR")), _("Grupo de edad (ACNUR)"), t.columns, unhcr_rows(t), crossed=True,
                        note=_("Suma de los grupos de la tabla anterior; publicada a partir de sus celdas ya "
                               "suprimidas."))
             for t in (new_by_age, all_by_age)]
    return PersonIndicators(tables, unhcr)


def attention_state_table(session: Session, user: Principal, f: ReportFilter) -> CountTable:
    """Persons by state of attention (where they are registered): the map's other measure."""
    is_new = _is_new(Person.created_at, f)
    found: dict[str, list[int]] = {}
    for new, state, n in session.execute(_persons(user, f, is_new, Person.state_code, func.count())
                                         .group_by(is_new, Person.state_code)):
        pair = found.setdefault(state, [0, 0])
        pair[1] += n
        if new:
            pair[0] += n
    rows = [CountRow(s.inegi_code, s.name, found.get(s.inegi_code, [0, 0])) for s in STATES
            if user.is_national or s.inegi_code in user.states]
    return CountTable("entidad_registro", _("Personas por entidad de registro (atención)"), _("Entidad"), _columns(),
                      rows)
