"""Durable-solution journeys in a real browser: the supervisor's dashboard leads to a closure request."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login, logout

pytestmark = pytest.mark.e2e


def test_supervisor_goes_from_dashboard_to_closure_request(page: Page, live_server):
    login(page, live_server.url, "supervisora.gro")
    page.get_by_role("link", name="Soluciones duraderas").first.click()
    expect(page.get_by_role("heading", name="Hogares listos para cierre por solución duradera")).to_be_visible()
    expect(page.get_by_role("img", name="Hogares por etapa del caso")).to_be_visible()
    expect(page.get_by_role("table", name="Hogares por criterio y estado (última evaluación firmada)")).to_be_visible()
    # The last one is the demo household already in soluciones duraderas with nothing pending
    # (the other may still await the decision another journey takes).
    page.locator("#tabla-listos").get_by_role("link", name="Solicitar cierre").last.click()
    expect(page).to_have_url(re.compile(r"/cierre$"))
    page.get_by_label("Motivo del cierre").select_option("durable_solution_achieved")
    page.get_by_label("Justificación").fill("Todos los criterios en «cumple» o «no aplica» en la última evaluación.")
    page.get_by_role("button", name="Enviar solicitud").click()
    expect(page.get_by_text("Solicitud enviada")).to_be_visible()
    logout(page)
