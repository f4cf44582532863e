"""Simultaneous logins on PostgreSQL: none fails, and every wrong guess counts toward the lockout.

Each test gets its own database and app, with committed data, and several threads signing in
through real transactions at the same moment.
"""
from __future__ import annotations

import pytest

from dfi_casos import create_app
from dfi_casos.auth import services
from dfi_casos.auth.models import User
from dfi_casos.database import Base, scratch_postgres_database
from dfi_casos.extensions import db
from dfi_casos.models import import_all_models
from tests import factories
from tests.concurrency import release_together

THREADS = 6


@pytest.fixture
def lockout_threshold():
    return 50


@pytest.fixture
def served(backend, request, tmp_path, keyfile, lockout_threshold):
    if backend != "postgresql":
        pytest.skip("prueba específica de PostgreSQL; en SQLite las escrituras ya van en fila")
    with scratch_postgres_database(request.getfixturevalue("pg_database_url"), "dfi_login") as url:
        import_all_models()
        app = create_app({"ENV_NAME": "test", "DATABASE_URL": url, "KEYFILE": str(keyfile),
                          "INSTANCE_PATH": str(tmp_path), "WTF_CSRF_ENABLED": False,
                          "LOCKOUT_THRESHOLD": lockout_threshold})
        with app.app_context():
            Base.metadata.create_all(db.engine)
            user = factories.make_user(db.session, role="caseworker", states=["12"])
            db.session.commit()
            username = user.username
        yield app, username
        with app.app_context():
            db.engine.dispose()


def all_at_once(app, password: str, username: str, threads_count: int = THREADS) -> list[int]:
    clients = [app.test_client() for _ in range(threads_count)]
    return release_together(threads_count, lambda i: clients[i].post(
        "/login", data={"username": username, "password": password}).status_code)


@pytest.mark.postgresql
def test_simultaneous_logins_of_one_account_all_succeed(served):
    app, username = served
    assert all_at_once(app, factories.PASSWORD, username) == [302] * THREADS


@pytest.mark.postgresql
def test_simultaneous_wrong_guesses_each_count(served):
    app, username = served
    assert all_at_once(app, "una adivinanza equivocada", username) == [401] * THREADS
    with app.app_context():
        assert db.session.query(User).filter_by(username=username).one().failed_logins == THREADS


@pytest.fixture
def verifications(monkeypatch):
    """Count the password verifications actually made against the account's hash."""
    made: list[str] = []
    real = services.verify_password

    def counting(config, stored_hash, password):
        if "dummy" not in password:
            made.append(password)
        return real(config, stored_hash, password)

    monkeypatch.setattr(services, "verify_password", counting)
    return made


@pytest.mark.postgresql
@pytest.mark.parametrize("lockout_threshold", [5])
def test_a_burst_of_guesses_gets_no_more_verifications_than_the_lockout_allows(served, verifications):
    app, username = served
    statuses = all_at_once(app, "una adivinanza equivocada", username, threads_count=20)
    assert statuses == [401] * 20
    assert len(verifications) == 5
    with app.app_context():
        assert db.session.query(User).filter_by(username=username).one().locked_until is not None


@pytest.mark.postgresql
@pytest.mark.parametrize("lockout_threshold", [5])
def test_the_right_password_after_a_burst_of_guesses_is_refused_while_locked(served, verifications):
    app, username = served
    all_at_once(app, "una adivinanza equivocada", username, threads_count=12)
    assert all_at_once(app, factories.PASSWORD, username, threads_count=3) == [401] * 3
    assert factories.PASSWORD not in verifications  # refused before its hash was even checked
