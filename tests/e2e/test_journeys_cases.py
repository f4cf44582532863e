"""Case journeys in a real browser: the caseworker's worklist and a note, a supervisor's approval."""
from __future__ import annotations

import re

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
    expect(page.locator(".flags")).to_contain_text("canalización vencida")
    page.get_by_role("link", name="Agregar nota de seguimiento").click()
    page.get_by_label("Nota", exact=True).fill("Llamamos a la clínica: la cita quedó para el viernes.")
    page.get_by_role("button", name="Agregar nota").click()
    expect(page.get_by_text("Nota agregada.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"#notas$"))
    expect(page.locator("#notas")).to_contain_text("la cita quedó para el viernes")
    logout(page)


def test_supervisor_approves_entering_durable_solutions_from_her_home_page(page: Page, live_server):
    login(page, live_server.url, "supervisora.gro")
    decision = page.locator("article.decision", has_text="«Soluciones duraderas»").first
    expect(decision).to_contain_text("Justificación:")
    folio = decision.get_by_role("link").first.inner_text()
    decision.get_by_label("Comentario (obligatorio al rechazar)").fill("Se cumplen las condiciones.")
    decision.get_by_role("button", name=re.compile("^Aprobar")).click()
    expect(page.get_by_text(f"Solicitud aprobada: {folio}.")).to_be_visible()
    expect(page.locator("article.decision", has_text=folio)).to_have_count(0)
    page.get_by_role("link", name="Casos", exact=True).first.click()
    page.get_by_label("Folio").fill(folio)
    page.get_by_role("button", name="Buscar").click()
    expect(page.locator(".stages [aria-current='step']")).to_contain_text("Soluciones duraderas")
    logout(page)
