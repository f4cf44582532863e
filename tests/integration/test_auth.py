"""Login, logout, lockout, CSRF, session lifetimes and revocation, over HTTP."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from dfi_casos import web
from dfi_casos.auth.services import GENERIC_LOGIN_ERROR
from dfi_casos.database import utcnow
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token


def post_login(client, username, password):
    return client.post("/login", data={"csrf_token": csrf_token(client), "username": username, "password": password})


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_login_success_opens_home(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    response = post_login(client, user.username, factories.PASSWORD)
    assert response.status_code == 302 and response.location == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert user.full_name in home.get_data(as_text=True)
    assert user.last_login_at is not None


def test_login_accepts_username_in_any_case(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    assert post_login(client, user.username.upper(), factories.PASSWORD).status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    wrong = post_login(client, user.username, "otra frase equivocada")
    unknown = post_login(client, "nadie.existe", "otra frase equivocada")
    assert wrong.status_code == unknown.status_code == 401
    assert str(GENERIC_LOGIN_ERROR) in wrong.get_data(as_text=True)
    assert str(GENERIC_LOGIN_ERROR) in unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_failed_logins_are_audited_without_the_password(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    post_login(client, user.username, "frase secreta equivocada")
    events = db.query(AuditEvent).filter_by(action="login_failed").all()
    assert events and events[-1].object_id == str(user.id)
    assert all("frase secreta" not in (e.details or "") for e in events)


def test_five_failures_lock_the_account_even_for_the_right_password(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    for _ in range(5):
        assert post_login(client, user.username, "frase equivocada num").status_code == 401
    assert user.locked_until is not None
    locked = post_login(client, user.username, factories.PASSWORD)
    assert locked.status_code == 401
    assert str(GENERIC_LOGIN_ERROR) in locked.get_data(as_text=True)
    assert db.query(AuditEvent).filter_by(action="lockout", object_id=str(user.id)).count() == 1


def test_lockout_expires_after_fifteen_minutes(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    for _ in range(5):
        post_login(client, user.username, "frase equivocada num")
    user.locked_until = utcnow() - timedelta(seconds=1)  # as if 15 minutes had passed
    db.flush()
    assert post_login(client, user.username, factories.PASSWORD).status_code == 302


def test_four_failures_do_not_lock(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    for _ in range(4):
        post_login(client, user.username, "frase equivocada num")
    assert post_login(client, user.username, factories.PASSWORD).status_code == 302


def test_post_without_csrf_token_is_rejected(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    response = client.post("/login", data={"username": user.username, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "El formulario caducó" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_inactive_account_cannot_log_in(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"], active=False)
    assert post_login(client, user.username, factories.PASSWORD).status_code == 401


def test_deactivated_user_is_out_at_next_request(client, db, login_as):
    user = login_as("caseworker", ["12"])
    assert client.get("/").status_code == 200
    user.active = False
    db.flush()
    assert client.get("/").status_code == 302


def test_logout_everywhere_ends_other_sessions(app, client, db, login_as):
    user = login_as("caseworker", ["12"])
    other = app.test_client()
    assert post_login(other, user.username, factories.PASSWORD).status_code == 302
    assert other.get("/").status_code == 200
    client.post("/logout-everywhere", data={"csrf_token": csrf_token(client, "/account/password")})
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 302


def test_logout_ends_the_session(client, login_as):
    login_as("caseworker", ["12"])
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.fixture
def clock(monkeypatch):
    """Move the clock the session rules read."""
    import time

    state = {"offset": 0.0}
    monkeypatch.setattr(web, "session_clock", lambda: time.time() + state["offset"])
    return state


def test_idle_session_expires_after_thirty_minutes(client, login_as, clock):
    login_as("caseworker", ["12"])
    clock["offset"] = 29 * 60
    assert client.get("/").status_code == 200
    clock["offset"] += 31 * 60
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_active_session_ends_after_twelve_hours(client, login_as, clock):
    login_as("caseworker", ["12"])
    for _ in range(25):  # active every 29 minutes for 12h05
        clock["offset"] += 29 * 60
        response = client.get("/")
    assert response.status_code == 302


def test_session_limits_are_configurable(app, client, login_as, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    login_as("caseworker", ["12"])
    clock["offset"] = 6 * 60
    assert client.get("/").status_code == 302


def test_open_redirect_after_login_is_refused(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    response = client.post("/login?next=//evil.example/x", data={
        "csrf_token": csrf_token(client), "username": user.username, "password": factories.PASSWORD})
    assert response.location == "/"


def test_session_cookie_flags(client, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    response = post_login(client, user.username, factories.PASSWORD)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_change_password_enforces_policy_and_keeps_session(client, login_as):
    user = login_as("caseworker", ["12"])
    token = csrf_token(client, "/account/password")
    short = client.post("/account/password", data={"csrf_token": token, "current_password": factories.PASSWORD,
                                                   "new_password": "corta"})
    assert short.status_code == 400 and "al menos 12 caracteres" in short.get_data(as_text=True)
    ok = client.post("/account/password", data={"csrf_token": token, "current_password": factories.PASSWORD,
                                                "new_password": "otra frase nueva y larga"})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    assert user.session_version == 2


def test_administrator_reads_key_ids_and_states_but_never_key_material(app, client, db, login_as):
    login_as("administrator", None)
    response = client.get("/admin/claves")
    html = response.get_data(as_text=True)
    material = app.extensions["dfi_keys"]
    assert response.status_code == 200 and "Activa: cifra los valores nuevos" in html
    assert f"<td>{material.active_key_id}</td>" in html
    for key in [*material.encryption_keys.values(), material.blind_index_root, material.audit_key]:
        assert base64.b64encode(key).decode() not in html and key.hex() not in html
    assert 'href="/admin/claves"' in html  # in the menu


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "auditor"])
def test_only_administrators_see_the_keys_page(client, login_as, role):
    login_as(role, ["12"])
    assert client.get("/admin/claves").status_code == 404
