"""A case's life in a real browser: a transfer Guerrero → Chiapas accepted by Chiapas, and a reopening."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login, logout

pytestmark = pytest.mark.e2e


def test_a_transfer_asked_in_guerrero_is_accepted_in_chiapas(page: Page, live_server):
    login(page, live_server.url, "capturista.gro")
    mine = page.locator("section#abiertos")
    mine.locator("tr", has_text="Prevención").get_by_role("link").first.click()
    folio = page.get_by_role("heading", level=1).inner_text().replace("Caso ", "")
    page.get_by_role("link", name="Solicitar traslado a otra entidad").first.click()
    page.get_by_label("Entidad que recibe el caso").select_option(label="Chiapas")
    page.get_by_label("Motivo del traslado").fill("La familia se fue con parientes a Comitán.")
    page.get_by_role("button", name="Enviar solicitud").click()
    expect(page.get_by_text("Traslado solicitado.")).to_be_visible()
    expect(page.locator(".pending-request")).to_contain_text("Traslado pendiente: Guerrero → Chiapas")
    logout(page)

    login(page, live_server.url, "supervisora.chis")
    page.get_by_role("link", name="Traslados", exact=True).first.click()
    waiting = page.locator("section#por-responder")
    waiting.get_by_role("link", name=folio).click()
    expect(page.get_by_text("La familia se fue con parientes a Comitán.")).to_be_visible()
    page.get_by_label("Respuesta").select_option(label="Aceptar")
    page.get_by_label("Responsable en la entidad que recibe").select_option(label="Pedro Gómez (capturista, Chiapas)")
    page.get_by_role("button", name="Guardar respuesta").click()
    expect(page.get_by_text("Traslado aceptado: el caso ya es de su entidad.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Caso {folio}")
    expect(page.locator("#traslados")).to_contain_text("Aceptado")
    expect(page.locator(".record-facts")).to_contain_text("Pedro Gómez")
    logout(page)

    login(page, live_server.url, "capturista.gro")  # the sending office no longer reaches the case
    expect(page.get_by_role("heading", name="Mis casos")).to_be_visible()
    expect(page.get_by_role("link", name=folio)).to_have_count(0)
    logout(page)


def test_a_closed_case_is_reopened_with_another_supervisor_s_approval(page: Page, live_server):
    login(page, live_server.url, "supervisor2.gro")
    page.get_by_role("link", name="Casos", exact=True).first.click()
    page.get_by_label("Etapa").select_option(label="Cerrado")
    page.get_by_role("button", name="Buscar").click()
    links = page.locator("table.data tbody a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    for href in hrefs:
        page.goto(f"{live_server.url}{href}")
        if page.get_by_role("link", name="Solicitar reapertura").count():
            break
    folio = page.get_by_role("heading", level=1).inner_text().replace("Caso ", "")
    page.get_by_role("link", name="Solicitar reapertura").click()
    page.get_by_label("Reabrir en la etapa").select_option(label="Atención")
    page.get_by_label("Motivo de la reapertura").fill("La familia volvió a la oficina tras nuevas amenazas.")
    page.get_by_role("button", name="Enviar solicitud").click()
    expect(page.get_by_text("Solicitud enviada: reabrir en «Atención».")).to_be_visible()
    logout(page)

    login(page, live_server.url, "supervisora.gro")
    reopenings = page.locator("section#reaperturas")
    reopenings.get_by_role("link", name=folio).click()
    page.get_by_role("link", name="Decidir reapertura").first.click()
    page.get_by_label("Decisión").select_option(label="Aprobar")
    page.get_by_role("button", name="Guardar decisión").click()
    expect(page.get_by_text(f"Caso {folio} reabierto en «Atención».")).to_be_visible()
    expect(page.locator(".stages [aria-current='step']")).to_contain_text("Atención")
    expect(page.locator("#historia")).to_contain_text("Caso reabierto en «Atención»")
    expect(page).to_have_url(re.compile(r"#resumen$"))
    logout(page)
