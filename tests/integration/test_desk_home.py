"""Each role's home page says what to do next; the supervisor decides a request right there."""
from __future__ import annotations

from datetime import timedelta

from dfi_casos.auth.models import Role
from dfi_casos.cases import services as cases
from dfi_casos.catalogs.enums import Stage
from dfi_casos.database import utcnow
from dfi_casos.registry.models import Household
from dfi_casos.security import audit
from dfi_casos.security.audit import Action
from tests import factories
from tests.conftest import csrf_token

GRO = "12"


def body(response):
    return response.get_data(as_text=True)


def test_supervisor_home_shows_each_request_with_its_justification_and_decides_it_there(client, db, login_as):
    login_as("supervisor", [GRO])
    case = factories.make_case(db, None, GRO, stage=Stage.ATTENTION)
    owner = db.get(type(case.owner), case.owner_id)
    cases.request_approval(db, owner, case, Stage.DURABLE_SOLUTIONS, None, "Tienen empleo en Iguala.")
    html = body(client.get("/"))
    decisions = html.split('id="decisiones"', 1)[1].split("</section>", 1)[0]
    assert case.folio in decisions and "Tienen empleo en Iguala." in decisions and "Hogar de Juana Prueba" in decisions
    response = client.post(f"/casos/{case.id}/aprobacion", data={
        "aprobacion-csrf_token": csrf_token(client, "/"), "aprobacion-version": str(case.version),
        "aprobacion-decision": "approve", "aprobacion-comment": "", "volver": "inicio"})
    assert response.status_code == 302 and response.location.endswith("/#decisiones")
    assert case.stage == Stage.DURABLE_SOLUTIONS


def test_a_rejection_without_comment_from_home_comes_back_on_the_decision_page(client, db, login_as):
    login_as("supervisor", [GRO])
    case = factories.make_case(db, None, GRO, stage=Stage.ATTENTION)
    cases.request_approval(db, db.get(type(case.owner), case.owner_id), case, Stage.DURABLE_SOLUTIONS, None, "Listo")
    response = client.post(f"/casos/{case.id}/aprobacion", data={
        "aprobacion-csrf_token": csrf_token(client, "/"), "aprobacion-version": str(case.version),
        "aprobacion-decision": "reject", "aprobacion-comment": "", "volver": "inicio"})
    assert response.status_code == 400 and 'name="aprobacion-comment"' in body(response)
    assert client.get(f"/casos/{case.id}/aprobacion").status_code == 200
    assert case.stage == Stage.ATTENTION


def test_supervisor_home_lists_assessments_to_sign_by_others_and_overdue_and_idle_cases(app, client, db, login_as):
    supervisor = login_as("supervisor", [GRO])
    case = factories.make_case(db, None, GRO)
    household = db.get(Household, case.household_id)
    theirs = factories.make_assessment(db, household)
    mine = factories.make_assessment(db, household, assessor=supervisor)
    case.updated_at = utcnow() - timedelta(days=app.config["CASE_IDLE_DAYS"] + 5)
    db.flush()
    html = body(client.get("/"))
    signing = html.split('id="firmas"', 1)[1].split("</section>", 1)[0]
    assert f"/soluciones/evaluaciones/{theirs.id}" in signing and f"/soluciones/evaluaciones/{mine.id}" not in signing
    idle = html.split('id="sin-actividad"', 1)[1].split("</section>", 1)[0]
    assert case.folio in idle and f"más de {app.config['CASE_IDLE_DAYS']} días" in idle


def test_idle_days_come_from_configuration(app, client, db, login_as):
    login_as("supervisor", [GRO])
    app.config["CASE_IDLE_DAYS"] = 3
    try:
        assert "Casos sin actividad en más de 3 días" in body(client.get("/"))
    finally:
        app.config["CASE_IDLE_DAYS"] = 30


def test_auditor_home_shows_recent_denials_exports_and_chain_status(client, db, login_as):
    login_as("auditor", [GRO])
    someone = factories.make_user(db, Role.CASEWORKER, [GRO])
    audit.record_denial(db, someone, "case", "c-9", "out_of_scope")
    audit.record(db, action=Action.EXPORT, actor=someone, object_type="solutions_dashboard",
                 details={"format": "csv"}, state_code=GRO)
    html = body(client.get("/"))
    assert "Accesos denegados recientes" in html and "c-9" in html
    assert "Exportaciones recientes" in html and "Formato: CSV" in html
    assert "Estado de la cadena de auditoría" in html


def test_administrator_home_lists_accounts_to_review(client, db, login_as):
    login_as("administrator", [GRO])
    never = factories.make_user(db, Role.CASEWORKER, [GRO])
    html = body(client.get("/"))
    assert "Cuentas por revisar" in html and never.username in html and "nunca ha iniciado sesión" in html
