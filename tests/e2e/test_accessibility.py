"""Each role's main pages in Chromium: no serious or critical axe-core violation, nothing scrolls sideways at 390 px."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.axe import scrolls_sideways, serious_violations
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

#: username -> the pages that role lives in (its home page first).
ROLE_PAGES = {
    "capturista.gro": ["/", "/registro/hogares", "/busqueda/", "/registro/hogares/nuevo"],
    "supervisora.gro": ["/", "/casos/lista", "/soluciones/"],
    "auditor.gro": ["/", "/auditoria/", "/auditoria/cadena"],
    "admin.gro": ["/", "/admin/users", "/admin/users/new"],
}


@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_main_page_of_each_role_has_no_serious_accessibility_violation(page: Page, live_server, username):
    login(page, live_server.url, username)
    page.goto(f"{live_server.url}{ROLE_PAGES[username][0]}")
    assert serious_violations(page) == []


@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_nothing_scrolls_sideways_on_a_phone(page: Page, live_server, username):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, username)
    wide = {}
    for path in ROLE_PAGES[username]:
        page.goto(f"{live_server.url}{path}")
        if offenders := scrolls_sideways(page):
            wide[path] = offenders
    assert wide == {}


@pytest.mark.parametrize("width", [1366, 390])
def test_case_page_has_no_serious_violation_and_fits_a_phone(page: Page, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server.url, "supervisora.gro")
    page.goto(f"{live_server.url}/casos/lista")
    page.locator("table.data tbody tr").first.get_by_role("link").first.click()
    assert serious_violations(page) == []
    assert scrolls_sideways(page) == []
