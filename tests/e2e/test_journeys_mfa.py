"""Second factor in a real browser: a new auditor enrols on first login, then signs in with a code."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from dfi_casos.extensions import db
from dfi_casos.security.access import Role
from tests import factories
from tests.e2e.conftest import login, logout, next_totp_code

pytestmark = pytest.mark.e2e


def test_a_new_auditor_enrols_on_first_login_and_then_signs_in_with_a_code(page: Page, live_server):
    with live_server.app.app_context():
        user = factories.make_user(db.session, role=Role.AUDITOR, states=["07"], username="auditora.nueva")
        db.session.commit()
        username = user.username
        db.session.remove()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Usuario", exact=True).fill(username)
    page.get_by_label("Contraseña", exact=True).fill(factories.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Entrar").click()
    expect(page).to_have_url(re.compile(r"/login/activar$"))
    expect(page.get_by_role("img", name="Código QR para la aplicación de autenticación")).to_be_visible()
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Código de verificación").fill(next_totp_code(live_server.url, username, secret))
    page.get_by_role("button", name="Activar y continuar").click()
    expect(page.get_by_role("heading", name="Sus códigos de recuperación")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Ya los guardé, continuar").click()
    expect(page.locator(".user-name")).to_be_visible()
    logout(page)
    login(page, live_server.url, username, factories.PASSWORD, totp_secret=secret)
    expect(page.locator(".user-name")).to_be_visible()
