"""Behind a trusted proxy the client's address comes from X-Forwarded-For; every 429 says when to retry."""
from __future__ import annotations

import pytest

from dfi_casos.extensions import db
from dfi_casos.security.audit import AuditEvent
from tests.conftest import build_app, csrf_token

ADDRESS = "203.0.113.7"
PROXY = "10.0.0.2"


@pytest.fixture(scope="module")
def app(backend, request, tmp_path_factory, keyfile):
    app = build_app(backend, request, tmp_path_factory.mktemp("proxy"), keyfile, TRUSTED_PROXIES=1,
                    LOGIN_RATE_LIMIT="3 per minute")
    yield app
    with app.app_context():
        db.engine.dispose()  # or its pooled connections are collected later, inside another test


def failed_login(client, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/login", data={"csrf_token": csrf_token(client), "username": "nadie", "password": "x" * 12},
                       headers=headers, environ_base={"REMOTE_ADDR": PROXY})


def test_audit_records_the_client_address_given_by_the_trusted_proxy(client, db):
    failed_login(client, f"198.51.100.1, {ADDRESS}")  # one proxy: the last hop it saw is the client
    entry = db.query(AuditEvent).filter_by(action="login_failed").order_by(AuditEvent.seq.desc()).first()
    assert entry.origin == ADDRESS


def test_clients_behind_one_proxy_have_their_own_login_buckets(client, db, rate_limits_on):
    for _ in range(3):
        assert failed_login(client, "198.51.100.20").status_code == 401
    assert failed_login(client, "198.51.100.20").status_code == 429
    assert failed_login(client, "198.51.100.21").status_code == 401


def test_too_many_logins_answer_in_spanish_with_retry_after(client, db, rate_limits_on):
    for _ in range(3):
        failed_login(client, "198.51.100.30")
    response = failed_login(client, "198.51.100.30")
    assert response.status_code == 429
    assert "Demasiados intentos" in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_without_trusted_proxies_a_forwarded_address_is_ignored(request, tmp_path, keyfile):
    app = build_app("sqlite", request, tmp_path, keyfile)  # TRUSTED_PROXIES defaults to 0
    assert app.config["TRUSTED_PROXIES"] == 0
    with app.app_context():
        client = app.test_client()
        failed_login(client, ADDRESS)
        entry = db.session.query(AuditEvent).filter_by(action="login_failed").one()
        assert entry.origin == PROXY
        db.engine.dispose()
