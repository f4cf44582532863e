"""The whole story of one household, as its users meet it, in a real browser.

a. a caseworker registers a household of three (one CURP typed wrong, the error read and
   corrected), opens a case, records an assistance, requests the move to soluciones duraderas;
b. a supervisor approves it and records an assessment; the other supervisor signs it and requests
   the closure, which the first approves;
c. an auditor finds that case's access history and exports it;
d. a caseworker of another state searches for that household and finds nothing.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from dfi_casos.registry.curp import make_curp
from tests.e2e.conftest import login, logout

pytestmark = pytest.mark.e2e

HEAD = {"given": "Hermelinda", "first": "Sotelo", "second": "Bello", "born": date(1984, 3, 12)}
CURP = make_curp(HEAD["first"], HEAD["second"], HEAD["given"], HEAD["born"], "M", "GR")
WRONG_CURP = CURP[:17] + str((int(CURP[17]) + 1) % 10)


def today_in_mexico() -> date:
    """The app judges "future" dates in Mexico City time, as its users do."""
    return datetime.now(ZoneInfo("America/Mexico_City")).date()


def register_household_of_three(page: Page, base_url: str) -> None:
    page.get_by_role("link", name="Registro").first.click()
    page.get_by_role("link", name="Hogar", exact=True).click()
    page.get_by_label("Municipio", exact=True).select_option("12029")
    page.locator("[name='members-0-given_names']").fill(HEAD["given"])
    page.locator("[name='members-0-first_surname']").fill(HEAD["first"])
    page.locator("[name='members-0-second_surname']").fill(HEAD["second"])
    page.locator("[name='members-0-birth_date']").fill(HEAD["born"].isoformat())
    page.locator("[name='members-0-registered_sex']").select_option("female")
    page.locator("[name='members-0-curp']").fill(WRONG_CURP)
    page.locator("[name='members-0-relationship']").select_option("head")
    for index, (given, born) in enumerate([("Rubén", "2012-07-01"), ("Itzel", "2016-11-23")], start=1):
        page.get_by_role("button", name="Agregar integrante").click()
        page.locator(f"[name='members-{index}-given_names']").fill(given)
        page.locator(f"[name='members-{index}-first_surname']").fill(HEAD["first"])
        page.locator(f"[name='members-{index}-birth_date']").fill(born)
        page.locator(f"[name='members-{index}-relationship']").select_option("child")
    page.get_by_role("button", name="Guardar hogar").click()
    # The caseworker reads the reason beside the CURP field, and corrects it.
    expect(page.locator("#members-0-curp-err")).to_contain_text("dígito verificador")
    expect(page.locator("[name='members-0-curp']")).to_have_attribute("aria-invalid", "true")
    # The summary at the top links to the failing field, and the cursor is already in it.
    expect(page.locator(".form-summary").get_by_role("link", name=re.compile("dígito verificador"))).to_be_visible()
    expect(page.locator("[name='members-0-curp']")).to_be_focused()
    page.locator("[name='members-0-curp']").fill(CURP)
    page.get_by_role("button", name="Guardar hogar").click()
    expect(page.get_by_text("Hogar registrado.")).to_be_visible()
    expect(page.get_by_role("link", name=f"Itzel {HEAD['first']}")).to_be_visible()


def open_case_with_assistance_and_request(page: Page) -> str:
    page.get_by_role("link", name="Abrir caso").click()
    page.get_by_label("Etapa inicial").select_option("attention")
    page.get_by_role("button", name="Abrir caso").click()
    opened = page.get_by_text(re.compile(r"Caso DFI-GRO-\d{4}-\d{6} abierto\."))
    expect(opened).to_be_visible()
    folio = re.search(r"DFI-GRO-\d{4}-\d{6}", opened.inner_text()).group(0)
    # The case page carries no form: each action is a button to its own page.
    expect(page.locator("main form")).to_have_count(0)
    page.get_by_role("link", name="Registrar asistencia o servicio").click()
    page.get_by_label("Tipo de asistencia").select_option("food")
    page.get_by_label("Fecha", exact=True).fill(today_in_mexico().isoformat())
    page.get_by_label("Estado", exact=True).select_option("delivered")
    page.get_by_role("button", name="Registrar").click()
    expect(page).to_have_url(re.compile(r"#servicios$"))
    expect(page.locator("#servicios")).to_contain_text("Alimentación")
    expect(page.locator("#historia")).to_contain_text(today_in_mexico().strftime("%d/%m/%Y"))  # the day as typed
    page.get_by_role("link", name="Solicitar aprobación").click()
    page.get_by_label("Solicitar el paso a").select_option("durable_solutions")
    page.get_by_label("Justificación").fill("La familia quiere integrarse en Chilpancingo; ya tiene empleo.")
    page.get_by_role("button", name="Enviar solicitud").click()
    expect(page.get_by_text("Solicitud pendiente de aprobación")).to_be_visible()
    return folio


def open_case_page(page: Page, base_url: str, folio: str) -> None:
    page.get_by_role("link", name="Casos", exact=True).first.click()
    page.get_by_label("Folio").fill(folio)
    page.get_by_role("button", name="Buscar").click()  # an exact folio opens its case directly
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Caso {folio}")


def decide_pending_request(page: Page, comment: str) -> None:
    head = page.locator(".record-head")
    expect(head).to_contain_text("Justificación:")  # the supervisor reads why before deciding
    head.get_by_role("link", name="Decidir solicitud").click()
    page.get_by_label("Decisión").select_option("approve")
    page.get_by_label("Comentario").fill(comment)
    page.get_by_role("button", name="Guardar decisión").click()
    expect(page.locator(".flash-success")).to_contain_text("Solicitud aprobada")


def record_assessment(page: Page) -> None:
    page.locator("#soluciones").get_by_role("link", name="Soluciones duraderas del hogar").click()
    page.get_by_role("link", name="Nueva evaluación").click()
    page.get_by_label("Fecha de la evaluación").fill(today_in_mexico().isoformat())
    page.get_by_label("Opción que prefiere el hogar").select_option("local_integration")
    page.get_by_label("Opción en curso").select_option("local_integration")
    for criterion in ["safety", "standard_of_living", "livelihoods", "housing_land_property", "documentation",
                      "family_reunification", "participation", "remedies_and_justice"]:
        status = "not_applicable" if criterion == "family_reunification" else "met"
        page.locator(f"[name='{criterion}_status']").select_option(status)
        page.locator(f"[name='{criterion}_evidence']").fill("Visita domiciliaria y documentos revisados.")
    page.get_by_role("button", name="Guardar evaluación").click()
    # Four eyes: whoever recorded it is not offered the signature.
    expect(page.get_by_role("button", name="Firmar evaluación")).to_have_count(0)


def sign_latest_assessment(page: Page) -> None:
    page.locator("#soluciones").get_by_role("link", name="Soluciones duraderas del hogar").click()
    page.locator("table.data tbody tr").first.get_by_role("link").click()
    page.get_by_role("button", name="Firmar evaluación").click()
    expect(page.get_by_text(re.compile("^Evaluación firmada:"))).to_be_visible()


def current_stage(page: Page) -> Any:
    return page.locator(".stages [aria-current='step']")


def supervisors_approve_assess_and_close(page: Page, base_url: str, folio: str) -> None:
    login(page, base_url, "supervisora.gro")
    open_case_page(page, base_url, folio)
    decide_pending_request(page, "Procede: la familia eligió la integración local.")
    expect(current_stage(page)).to_contain_text("Soluciones duraderas")
    record_assessment(page)
    logout(page)
    # The other Guerrero supervisor signs the assessment and asks for the closure...
    login(page, base_url, "supervisor2.gro")
    expect(page.get_by_role("heading", name=re.compile("Evaluaciones por firmar"))).to_be_visible()
    open_case_page(page, base_url, folio)
    sign_latest_assessment(page)
    open_case_page(page, base_url, folio)
    page.get_by_role("link", name="Solicitar aprobación").click()
    page.get_by_label("Solicitar el paso a").select_option("closed")
    page.get_by_label("Motivo del cierre").select_option("durable_solution_achieved")
    page.get_by_label("Justificación").fill("Los ocho criterios se cumplen o no aplican.")
    page.get_by_role("button", name="Enviar solicitud").click()
    expect(page.get_by_text("Solicitud pendiente de aprobación")).to_be_visible()
    logout(page)
    # ... and, since nobody approves their own request, the first one approves it from her home page.
    login(page, base_url, "supervisora.gro")
    decision = page.locator("article.decision", has_text=folio)
    expect(decision).to_contain_text("Los ocho criterios se cumplen o no aplican.")
    decision.get_by_label("Comentario (obligatorio al rechazar)").fill("Cierre aprobado.")
    decision.get_by_role("button", name=re.compile("^Aprobar")).click()
    expect(page.locator(".flash-success")).to_contain_text("Solicitud aprobada")
    open_case_page(page, base_url, folio)
    expect(page.locator(".record-facts")).to_contain_text("Solución duradera alcanzada")
    logout(page)


def auditor_finds_and_exports_the_access_history(page: Page, base_url: str, folio: str, tmp_path) -> None:
    login(page, base_url, "auditor.gro")
    page.get_by_role("link", name="Auditoría").first.click()
    page.get_by_label("Registro (id o folio)").fill(folio)
    page.get_by_role("button", name="Filtrar").click()
    entries = page.locator("table.data tbody tr")
    expect(entries.first).to_be_visible()
    expect(page.locator("table.data")).to_contain_text(folio)
    expect(page.locator("table.data")).not_to_contain_text(HEAD["given"])  # ids and folios, not names
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exportar CSV").click()
    exported = tmp_path / "bitacora.csv"
    download_info.value.save_as(exported)
    text = exported.read_text(encoding="utf-8")
    assert folio in text and HEAD["given"] not in text and CURP not in text
    page.locator("table.data").get_by_role("link", name=re.compile(r"^Caso ")).first.click()
    expect(page.get_by_role("heading", name="Quién ha visto este registro")).to_be_visible()
    expect(page.locator("table.data")).to_contain_text("capturista.gro")
    logout(page)


def search_box(page: Page, typed: str) -> None:
    page.get_by_role("link", name="Búsqueda").first.click()
    page.get_by_label("CURP, folio, teléfono o nombre").fill(typed)
    page.get_by_role("button", name="Buscar", exact=True).click()


def own_caseworker_finds_the_household(page: Page) -> None:
    search_box(page, CURP.lower())
    expect(page.get_by_role("heading", name="Resultados por CURP: 1")).to_be_visible()
    expect(page.locator("main")).to_contain_text(HEAD["given"])


def other_state_caseworker_finds_nothing(page: Page, base_url: str) -> None:
    login(page, base_url, "capturista.chis")
    search_box(page, CURP)
    expect(page.get_by_role("heading", name="Resultados por CURP: 0")).to_be_visible()
    expect(page.get_by_text("Hay un registro similar en otro territorio.")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(HEAD["given"])
    search_box(page, f"{HEAD['given']} {HEAD['first']} {HEAD['born']:%d/%m/%Y}")
    expect(page.get_by_role("heading", name="Resultados por nombre: 0")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(HEAD["given"])
    logout(page)


def test_one_household_from_registration_to_closure_and_audit(page: Page, live_server, tmp_path):
    login(page, live_server.url, "capturista.gro")
    register_household_of_three(page, live_server.url)
    folio = open_case_with_assistance_and_request(page)
    own_caseworker_finds_the_household(page)
    logout(page)
    supervisors_approve_assess_and_close(page, live_server.url, folio)
    auditor_finds_and_exports_the_access_history(page, live_server.url, folio, tmp_path)
    other_state_caseworker_finds_nothing(page, live_server.url)
