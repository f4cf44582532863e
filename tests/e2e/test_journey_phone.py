"""A caseworker's day on a phone (390 px wide): worklist, case record, a note; nothing scrolls sideways."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import scrolls_sideways
from tests.e2e.conftest import login, logout

pytestmark = pytest.mark.e2e


def test_caseworker_works_a_case_on_a_phone(page: Page, live_server):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "capturista.gro")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis casos")
    assert scrolls_sideways(page) == []
    page.locator("#abiertos").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Caso DFI-GRO-")
    assert scrolls_sideways(page) == []
    page.get_by_role("navigation", name="Secciones del caso").get_by_role("link", name="Notas").click()
    expect(page).to_have_url(re.compile(r"#notas$"))
    page.locator("#notas").get_by_role("link", name="Agregar nota de seguimiento").click()
    assert scrolls_sideways(page) == []
    page.get_by_role("button", name="Agregar nota").click()  # empty: the summary points at the field
    expect(page.locator(".form-summary")).to_contain_text("Nota")
    expect(page.get_by_label("Nota", exact=True)).to_be_focused()
    page.get_by_label("Nota", exact=True).fill("Visita en el albergue; todo en orden.")
    page.get_by_role("button", name="Agregar nota").click()
    expect(page.locator("#notas")).to_contain_text("Visita en el albergue")
    assert scrolls_sideways(page) == []
    logout(page)
