"""English interface (#21): the user's language choice, English registry pages and English exports.

Message ids are the Spanish text; dfi_casos/translations/en holds the English catalogue. Spanish stays
the default: the rest of the suite asserts Spanish text.
"""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dfi_casos.auth.models import User
from tests import factories, report_fixture
from tests.conftest import csrf_token

PERIOD_ARGS = "desde=2026-10&hasta=2026-11"


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_an_english_user_gets_the_statistics_export_in_english(client, db, login_as):
    report_fixture.build(db)
    login_as("supervisor", ["12"], language="en")
    rows = _csv_rows(client.get(f"/reportes/personas.csv?{PERIOD_ARGS}"))
    assert ["Characteristic", "New in the period", "Cumulative at the end of the period"] in rows
    assert ["Indigenous persons, speakers of Indigenous languages and Afro-Mexican persons"] in rows
    # the same counts and suppression marks as in Spanish, only the words change
    identity = rows.index(["Characteristic", "New in the period", "Cumulative at the end of the period"])
    assert rows[identity + 3] == ["Self-identifies as Afro-Mexican", "<5", "<5"]
    assert not any("Nuevas en el periodo" in cell for row in rows for cell in row)


def test_an_english_user_gets_xlsx_sheets_and_headers_in_english(client, db, login_as):
    report_fixture.build(db)
    login_as("supervisor", ["12"], language="en")
    response = client.get(f"/reportes/personas.xlsx?{PERIOD_ARGS}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert "identity" in workbook.sheetnames and "identidad" not in workbook.sheetnames
    sheet = workbook["identity"]
    assert [c.value for c in sheet[2]] == ["Characteristic", "New in the period",
                                           "Cumulative at the end of the period"]


def test_a_spanish_user_still_gets_spanish_exports(client, db, login_as):
    report_fixture.build(db)
    login_as("supervisor", ["12"])
    rows = _csv_rows(client.get(f"/reportes/personas.csv?{PERIOD_ARGS}"))
    assert ["Característica", "Nuevas en el periodo", "Acumuladas al cierre del periodo"] in rows


def test_an_english_user_reads_the_household_page_in_english(client, db, login_as):
    caseworker = login_as("caseworker", ["12"], language="en")
    household = factories.make_household(db, state="12", registered_by=caseworker)
    page = client.get(f"/registro/hogares/{household.id}").get_data(as_text=True)
    for english in ("Members (present and separated)", "Register departure", "Add member",
                    "State providing care", "Head of household", "No open cases."):
        assert english in page, english
    for spanish in ("Integrantes (presentes y separados)", "Registrar salida", "Jefa o jefe", "Sin casos abiertos."):
        assert spanish not in page, spanish


def test_an_english_user_gets_english_validation_messages(client, db, login_as):
    login_as("supervisor", ["12"], language="en")
    response = client.get("/reportes/personas?desde=2026-11&hasta=2026-10")
    assert response.status_code == 400
    assert "The final month cannot be earlier than the first one." in response.get_data(as_text=True)


def test_the_language_choice_is_saved_and_applies_at_once(client, db, login_as):
    user = login_as("supervisor", ["12"])
    assert user.language == "es_MX"
    page = client.get("/cuenta/idioma").get_data(as_text=True)
    assert "Idioma de la interfaz" in page
    response = client.post("/cuenta/idioma", data={"csrf_token": csrf_token(client, "/cuenta/idioma"),
                                                   "language": "en"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Language saved." in response.get_data(as_text=True)
    assert db.scalar(select(User.language).where(User.id == user.id)) == "en"
    assert "Reports and indicators" in client.get("/reportes/").get_data(as_text=True)


def test_an_unknown_language_is_refused_without_error(client, db, login_as):
    user = login_as("supervisor", ["12"])
    response = client.post("/cuenta/idioma", data={"csrf_token": csrf_token(client, "/cuenta/idioma"),
                                                   "language": "xx"})
    assert response.status_code == 400
    assert db.scalar(select(User.language).where(User.id == user.id)) == "es_MX"


def test_the_page_language_follows_the_user(client, db, login_as):
    assert '<html lang="es-MX">' in client.get("/login").get_data(as_text=True)  # before sign-in: Spanish
    login_as("supervisor", ["12"], language="en")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_case_action_forms_and_their_errors_read_in_english(client, db, login_as):
    user = login_as("caseworker", ["12"], language="en")
    case = factories.make_case(db, user, "12")
    path = f"/casos/{case.id}/notas"
    token = csrf_token(client, path)
    refused = client.post(path, data={"nota-csrf_token": token, "nota-body": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert '<label for="nota-body">Note</label>' in html
    assert 'href="#nota-body">Note: Write the note.</a>' in html  # the error summary links to the field
    flag_page = client.get(f"/casos/{case.id}/alertas").get_data(as_text=True)
    assert "Unaccompanied child or adolescent" in flag_page and "NNA no acompañado" not in flag_page


def test_dates_read_in_the_users_language(client, db, login_as, app):
    from datetime import date

    from dfi_casos.i18n import day

    with app.test_request_context():
        assert day(date(2026, 11, 28)) == "28/11/2026" and day(None) == ""
    user = login_as("caseworker", ["12"], language="en")
    case = factories.make_case(db, user, "12")
    page = client.get(f"/casos/{case.id}").get_data(as_text=True)
    opened = case.opened_on
    assert f"{opened.day} {opened.strftime('%b')} {opened.year}" in page
    assert opened.strftime("%d/%m/%Y") not in page


def test_an_english_auditor_reads_the_audit_action_labels_in_english(client, db, login_as):
    login_as("auditor", language="en")
    page = client.get("/auditoria/").get_data(as_text=True)
    assert "Failed sign-in" in page and "Stage change" in page  # the action filter lists every label
    assert "Inicio de sesión fallido" not in page and "Cambio de etapa" not in page
    assert "succeeded" in page and "correcto" not in page  # the outcome of the auditor's own sign-in
    assert '<th scope="col">Record</th>' in page  # the entry's record, not the menu's "Registry"


def test_the_menu_reads_in_english(client, db, login_as):
    login_as("supervisor", ["12"], language="en")
    page = client.get("/").get_data(as_text=True)
    assert ">Search</a>" in page and ">Búsqueda</a>" not in page


def test_an_english_user_gets_the_error_pages_in_english(client, db, login_as):
    login_as("caseworker", ["12"], language="en")
    response = client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page and "Página no encontrada" not in page


def test_a_password_refusal_reads_in_english(client, db, login_as):
    login_as("caseworker", ["12"], language="en")
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"), "current_password": factories.PASSWORD,
        "new_password": "corta", "confirm": "corta"})
    page = response.get_data(as_text=True)
    assert "The password must have at least" in page and "La contraseña debe tener" not in page


def test_workflow_refusals_read_in_the_users_language(app):
    from flask_babel import force_locale

    from dfi_casos.cases import workflow
    from dfi_casos.catalogs.enums import Stage

    with app.test_request_context(), force_locale("en"):
        with pytest.raises(workflow.TransitionNotAllowed) as refused:
            workflow.check_direct_change(Stage.ATTENTION, Stage.CLOSED, None)
        assert refused.value.message == "Moving to “Closed” requires a supervisor’s approval: send a request."
        with pytest.raises(workflow.TransitionNotAllowed) as skipped:
            workflow.check_direct_change(Stage.PREVENTION, Stage.ATTENTION, None)
        assert "Cannot move from “Prevention” to “Care”" in skipped.value.message
    with app.test_request_context():
        with pytest.raises(workflow.TransitionNotAllowed) as spanish:
            workflow.check_direct_change(Stage.ATTENTION, Stage.CLOSED, None)
        assert spanish.value.message.startswith("Pasar a «Cerrado» requiere la aprobación")


def test_a_conflict_message_declared_at_import_reads_in_english(app):
    from flask_babel import force_locale

    from dfi_casos.errors import EditConflict

    with app.test_request_context(), force_locale("en"):
        assert EditConflict().message.startswith("Someone else changed this record while you were editing it")


def test_the_arco_access_report_stays_spanish_for_an_english_user(app, client, db, login_as):
    from tests.integration.test_rights_access_report import access_request

    _person, _case, arco = access_request(db, app)
    login_as("transparency", ["12"], language="en")
    data = json.loads(client.get(f"/arco/{arco.id}/reporte.json").get_data())
    actions = {entry["accion"] for entry in data["accesos"]["entradas"]}
    assert "Consulta" in actions and "View" not in actions  # an official document: labels in Spanish


def test_counts_are_formatted_by_the_locale(app):
    from flask_babel import force_locale

    from dfi_casos.i18n import number

    with app.test_request_context(), force_locale("en"):
        assert number(12345) == "12,345" and number(2.5) == "2.5"
        assert number("<5") == "<5"  # a suppressed cell stays as it is published
    assert number(20000) == "20,000"  # outside a request: es_MX, which groups the same way


def test_a_household_is_named_in_the_users_language(client, db, login_as):
    caseworker = login_as("caseworker", ["12"], language="en")
    case = factories.make_case(db, caseworker, "12")
    page = client.get(f"/casos/{case.id}").get_data(as_text=True)
    assert "Household of " in page and "Hogar de " not in page
