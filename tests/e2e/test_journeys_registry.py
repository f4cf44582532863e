"""Registry journeys in a real browser: the state refills the municipalities, a household is registered."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_changing_the_state_refills_the_municipalities_without_a_reload(page: Page, live_server):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
    login(page, live_server.url, "supervisora.nacional")
    page.goto(f"{live_server.url}/registro/personas/nueva")
    expect(page.get_by_role("button", name="Actualizar municipios")).to_be_hidden()
    page.get_by_label("Entidad de atención").select_option("07")
    municipality = page.get_by_label("Municipio", exact=True)
    expect(municipality.locator("option", has_text="Tuxtla Gutiérrez")).to_have_count(1)
    expect(municipality.locator("option", has_text="Acapulco de Juárez")).to_have_count(0)
    assert not errors, errors


def test_caseworker_registers_a_household_with_two_members(page: Page, live_server):
    login(page, live_server.url, "capturista.gro")
    page.get_by_role("link", name="Registro").first.click()
    page.get_by_role("link", name="Hogar", exact=True).click()
    page.get_by_label("Municipio", exact=True).select_option("12029")
    page.get_by_label("Nombre o los nombres").first.fill("Evangelina")
    page.get_by_label("Primer apellido").first.fill("Navarrete")
    page.get_by_label("Parentesco con la jefa o jefe").first.select_option("head")
    page.get_by_role("button", name="Agregar integrante").click()
    page.locator("[name='members-1-given_names']").fill("Tomás")
    page.locator("[name='members-1-first_surname']").fill("Navarrete")
    page.locator("[name='members-1-relationship']").select_option("child")
    page.get_by_role("button", name="Guardar hogar").click()
    expect(page.get_by_text("Hogar registrado.")).to_be_visible()
    expect(page.get_by_role("link", name="Tomás Navarrete")).to_be_visible()


def test_enter_in_a_field_saves_the_person_rather_than_refreshing(page: Page, live_server):
    login(page, live_server.url, "capturista.chis")
    page.goto(f"{live_server.url}/registro/personas/nueva")
    page.get_by_label("Nombre o los nombres").fill("Aurelia")
    page.get_by_label("Primer apellido").fill("Entzin")
    page.get_by_label("Primer apellido").press("Enter")
    expect(page.get_by_text("Persona registrada.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aurelia Entzin")
