"""Durable-solution pages over HTTP: access, the assessment form, sign-off, the dashboard and its exports."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dfi_casos.auth.models import Role
from dfi_casos.cases.services import local_today
from dfi_casos.catalogs.enums import CriterionStatus, IascCriterion, Stage
from dfi_casos.security.audit import AuditEvent
from dfi_casos.solutions.models import DurableSolutionAssessment
from tests import factories
from tests.conftest import csrf_token

GRO, CHIS = "12", "07"


def _form(token, **overrides):
    data = {"csrf_token": token, "assessed_on": local_today().isoformat(), "preferred_option": "return",
            "option_in_progress": "return"}
    for c in IascCriterion:
        data[f"{c.value}_status"] = "partial"
        data[f"{c.value}_evidence"] = "Entrevista"
    data.update(overrides)
    return data


def _count(db):
    return db.scalar(select(func.count()).select_from(DurableSolutionAssessment))


def test_caseworker_records_assessment_through_the_form(client, db, login_as):
    caseworker = login_as("caseworker", [GRO])
    household = factories.make_case_household(db, caseworker, GRO)
    path = f"/soluciones/hogares/{household.id}/nueva"
    response = client.post(path, data=_form(csrf_token(client, path)))
    assert response.status_code == 302
    assert _count(db) == 1


def test_invalid_form_answers_400_with_spanish_errors_and_writes_nothing(client, db, login_as):
    caseworker = login_as("caseworker", [GRO])
    household = factories.make_case_household(db, caseworker, GRO)
    path = f"/soluciones/hogares/{household.id}/nueva"
    response = client.post(path, data=_form(csrf_token(client, path), assessed_on="no-es-fecha",
                                             safety_evidence="", preferred_option="marte"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Escriba la fecha" in html or "fecha" in html
    assert 'id="preferred_option-err"' in html
    assert _count(db) == 0


def test_status_without_evidence_is_shown_beside_the_field(client, db, login_as):
    caseworker = login_as("caseworker", [GRO])
    household = factories.make_case_household(db, caseworker, GRO)
    path = f"/soluciones/hogares/{household.id}/nueva"
    response = client.post(path, data=_form(csrf_token(client, path), safety_evidence=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="safety_evidence-err"' in html and "Anote la evidencia" in html
    assert _count(db) == 0


def test_caseworker_of_another_state_gets_404_on_household_assessments(client, db, login_as):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    household = factories.make_case_household(db, owner, GRO)
    login_as("caseworker", [CHIS])
    assert client.get(f"/soluciones/hogares/{household.id}").status_code == 404
    assert client.get(f"/soluciones/hogares/{household.id}/nueva").status_code == 404


def test_supervisor_signs_another_persons_assessment(client, db, login_as):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    household = factories.make_case_household(db, owner, GRO)
    assessment = factories.make_assessment(db, household, assessor=owner)
    login_as("supervisor", [GRO])
    page = f"/soluciones/evaluaciones/{assessment.id}"
    assert "Firmar evaluación" in client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/firmar", data={"csrf_token": csrf_token(client, page),
                                                   "version": str(assessment.version)})
    assert response.status_code == 302
    db.refresh(assessment)
    assert assessment.is_signed


def test_supervisor_cannot_sign_own_assessment_over_http(client, db, login_as):
    supervisor = login_as("supervisor", [GRO])
    household = factories.make_case_household(db, supervisor, GRO)
    assessment = factories.make_assessment(db, household, assessor=supervisor)
    page = f"/soluciones/evaluaciones/{assessment.id}"
    assert "Firmar evaluación" not in client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/firmar", data={"csrf_token": csrf_token(client, page),
                                                   "version": str(assessment.version)})
    assert response.status_code == 400
    assert "usted registró" in response.get_data(as_text=True)
    db.refresh(assessment)
    assert not assessment.is_signed


def test_caseworker_cannot_post_a_sign_off(client, db, login_as):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    household = factories.make_case_household(db, owner, GRO)
    assessment = factories.make_assessment(db, household)
    login_as("caseworker", [GRO])
    response = client.post(f"/soluciones/evaluaciones/{assessment.id}/firmar",
                           data={"csrf_token": csrf_token(client, "/"), "version": str(assessment.version)})
    assert response.status_code == 404
    db.refresh(assessment)
    assert not assessment.is_signed


def test_assessment_page_shows_changes_since_previous(client, db, login_as):
    login_as("supervisor", [GRO])
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    household = factories.make_case_household(db, owner, GRO)
    factories.make_assessment(db, household, assessed_on=date(2026, 1, 5), default=CriterionStatus.PARTIAL)
    later = factories.make_assessment(db, household, assessed_on=date(2026, 3, 5), default=CriterionStatus.PARTIAL,
                                      statuses={IascCriterion.SAFETY: CriterionStatus.MET})
    html = client.get(f"/soluciones/evaluaciones/{later.id}").get_data(as_text=True)
    assert 'id="tabla-cambios"' in html and IascCriterion.SAFETY.label in html


@pytest.mark.parametrize("role", ["caseworker", "auditor", "administrator"])
def test_dashboard_is_for_supervisors_only(client, login_as, role):
    login_as(role, [GRO])
    assert client.get("/soluciones/").status_code == 404


def test_supervisor_sees_dashboard_with_svg_charts_and_tables_and_menu_entry(client, db, login_as):
    login_as("supervisor", [GRO])
    case = factories.make_case(db, stage=Stage.ATTENTION)
    household = db.get(_household_model(), case.household_id)
    factories.make_assessment(db, household, sign=True)
    response = client.get("/soluciones/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Soluciones duraderas</a>" in html
    assert html.count('role="img"') == 4 and "aria-labelledby" in html
    assert "style=" not in html and "<script>" not in html
    assert f"/casos/{case.id}/cierre" in html
    for key in ("por_opcion", "por_etapa", "criterios", "por_mes"):
        assert f'id="tabla-{key}"' in html


def _household_model():
    from dfi_casos.registry.models import Household

    return Household


def _seed_small_territory(db):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    for _ in range(3):
        household = factories.make_case_household(db, owner, GRO)
        factories.make_assessment(db, household, sign=True)


def test_csv_export_suppresses_small_cells_has_no_personal_data_and_is_audited(client, db, login_as):
    login_as("supervisor", [GRO])
    _seed_small_territory(db)
    response = client.get("/soluciones/exportar.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = {cell for row in rows for cell in row}
    assert "<5" in cells and "3" not in cells
    assert "Prueba" not in text and "Juana" not in text and "DFI-" not in text
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    details = json.loads(event.details)
    assert details["format"] == "csv"
    assert event.object_state == GRO  # the state's auditors find it
    assert details["tables"] == ["por_opcion", "por_etapa", "criterios", "por_mes", "seguimiento"]


def test_xlsx_export_has_one_sheet_per_table(client, db, login_as):
    login_as("supervisor", [GRO])
    _seed_small_territory(db)
    response = client.get("/soluciones/exportar.xlsx?tabla=criterios")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == ["criterios"]
    values = {cell.value for row in workbook["criterios"].iter_rows() for cell in row}
    assert "<5" in values and 3 not in values


def test_export_of_unknown_table_answers_400(client, login_as):
    login_as("supervisor", [GRO])
    assert client.get("/soluciones/exportar.csv?tabla=personas").status_code == 400


def test_export_in_unknown_format_answers_404(client, login_as):
    login_as("supervisor", [GRO])
    assert client.get("/soluciones/exportar.pdf").status_code == 404


def test_caseworker_cannot_export(client, db, login_as):
    login_as("caseworker", [GRO])
    assert client.get("/soluciones/exportar.csv").status_code == 404
    assert db.scalar(select(func.count()).where(AuditEvent.action == "export")) == 0


def test_household_page_of_the_registry_links_to_its_assessments(client, db, login_as):
    caseworker = login_as("caseworker", [GRO])
    household = factories.make_case_household(db, caseworker, GRO)
    html = client.get(f"/registro/hogares/{household.id}").get_data(as_text=True)
    assert f"/soluciones/hogares/{household.id}" in html


def test_follow_up_form_starts_from_the_latest_assessment(client, db, login_as):
    caseworker = login_as("caseworker", [GRO])
    household = factories.make_case_household(db, caseworker, GRO)
    factories.make_assessment(db, household, assessor=caseworker, default=CriterionStatus.PARTIAL,
                              evidence="Nota de la visita anterior")
    html = client.get(f"/soluciones/hogares/{household.id}/nueva").get_data(as_text=True)
    assert html.count("Nota de la visita anterior") == 8
    assert html.count('<option selected value="partial">') == 8


def test_ready_case_with_a_pending_request_shows_it_instead_of_a_second_request_link(client, db, login_as):
    from dfi_casos.cases import services as cases
    from dfi_casos.catalogs.enums import ClosureReason

    login_as("supervisor", [GRO])
    case = factories.make_case(db, stage=Stage.ATTENTION)
    factories.make_assessment(db, db.get(_household_model(), case.household_id), sign=True)
    cases.request_approval(db, case.owner, case, Stage.CLOSED, ClosureReason.DURABLE_SOLUTION_ACHIEVED, "Listo.")
    html = client.get("/soluciones/").get_data(as_text=True)
    assert "Solicitud pendiente de decisión" in html and f"/casos/{case.id}/cierre" not in html
