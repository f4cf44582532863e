"""The base UI: role navigation, Spanish error pages, security headers, admin account pages."""
from __future__ import annotations

import pytest

from dfi_casos.auth.models import User
from tests import factories
from tests.conftest import csrf_token


@pytest.mark.parametrize(("role", "visible", "hidden"), [
    ("caseworker", ["Mis casos"], ["Usuarios", "Casos"]),
    ("supervisor", ["Mis casos", "Casos"], ["Usuarios"]),
    ("auditor", [], ["Usuarios", "Mis casos", "Casos"]),
    ("administrator", ["Usuarios"], ["Mis casos", "Casos"]),
])
def test_navigation_shows_only_what_the_role_may_use(client, login_as, role, visible, hidden):
    login_as(role, ["12"])
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    nav = page.split('aria-label="Menú principal"')[1].split("</nav>")[0]
    for label in visible:
        assert f">{label}<" in nav
    for label in hidden:
        assert f">{label}<" not in nav


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "auditor"])
def test_only_administrators_reach_user_management(client, login_as, role):
    login_as(role, ["12"])
    assert client.get("/admin/users").status_code == 404


def test_security_headers_on_every_response(client, login_as):
    for path in ["/login", "/static/css/app.css"]:
        response = client.get(path)
        response.close()
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
    login_as("caseworker", ["12"])
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_and_no_external_assets(client, login_as):
    login_as("administrator", ["12"])
    for path in ["/", "/admin/users", "/admin/users/new", "/account/password"]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "onclick" not in html.lower()
        assert "http://" not in html and "https://" not in html


def test_not_found_page_is_spanish_without_stack_trace(client, login_as):
    login_as("caseworker", ["12"])
    response = client.get("/no-existe")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Página no encontrada" in body and "Traceback" not in body


def test_unexpected_error_page_is_spanish_without_stack_trace(app, client, login_as, monkeypatch):
    login_as("caseworker", ["12"])

    def explode():
        raise RuntimeError("datos personales que no deben verse")

    monkeypatch.setitem(app.view_functions, "main.index", explode)
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Error interno" in body and "Traceback" not in body and "datos personales" not in body


def test_every_input_of_the_login_and_account_forms_has_a_label(client, login_as):
    import re

    login_as("administrator", ["12"])
    for path in ["/admin/users/new", "/account/password"]:
        html = client.get(path).get_data(as_text=True)
        wrapped = set(re.findall(r'<label[^>]*>\s*<input[^>]*\bid="([^"]+)"', html))  # label around input
        for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            if input_id in {"csrf_token", "version"} or input_id in wrapped:
                continue
            assert f'for="{input_id}"' in html, f"{path}: #{input_id} has no label"


def _user_form(client, path, **overrides):
    data = {"csrf_token": csrf_token(client, path), "username": "nueva.cuenta", "full_name": "Nueva Cuenta",
            "email": "nueva@segob.gob.mx", "role": "caseworker", "states": ["12"], "active": "y",
            "password": "una frase bastante larga"}
    data.update(overrides)
    return client.post(path, data=data)


def test_administrator_creates_an_account(client, db, login_as):
    login_as("administrator", ["12"])
    response = _user_form(client, "/admin/users/new")
    assert response.status_code == 302
    created = db.query(User).filter_by(username="nueva.cuenta").one()
    assert created.states == ["12"] and created.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"password": "corta"}, "al menos 12 caracteres"),
    ({"password": "password1234"}, "demasiado común"),
    ({"email": "no-es-correo"}, "correo electrónico no es válido"),
    ({"role": "superusuario"}, "Opción inválida"),
    ({"states": []}, "Elija al menos una entidad"),
    ({"states": ["99"]}, "no es una opción válida"),
    ({"username": "x" * 10000}, "Entre 3 y 64 caracteres"),
    ({"username": "<script>alert(1)</script>"}, "Solo letras"),
])
def test_bad_account_input_is_refused_beside_its_field(client, db, login_as, overrides, message):
    login_as("administrator", ["12"])
    before = db.query(User).count()
    response = _user_form(client, "/admin/users/new", **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert db.query(User).count() == before


def test_duplicate_username_is_refused(client, db, login_as):
    login_as("administrator", ["12"])
    factories.make_user(db, username="repetida")
    response = _user_form(client, "/admin/users/new", username="repetida")
    assert response.status_code == 400
    assert "Ya existe una cuenta" in response.get_data(as_text=True)


def test_stale_edit_of_an_account_is_refused(client, db, login_as):
    login_as("administrator", ["12"])
    target = factories.make_user(db, role="caseworker", states=["12"])
    path = f"/admin/users/{target.id}"
    token = csrf_token(client, path)
    base = {"csrf_token": token, "username": target.username, "full_name": "Cambio A", "email": target.email,
            "role": "caseworker", "states": ["12"], "active": "y", "version": str(target.version)}
    assert client.post(path, data=base).status_code == 302
    stale = client.post(path, data={**base, "full_name": "Cambio B"})
    assert stale.status_code == 400
    assert "Otra persona modificó esta cuenta" in stale.get_data(as_text=True)
    assert target.full_name == "Cambio A"


def test_role_change_takes_effect_at_the_next_request(app, client, db, login_as):
    login_as("administrator", ["12"])
    target = factories.make_user(db, role="administrator", states=["12"])
    other = app.test_client()
    other.post("/login", data={"csrf_token": csrf_token(other), "username": target.username,
                               "password": factories.PASSWORD})
    assert other.get("/admin/users").status_code == 200
    path = f"/admin/users/{target.id}"
    client.post(path, data={"csrf_token": csrf_token(client, path), "username": target.username,
                            "full_name": target.full_name, "email": target.email, "role": "caseworker",
                            "states": ["12"], "active": "y", "version": str(target.version)})
    assert other.get("/admin/users").status_code == 302  # session ended; must log in again
