"""The dashboard's numbers against 32 Guerrero households (and 3 in Chiapas) whose counts are worked out by hand.

The territory, as of 15 Nov 2026 (six months back: 15 May 2026):

  group  n  case                               assessments (S = signed)                 options (pref / in progress)
  A      6  open, soluciones duraderas         S 2026-10-05 all cumple; 2 with reunif.  retorno / retorno
                                               "no aplica"
  B      5  open, atención                     S 2026-09-10 seguridad parcial,          integración / integración
                                               empleo no cumple
  C      4  open, soluciones duraderas         S 2026-03-01 all cumple, then            reubicación / integración
                                               S 2026-08-20 vivienda parcial            (latest)
  D      3  open, asistencia                   2026-10-20 all cumple, NOT signed        —
  E      5  open, prevención                   none                                     —
  F      4  no case                            S 2026-02-10 documentación no evaluado   retorno / —
  G      3  closed, solución duradera          S 2026-06-01 all cumple                  (not active)
            (2 on 2026-10-12, 1 on 2026-07-03)
  H      2  closed, pérdida de contacto        none                                     (not active)
            (2026-10-20)
  Chiapas 3 open, soluciones duraderas, S 2026-10-05 all cumple, and 1 closure on 2026-10-02: never counted.

Active households (no case or an open case): A+B+C+D+E+F = 6+5+4+3+5+4 = 27.
"""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from dfi_casos.auth.models import Role
from dfi_casos.catalogs.enums import ClosureReason, CriterionStatus, IascCriterion, SettlementOption, Stage
from dfi_casos.registry.models import Household
from dfi_casos.reports import solutions as dashboard
from tests import factories

C, S, Opt = IascCriterion, CriterionStatus, SettlementOption
GRO, CHIS = "12", "07"
TODAY = date(2026, 11, 15)


class _Builder:
    def __init__(self, db, state):
        self.db = db
        self.state = state
        self.caseworker = factories.make_user(db, Role.CASEWORKER, [state])
        self.assessor = self.caseworker  # a caseworker assesses the households they registered
        self.signer = factories.make_user(db, Role.SUPERVISOR, [state])

    def household(self, stage=None, closed=None):
        """A household with an open case at `stage`, a closed one (`closed` = (date, reason)), or none."""
        household = factories.make_case_household(self.db, self.caseworker, self.state)
        if stage is None and closed is None:
            return household
        case = factories.make_case(self.db, owner=self.caseworker, state=self.state, stage=Stage.ASSISTANCE,
                                   household=household)
        if closed is not None:
            case.stage, case.closed_on, case.closure_reason = Stage.CLOSED, closed[0], closed[1]
            from dfi_casos.cases.models import CaseStatus

            case.status = CaseStatus.CLOSED
        else:
            case.stage = stage
        self.db.flush()
        return household

    def assess(self, household, on, signed=True, statuses=None, preferred=None, in_progress=None):
        return factories.make_assessment(
            self.db, household, assessor=self.assessor, signed_by=self.signer if signed else None,
            assessed_on=on, statuses=statuses, preferred=preferred, in_progress=in_progress)


@pytest.fixture
def territory(db):
    gro = _Builder(db, GRO)
    for k in range(6):  # A
        h = gro.household(Stage.DURABLE_SOLUTIONS)
        gro.assess(h, date(2026, 10, 5), statuses={C.FAMILY_REUNIFICATION: S.NOT_APPLICABLE} if k < 2 else None,
                   preferred=Opt.RETURN, in_progress=Opt.RETURN)
    for _ in range(5):  # B
        h = gro.household(Stage.ATTENTION)
        gro.assess(h, date(2026, 9, 10), statuses={C.SAFETY: S.PARTIAL, C.LIVELIHOODS: S.NOT_MET},
                   preferred=Opt.LOCAL_INTEGRATION, in_progress=Opt.LOCAL_INTEGRATION)
    for _ in range(4):  # C
        h = gro.household(Stage.DURABLE_SOLUTIONS)
        gro.assess(h, date(2026, 3, 1), preferred=Opt.RETURN, in_progress=Opt.RETURN)
        gro.assess(h, date(2026, 8, 20), statuses={C.HOUSING_LAND_PROPERTY: S.PARTIAL},
                   preferred=Opt.RELOCATION, in_progress=Opt.LOCAL_INTEGRATION)
    for _ in range(3):  # D
        gro.assess(gro.household(Stage.ASSISTANCE), date(2026, 10, 20), signed=False,
                   preferred=Opt.RETURN, in_progress=Opt.RETURN)
    for _ in range(5):  # E
        gro.household(Stage.PREVENTION)
    for _ in range(4):  # F
        gro.assess(gro.household(), date(2026, 2, 10), statuses={C.DOCUMENTATION: S.NOT_ASSESSED},
                   preferred=Opt.RETURN)
    for closed_on in (date(2026, 10, 12), date(2026, 10, 12), date(2026, 7, 3)):  # G
        h = gro.household(closed=(closed_on, ClosureReason.DURABLE_SOLUTION_ACHIEVED))
        gro.assess(h, date(2026, 6, 1), preferred=Opt.RETURN, in_progress=Opt.RETURN)
    for _ in range(2):  # H
        gro.household(closed=(date(2026, 10, 20), ClosureReason.LOST_CONTACT))

    chis = _Builder(db, CHIS)
    for _ in range(3):
        chis.assess(chis.household(Stage.DURABLE_SOLUTIONS), date(2026, 10, 5), preferred=Opt.RETURN,
                    in_progress=Opt.RETURN)
    chis.household(closed=(date(2026, 10, 2), ClosureReason.DURABLE_SOLUTION_ACHIEVED))
    return factories.make_user(db, Role.SUPERVISOR, [GRO])


