"""ARCO in a real browser: the liaison signs in (second factor), sees what is due, registers a request,
extends it once with a reason and answers it; the calendar shows the published periods."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_liaison_registers_extends_and_answers_a_request(page: Page, live_server):
    login(page, live_server.url, "enlace.gro")
    expect(page.get_by_role("heading", name=re.compile("Solicitudes ARCO por vencer"))).to_be_visible()
    page.get_by_role("link", name="Derechos ARCO").first.click()
    expect(page.get_by_role("heading", name="Solicitudes de derechos ARCO")).to_be_visible()
    page.get_by_role("link", name="Registrar solicitud").click()
    page.get_by_label("Derecho que se ejerce").select_option("access")
    page.get_by_label("Medio de recepción").select_option("email")
    page.get_by_label("Fecha de recepción").fill("2026-11-02")
    page.get_by_label("Qué se solicita").fill("Quiero saber qué datos tienen de mí.")
    page.get_by_label("Nombre de quien solicita").fill("Persona Solicitante")
    page.get_by_label("Entidad (si la persona no está identificada)").select_option("12")
    with page.expect_navigation():
        page.get_by_role("button", name="Registrar").click()
    expect(page.get_by_role("heading", name=re.compile(r"Solicitud ARCO-12-2026-\d{6}"))).to_be_visible()
    expect(page.get_by_text("Aún no identificada en el registro")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Marcar en trámite").click()
    page.get_by_label("Motivo de la ampliación").fill("Se requiere consultar los expedientes de dos oficinas.")
    with page.expect_navigation():
        page.get_by_role("button", name="Ampliar plazo").click()
    expect(page.get_by_text("Prorrogada")).to_be_visible()
    expect(page.get_by_role("button", name="Ampliar plazo")).to_have_count(0)  # only once
    page.get_by_label("Respuesta que se notifica").fill("Se informa que no hay registros a su nombre.")
    page.get_by_label("Procedente: se concede lo solicitado").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Registrar respuesta").click()
    expect(page.locator(".flags").get_by_text("Respondida")).to_be_visible()
    page.get_by_role("link", name="← Solicitudes ARCO").click()
    page.get_by_role("link", name="Ver el calendario de días inhábiles").click()
    expect(page.get_by_text("Semana Santa 2027")).to_be_visible()
