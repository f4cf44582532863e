"""Second factor (TOTP): enrolment on first login, one use per code, recovery codes, lockout, reset."""
from __future__ import annotations

import re

import pytest

from dfi_casos import web
from dfi_casos.auth import mfa
from dfi_casos.auth.models import MfaCredential, RecoveryCode
from dfi_casos.extensions import limiter
from dfi_casos.security.audit import AuditEvent
from dfi_casos.security.mfa import code_at, current_step, hash_recovery_code
from tests import factories
from tests.conftest import csrf_token

CODES_RE = re.compile(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>")


@pytest.fixture(autouse=True)
def mfa_for_supervisors(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ["supervisor", "auditor", "administrator"])


def post_password(client, user):
    return client.post("/login", data={"csrf_token": csrf_token(client), "username": user.username,
                                       "password": factories.PASSWORD})


def post_code(client, path, code):
    return client.post(path, data={"csrf_token": csrf_token(client, path), "code": code})


def secret_of(db, user) -> str:
    return mfa.credential(db, user).secret


def enrolled_supervisor(client, db):
    """A supervisor who went through enrolment (and is signed out again); returns (user, secret, codes)."""
    user = factories.make_user(db, role="supervisor", states=["12"])
    assert post_password(client, user).location == "/login/activar"
    page = client.get("/login/activar")
    secret = secret_of(db, user)
    done = post_code(client, "/login/activar", code_at(secret, current_step() - 1))
    codes = CODES_RE.findall(done.get_data(as_text=True))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    return user, secret, codes, page


def test_a_supervisor_enrols_on_first_login_with_a_server_drawn_qr(client, db):
    user = factories.make_user(db, role="supervisor", states=["12"])
    response = post_password(client, user)
    assert response.status_code == 302 and response.location == "/login/activar"
    assert client.get("/").status_code == 302  # the password alone opens nothing
    page = client.get("/login/activar").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and "<script>" not in page
    secret = secret_of(db, user)
    assert " ".join(secret[i:i + 4] for i in range(0, 32, 4)) in page  # to type by hand
    done = post_code(client, "/login/activar", code_at(secret, current_step()))
    assert done.status_code == 200
    assert len(set(CODES_RE.findall(done.get_data(as_text=True)))) == 10
    assert client.get("/").status_code == 200
    assert db.query(AuditEvent).filter_by(action="mfa_enroll", object_id=str(user.id)).count() == 1


def test_an_enrolled_supervisor_needs_a_current_code_and_each_code_works_once(app, client, db):
    user, secret, _codes, _page = enrolled_supervisor(client, db)
    assert post_password(client, user).location == "/login/codigo"
    assert post_code(client, "/login/codigo", "123456" if code_at(secret, current_step()) != "123456"
                     else "654321").status_code == 401
    code = code_at(secret, current_step() + 1)
    assert post_code(client, "/login/codigo", code).status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    post_password(client, user)
    replayed = post_code(client, "/login/codigo", code)
    assert replayed.status_code == 401 and "ya se usó" in replayed.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_recovery_code_works_once_and_is_stored_hashed(client, db):
    user, _secret, codes, _page = enrolled_supervisor(client, db)
    stored = {row.code_hash for row in db.query(RecoveryCode).filter_by(user_id=user.id)}
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & stored
    post_password(client, user)
    assert post_code(client, "/login/codigo", codes[0].upper()).status_code == 302
    assert hash_recovery_code(codes[0]) in stored
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    post_password(client, user)
    assert post_code(client, "/login/codigo", codes[0]).status_code == 401


def test_wrong_codes_count_toward_the_lockout_like_passwords(client, db):
    user, secret, _codes, _page = enrolled_supervisor(client, db)
    post_password(client, user)  # one attempt
    for _ in range(4):
        post_code(client, "/login/codigo", "000000")
    assert user.locked_until is not None
    refused = post_code(client, "/login/codigo", code_at(secret, current_step() + 1))
    assert refused.status_code == 401 and client.get("/").status_code == 302


def test_the_secret_is_encrypted_at_rest(client, db):
    user, secret, _codes, _page = enrolled_supervisor(client, db)
    row = db.query(MfaCredential).filter_by(user_id=user.id).one()
    assert secret.encode() not in row.secret_enc


def test_the_half_open_login_expires_after_five_minutes(client, db, monkeypatch):
    import time

    user, secret, _codes, _page = enrolled_supervisor(client, db)
    post_password(client, user)
    monkeypatch.setattr(web, "session_clock", lambda: time.time() + 301)
    assert client.get("/login/codigo").location == "/login"
    assert client.get("/").status_code == 302


def test_an_administrator_resets_a_users_second_factor_and_the_user_enrols_again(app, client, db, login_as):
    user, _secret, _codes, _page = enrolled_supervisor(client, db)
    other_device = app.test_client()
    post_password(other_device, user)
    post_code(other_device, "/login/codigo", code_at(secret_of(db, user), current_step() + 1))
    assert other_device.get("/").status_code == 200
    login_as("administrator", ["12"])
    response = client.post(f"/admin/users/{user.id}/mfa/reset", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert db.query(AuditEvent).filter_by(action="mfa_reset", object_id=str(user.id)).count() == 1
    assert other_device.get("/").status_code == 302  # the reset ended the user's sessions
    assert mfa.credential(db, user) is None
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert post_password(client, user).location == "/login/activar"


def test_a_caseworker_signs_in_without_a_code_and_may_turn_it_on(client, db, login_as):
    user = login_as("caseworker", ["12"])
    page = client.get("/cuenta/verificacion")
    assert page.status_code == 200 and "Opcional" in page.get_data(as_text=True)
    done = post_code(client, "/cuenta/verificacion", code_at(secret_of(db, user), current_step()))
    assert len(CODES_RE.findall(done.get_data(as_text=True))) == 10
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert post_password(client, user).location == "/login/codigo"


def test_codes_of_the_login_step_are_rate_limited(client, db, rate_limits_on, monkeypatch, app):
    monkeypatch.setitem(app.config, "CREDENTIAL_RATE_LIMIT", "3 per minute")
    monkeypatch.setitem(app.config, "LOCKOUT_THRESHOLD", 50)
    user, _secret, _codes, _page = enrolled_supervisor(client, db)
    limiter.reset()  # the enrolment's code counted too
    post_password(client, user)
    statuses = [post_code(client, "/login/codigo", "000000").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