def _counts(table):
    return {row.key: row.counts for row in table.rows}


def test_fixture_holds_at_least_thirty_households_of_the_territory(db, territory):
    from sqlalchemy import func, select

    assert db.scalar(select(func.count()).select_from(Household).where(Household.state_code == GRO)) == 32


def test_active_households_exclude_those_whose_cases_are_all_closed(db, territory):
    assert dashboard.count_active(db, territory) == 27


def test_households_by_settlement_option(db, territory):
    assert _counts(dashboard.households_by_option(db, territory)) == {
        "return": [10, 6],
        "local_integration": [5, 9],
        "relocation": [4, 0],
        "undefined": [8, 12],
    }


def test_households_by_stage_of_their_open_case(db, territory):
    assert _counts(dashboard.households_by_stage(db, territory)) == {
        "prevention": [5], "assistance": [3], "attention": [5], "durable_solutions": [10], "no_open_case": [4],
    }


def test_households_per_criterion_and_status(db, territory):
    # columns: no evaluado, no cumple, avance parcial, cumple, no aplica
    assert _counts(dashboard.criteria_by_status(db, territory)) == {
        "safety": [0, 0, 5, 14, 0],
        "standard_of_living": [0, 0, 0, 19, 0],
        "livelihoods": [0, 5, 0, 14, 0],
        "housing_land_property": [0, 0, 4, 15, 0],
        "documentation": [4, 0, 0, 15, 0],
        "family_reunification": [0, 0, 0, 17, 2],
        "participation": [0, 0, 0, 19, 0],
        "remedies_and_justice": [0, 0, 0, 19, 0],
    }


def test_households_without_assessment_in_six_months(db, territory):
    stale = dashboard.without_recent_assessment(db, territory, TODAY)
    assert len(stale) == 9
    assert sum(1 for line in stale if line.last_assessed_on is None) == 5
    assert sum(1 for line in stale if line.last_assessed_on == date(2026, 2, 10)) == 4
    assert sum(1 for line in stale if line.case_id is not None) == 5


def test_households_ready_for_closure_are_group_a_with_their_open_case(db, territory):
    ready = dashboard.ready_for_closure(db, territory)
    assert len(ready) == 6
    assert all(line.case_id is not None and line.folio.startswith("DFI-") for line in ready)
    assert {line.last_assessed_on for line in ready} == {date(2026, 10, 5)}
    assert not any(line.request_pending for line in ready)


def test_new_assessments_and_closures_by_month(db, territory):
    monthly = _counts(dashboard.monthly_activity(db, territory, TODAY))
    assert list(monthly)[0] == "2025-12" and list(monthly)[-1] == "2026-11"
    nonzero = {month: counts for month, counts in monthly.items() if any(counts)}
    assert nonzero == {
        "2026-02": [4, 0, 0],
        "2026-03": [4, 0, 0],
        "2026-06": [3, 0, 0],
        "2026-07": [0, 1, 1],
        "2026-08": [4, 0, 0],
        "2026-09": [5, 0, 0],
        "2026-10": [9, 2, 4],
    }


def test_national_supervisor_counts_both_states(db, territory):
    national = factories.make_user(db, Role.SUPERVISOR, None)
    assert dashboard.count_active(db, national) == 27 + 3
    assert len(dashboard.ready_for_closure(db, national)) == 6 + 3


def test_exported_stage_table_hides_the_small_cells(client, db, territory, login_as):
    login_as("supervisor", [GRO])
    response = client.get("/soluciones/exportar.csv?tabla=por_etapa")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    body = {row[0]: row[1] for row in rows[2:] if len(row) == 2}
    assert body == {"Prevención": "5", "Asistencia": "<5", "Atención": "5", "Soluciones duraderas": "10",
                    "Sin caso abierto": "<5", "Total": "27"}


def test_dashboard_page_shows_the_territory_numbers(client, db, territory, login_as):
    login_as("supervisor", [GRO])
    html = client.get("/soluciones/").get_data(as_text=True)
    assert '<strong id="hogares-activos">27</strong>' in html
    assert html.count("/cierre") == 6
