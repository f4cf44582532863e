"""Each indicator against the figures worked out by hand for tests/report_fixture.py (read its docstring)."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from dfi_casos.auth.models import Role
from dfi_casos.catalogs.enums import Stage
from dfi_casos.registry import services as registry
from dfi_casos.reports import assistance, cases, persons
from dfi_casos.reports.filters import ReportFilter
from tests import factories, report_fixture
from tests.report_fixture import PERIOD, TODAY


@pytest.fixture()
def fixture(db):
    return report_fixture.build(db)


@pytest.fixture()
def national(db):
    return factories.make_user(db, Role.SUPERVISOR, None)


def _by_key(table):
    return {row.key: row.counts for row in table.rows}


def test_persons_and_households_new_and_cumulative(db, fixture, national):
    data = persons.build(db, national, PERIOD, registry.municipalities())
    assert _by_key(data.table("totales")) == {"personas": [42, 62], "hogares": [3, 5]}
    assert _by_key(data.table("hogares")) == {"mass": [1, 3], "individual_or_family": [1, 1], "sin_evento": [1, 1]}


def test_sex_by_age_group_new_and_cumulative(db, fixture, national):
    data = persons.build(db, national, PERIOD, registry.municipalities())
    # columns: Hombre, Mujer, X, Se desconoce
    assert _by_key(data.table("sexo_edad_nuevas")) == {
        "0-4": [0, 0, 0, 0], "5-11": [0, 0, 0, 0], "12-17": [0, 10, 0, 0], "18-29": [5, 0, 0, 0],
        "30-59": [10, 5, 0, 0], "60+": [6, 0, 0, 0], "sin_fecha": [0, 6, 0, 0]}
    assert _by_key(data.table("sexo_edad_acumuladas")) == {
        "0-4": [4, 0, 0, 0], "5-11": [0, 4, 0, 0], "12-17": [0, 10, 0, 0], "18-29": [5, 0, 12, 0],
        "30-59": [10, 5, 0, 0], "60+": [6, 0, 0, 0], "sin_fecha": [0, 6, 0, 0]}


def test_age_groups_add_up_to_the_unhcr_bands(db, fixture, national):
    data = persons.build(db, national, PERIOD, registry.municipalities())
    assert _by_key(data.table("acnur_acumuladas")) == {
        "0-4": [4, 0, 0, 0], "5-11": [0, 4, 0, 0], "12-17": [0, 10, 0, 0], "18-59": [15, 5, 12, 0],
        "60+": [6, 0, 0, 0], "sin_fecha": [0, 6, 0, 0]}


def test_indigenous_language_and_afro_mexican_identity(db, fixture, national):
    data = persons.build(db, national, PERIOD, registry.municipalities())
    assert _by_key(data.table("identidad")) == {"indigena": [23, 23], "lengua": [13, 13], "afromexicana": [4, 5]}


def test_disability_by_washington_group_domain(db, fixture, national):
    data = persons.build(db, national, PERIOD, registry.municipalities())
    found = _by_key(data.table("discapacidad"))
    assert found["seeing"] == [2, 2] and found["hearing"] == [2, 2] and found["self_care"] == [1, 1]
    assert found["mobility"] == [0, 0] and found["cualquiera"] == [5, 5]


def test_event_type_cause_and_origin_state(db, fixture, national):
    data = persons.build(db, national, PERIOD, registry.municipalities())
    assert _by_key(data.table("tipo_evento")) == {"mass": [10, 30], "individual_or_family": [20, 20],
                                                  "sin_evento": [12, 12]}
    causes = _by_key(data.table("causa"))
    assert causes["generalized_violence"] == [10, 18] and causes["armed_conflict"] == [20, 20]
    assert causes["community_conflict"] == [20, 20] and causes["natural_disaster"] == [0, 12]
    origin = {k: v for k, v in _by_key(data.table("entidad_origen")).items() if v != [0, 0]}
    assert origin == {"12": [10, 30], "07": [20, 20], "sin_evento": [12, 12]}


def test_a_state_supervisor_sees_their_state_and_its_origin_municipalities(db, fixture):
    guerrero = fixture["users"]["12"]
    data = persons.build(db, guerrero, PERIOD, registry.municipalities())
    assert _by_key(data.table("totales")) == {"personas": [22, 30], "hogares": [2, 3]}
    municipalities = {k: v for k, v in _by_key(data.table("municipio_origen")).items() if v != [0, 0]}
    assert municipalities == {"12001": [10, 18], "sin_evento": [12, 12]}


def test_filters_by_municipality_and_event_type(db, fixture, national):
    by_municipality = ReportFilter(PERIOD.start, PERIOD.end, state_code="12", municipality_code="12029")
    assert _by_key(persons.build(db, national, by_municipality, registry.municipalities()).table("totales")) == {
        "personas": [12, 12], "hogares": [1, 1]}
    mass = ReportFilter(PERIOD.start, PERIOD.end, event_type=persons.EventType.MASS)
    assert _by_key(persons.build(db, national, mass, registry.municipalities()).table("totales")) == {
        "personas": [10, 30], "hogares": [1, 3]}


def test_stage_entries_exits_and_time_in_stage(db, fixture, national):
    counts, durations = cases.build(db, national, PERIOD, ZoneInfo("America/Mexico_City"))
    tables = {t.name: t for t in counts}
    entries = _by_key(tables["entradas_etapa"])  # prevention, assistance, attention, durable, closed
    assert entries == {"2026-10": [0, 1, 2, 0, 0], "2026-11": [0, 0, 0, 0, 2]}
    assert _by_key(tables["salidas_etapa"]) == {"2026-10": [0, 2, 0, 0], "2026-11": [0, 0, 2, 0]}
    stays = {row.key: (row.n, row.median, row.p90) for row in durations[0].rows}
    assert stays[Stage.ASSISTANCE.value] == (2, 30.0, 46.0)
    assert stays[Stage.ATTENTION.value] == (2, 30.0, 30.0)
    assert stays[Stage.PREVENTION.value] == (0, None, None)


def test_recognition_appeals_and_closures_keep_durable_solution_apart(db, fixture, national):
    counts, _ = cases.build(db, national, PERIOD, ZoneInfo("America/Mexico_City"))
    tables = {t.name: t for t in counts}
    assert _by_key(tables["valoracion"]) == {"recognized": [1, 1], "not_recognized": [1, 0]}
    assert _by_key(tables["valoracion_pendientes"]) == {"recursos": [1], "pendientes_valoracion": [0],
                                                        "pendientes_recurso": [0]}
    closures = _by_key(tables["cierres"])
    assert tables["cierres"].rows[0].key == "durable_solution_achieved"
    assert closures["durable_solution_achieved"] == [1] and closures["lost_contact"] == [1]
    assert sum(c[0] for c in closures.values()) == 2
    assert _by_key(tables["casos"]) == {"abiertos_periodo": [1], "abiertos_cierre": [0]}


def test_services_referrals_response_times_and_overdue(db, fixture, national):
    counts, durations = assistance.build(db, national, PERIOD, TODAY)
    tables = {t.name: t for t in counts}
    by_type = _by_key(tables["servicios_tipo"])
    assert by_type["food"] == [2, 1] and by_type["shelter"] == [0, 0]
    institution = str(fixture["institution"].id)
    assert _by_key(tables["servicios_institucion"])[institution] == [2]
    needs = _by_key(tables["canalizaciones_tipo"])
    assert needs["legal_advice"] == [1, 1] and needs["medical_care"] == [1, 0]
    assert _by_key(tables["canalizaciones_institucion"])[institution] == [2, 1]
    every = durations[0].rows[0]
    assert (every.n, every.median, every.p90) == (1, 5.0, 5.0)


def test_a_period_before_any_registration_counts_nothing_new(db, fixture, national):
    early = ReportFilter(date(2026, 1, 1), date(2026, 7, 31))
    assert _by_key(persons.build(db, national, early, registry.municipalities()).table("totales")) == {
        "personas": [0, 0], "hogares": [0, 0]}
