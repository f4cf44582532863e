"""Journeys through the base UI in a real browser: sign in, navigate by role, manage an account."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login, logout

pytestmark = pytest.mark.e2e


def test_demo_banner_and_login_and_logout(page: Page, live_server):
    page.goto(f"{live_server.url}/login")
    expect(page.get_by_role("heading", name="Modo demostración")).to_be_visible()
    login(page, live_server.url, "capturista.gro")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mis casos")  # caseworkers land on their worklist
    expect(page.locator(".user-name")).to_contain_text("Rosa Martínez")
    expect(page.get_by_role("navigation", name="Menú principal")).not_to_contain_text("Usuarios")
    logout(page)
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("Cerró su sesión.")).to_be_visible()


def test_wrong_password_shows_the_generic_message_beside_the_field(page: Page, live_server):
    login(page, live_server.url, "supervisora.chis", "no es la contraseña")
    expect(page.locator(".errors").get_by_text("Usuario o contraseña incorrectos")).to_be_visible()
    expect(page.get_by_label("Contraseña")).to_have_attribute("aria-invalid", "true")


def test_administrator_creates_an_account_and_fixes_a_too_short_password(page: Page, live_server):
    login(page, live_server.url, "admin.gro")
    page.get_by_role("link", name="Usuarios").first.click()
    page.get_by_role("link", name="Nueva cuenta").click()
    page.get_by_label("Usuario").fill("capturista.nueva")
    page.get_by_label("Nombre completo").fill("Capturista Nueva")
    page.get_by_label("Correo electrónico").fill("nueva@demo.dfi.gob.mx")
    page.get_by_label("Rol").select_option("caseworker")
    page.get_by_role("group", name="Entidades").get_by_label("Guerrero").check()
    page.get_by_label("Contraseña", exact=True).fill("corta")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".errors").get_by_text("La contraseña debe tener al menos 12 caracteres.")).to_be_visible()
    page.get_by_label("Contraseña", exact=True).fill("una frase que se recuerda bien")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Cuenta capturista.nueva creada.")).to_be_visible()
    logout(page)
    login(page, live_server.url, "capturista.nueva", "una frase que se recuerda bien")
    expect(page.locator(".user-name")).to_contain_text("Capturista Nueva")
