"""Case journeys in a real browser: the caseworker's worklist and a note, a supervisor's approval."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login, logout

pytestmark = pytest.mark.e2e


def test_caseworker_follows_up_an_overdue_referral_with_a_note(page: Page, live_server):
    login(page, live_server.url, "capturista.gro")
    expect(page.get_by_role("heading", name="Canalizaciones vencidas")).to_be_visible()
    expect(page.get_by_role("heading", name="Solicitudes rechazadas")).to_be_visible()
    overdue = page.locator("section", has=page.get_by_role("heading", name="Canalizaciones vencidas"))
    overdue.get_by_role("link").first.click()
    expect(page.get_by_text("Vencida").first).to_be_visible()
    page.get_by_label("Nota", exact=True).fill("Llamamos a la clínica: la cita quedó para el viernes.")
    page.get_by_role("button", name="Agregar nota").click()
    expect(page.get_by_text("Nota agregada.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("la cita quedó para el viernes")
    logout(page)


def test_supervisor_approves_entering_durable_solutions(page: Page, live_server):
    login(page, live_server.url, "supervisora.gro")
    page.get_by_role("link", name="Mis casos").first.click()
    waiting = page.locator("tr", has_text="Aprobación: Soluciones duraderas").first
    waiting.get_by_role("link").click()
    decision = page.locator("#accion-aprobacion")
    decision.get_by_label("Decisión").select_option("approve")
    decision.get_by_label("Comentario").fill("Se cumplen las condiciones para la integración local.")
    decision.get_by_role("button", name="Guardar decisión").click()
    expect(page.get_by_text("Solicitud aprobada.")).to_be_visible()
    expect(page.locator(".kv")).to_contain_text("Soluciones duraderas")
    expect(page.locator("#accion-aprobacion")).to_have_count(0)
    logout(page)
