"""The case page as a record: no action forms on it, one page per action, back to the section acted on."""
from __future__ import annotations

import re
from datetime import date

from dfi_casos.auth.models import Role
from dfi_casos.cases import pages
from dfi_casos.cases import services as cases
from dfi_casos.catalogs.enums import AssistanceType, ServiceStatus, Stage
from dfi_casos.database import local_today
from dfi_casos.registry.models import Household
from tests import factories
from tests.conftest import csrf_token

GRO = "12"


def body(response):
    return response.get_data(as_text=True)


def test_case_page_renders_no_action_form_only_links_to_each_action(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    html = body(client.get(f"/casos/{case.id}"))
    forms = re.findall(r'<form[^>]*action="([^"]*)"', html)
    assert forms == ["/logout"]
    for path in ("entrevista", "servicios", "canalizaciones", "notas", "etapa", "solicitud"):
        assert f'href="/casos/{case.id}/{path}"' in html
    assert f'href="/casos/{case.id}/asignacion"' not in html  # a caseworker does not assign
    assert f'href="/casos/{case.id}/aprobacion"' not in html  # nothing pending


def test_supervisor_is_offered_assignment_and_the_decision_of_a_pending_request(client, db, login_as):
    login_as("supervisor", [GRO])
    case = factories.make_case(db, None, GRO, stage=Stage.ATTENTION)
    owner = db.get(type(case.owner), case.owner_id)
    cases.request_approval(db, owner, case, Stage.DURABLE_SOLUTIONS, None, "Tienen empleo y vivienda en Iguala.")
    html = body(client.get(f"/casos/{case.id}"))
    assert f'href="/casos/{case.id}/asignacion"' in html and f'href="/casos/{case.id}/aprobacion"' in html
    head = html.split('class="record-head"', 1)[1].split("</header>", 1)[0]
    assert "Solicitud pendiente de aprobación" in head and "Tienen empleo y vivienda en Iguala." in head
    assert "Hogar de Juana Prueba" in head


def test_decision_page_shows_the_justification_it_decides_on(client, db, login_as):
    login_as("supervisor", [GRO])
    case = factories.make_case(db, None, GRO, stage=Stage.ATTENTION)
    owner = db.get(type(case.owner), case.owner_id)
    cases.request_approval(db, owner, case, Stage.DURABLE_SOLUTIONS, None, "La familia eligió integrarse.")
    html = body(client.get(f"/casos/{case.id}/aprobacion"))
    assert "La familia eligió integrarse." in html and 'name="aprobacion-decision"' in html


def test_action_page_answers_get_and_a_refused_post_comes_back_at_the_same_address(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    path = f"/casos/{case.id}/notas"
    page = client.get(path)
    assert page.status_code == 200 and 'name="nota-body"' in body(page)
    refused = client.post(path, data={"nota-csrf_token": csrf_token(client, path), "nota-body": ""})
    html = body(refused)
    assert refused.status_code == 400 and f'action="{path}"' in html
    assert 'class="form-summary"' in html and 'href="#nota-body"' in html  # the summary links to the field
    assert client.get(path).status_code == 200  # reloading the address never answers 405
    assert case.notes == []


def test_saving_returns_to_the_case_page_at_the_section_acted_on(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    token = csrf_token(client, f"/casos/{case.id}/notas")
    saved = client.post(f"/casos/{case.id}/notas", data={"nota-csrf_token": token, "nota-body": "Llamó la madre."})
    assert saved.status_code == 302 and saved.location.endswith(f"/casos/{case.id}#notas")
    saved = client.post(f"/casos/{case.id}/servicios", data={
        "servicio-csrf_token": token, "servicio-assistance_type": "food", "servicio-status": "delivered",
        "servicio-provided_on": local_today().isoformat()})
    assert saved.status_code == 302 and saved.location.endswith(f"/casos/{case.id}#servicios")


def test_action_not_available_now_sends_back_to_the_case_instead_of_a_useless_form(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    response = client.get(f"/casos/{case.id}/recurso")
    assert response.status_code == 302 and f"/casos/{case.id}#resumen" in response.location


def test_assistance_dated_today_shows_the_typed_date_and_sorts_after_the_opening(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    cases.add_service(db, user, case, assistance_type=AssistanceType.FOOD, provided_on=local_today(),
                      status=ServiceStatus.DELIVERED)
    entries = pages.timeline(db, user, case)
    titles = [e.title for e in entries]
    assert titles.index("Alimentación (entregado)") < titles.index("Caso abierto en «Asistencia»")
    history = body(client.get(f"/casos/{case.id}")).split('id="historia"', 1)[1]
    service = history.split("Alimentación (entregado)", 1)[1].split("</li>", 1)[0]
    assert local_today().strftime("%d/%m/%Y") in service
    assert "p.m." not in service and "a.m." not in service


def test_a_past_assistance_sorts_on_its_own_day_not_on_the_day_it_was_typed(db):
    from datetime import timedelta

    user = factories.make_user(db, Role.CASEWORKER, [GRO])
    case = factories.make_case(db, user, GRO)
    cases.add_service(db, user, case, assistance_type=AssistanceType.SHELTER,
                      provided_on=local_today() - timedelta(days=3), status=ServiceStatus.DELIVERED)
    entries = pages.timeline(db, user, case)
    assert entries[-1].service is not None and entries[-1].day == local_today() - timedelta(days=3)


def test_a_signed_assessment_shows_on_the_case_history_and_an_unsigned_one_does_not(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    household = db.get(Household, case.household_id)
    factories.make_assessment(db, household, sign=True, assessed_on=date(2026, 3, 5))
    factories.make_assessment(db, household, assessed_on=date(2026, 4, 5))  # recorded, never signed
    entries = [e for e in pages.timeline(db, user, case) if e.kind == "assessment"]
    assert [e.title for e in entries] == ["Evaluación de soluciones duraderas del 05/03/2026 firmada"]
    assert entries[0].at.tzinfo is not None
    history = body(client.get(f"/casos/{case.id}")).split('id="historia"', 1)[1]
    assert "Evaluación de soluciones duraderas del 05/03/2026 firmada" in history
    assert "05/04/2026" not in history
