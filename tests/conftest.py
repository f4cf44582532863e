"""Fixtures: the app on each database backend, a rolled-back transaction per test, users, login."""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from dfi_casos import create_app
from dfi_casos.auth import mfa
from dfi_casos.database import Base, scratch_postgres_database
from dfi_casos.demo import seed_demo
from dfi_casos.extensions import db as _db
from dfi_casos.institutions.services import forget_institution_names
from dfi_casos.models import import_all_models
from dfi_casos.security.crypto import generate_keyfile
from dfi_casos.security.mfa import code_at, current_step
from tests import factories

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = [b.strip() for b in os.environ.get("DFI_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: the test is about PostgreSQL and runs only there")


@pytest.fixture(scope="session")
def keyfile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "test-keys.json"
    generate_keyfile(path)
    return path


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A PostgreSQL database of this run only, dropped at the end: two runs never meet."""
    with scratch_postgres_database(os.environ.get("DFI_TEST_DATABASE_URL", DEFAULT_PG_URL), "dfi_test") as url:
        yield url


def database_url_for(backend: str, request: pytest.FixtureRequest, tmp_dir: Path) -> str:
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_database_url"))
    return f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def build_app(backend: str, request: pytest.FixtureRequest, tmp_dir: Path, keyfile: Path, **extra: Any) -> Flask:
    """A test app on `backend` with the schema created from the models."""
    app = create_app({
        "ENV_NAME": "test",
        "DATABASE_URL": database_url_for(backend, request, tmp_dir),
        "INSTANCE_PATH": str(tmp_dir / "instance"),
        "KEYFILE": str(keyfile),
        **extra,
    })
    import_all_models()
    with app.app_context():
        Base.metadata.create_all(_db.engine)
    return app


def demo_app(url: str, instance: Path, keyfile: Path, **extra: Any) -> Flask:
    """An app on its own database with the schema and the demo data, committed (not rolled back)."""
    app = create_app({"ENV_NAME": "test", "DATABASE_URL": url, "INSTANCE_PATH": str(instance),
                      "KEYFILE": str(keyfile), **extra})
    import_all_models()
    with app.app_context():
        Base.metadata.create_all(_db.engine)
        seed_demo(_db.session, app.config)
        _db.session.commit()
        _db.session.remove()
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def app(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        keyfile: Path) -> Iterator[Flask]:
    app = build_app(backend, request, tmp_path_factory.mktemp(backend), keyfile)
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _only_on_postgresql(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgresql") and "backend" in request.fixturenames:
        if request.getfixturevalue("backend") != "postgresql":
            pytest.skip("prueba específica de PostgreSQL; en SQLite no aplica")


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """The app's session inside an app context, in a transaction rolled back after the test.

    Requests made by the test client during the test share the connection: their commits
    only release savepoints (SQLAlchemy's "join into an external transaction" recipe).
    """
    forget_institution_names()  # ids come back after a rollback: no name cached from another test
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        _db.session.remove()
        _db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield _db.session
        finally:
            _db.session.remove()
            _db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, db: Session) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """A CSRF token read from the form at `path`, as a browser would."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


@pytest.fixture
def rate_limits_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Rate limits enforced for one test, from empty counters (the test config turns them off)."""
    from dfi_casos.extensions import limiter

    monkeypatch.setitem(app.config, "RATE_LIMITS_ENFORCED", True)
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def login_as(client: FlaskClient, db: Session) -> Callable[..., Any]:
    """Create a user of `role` in `states` (None = national) and log the client in as them."""

    def _login(role: str, states: list[str] | None = None, **kwargs: Any) -> Any:
        user = factories.make_user(db, role=role, states=states, **kwargs)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
        response = client.post("/login", data={
            "csrf_token": csrf_token(client), "username": user.username, "password": factories.PASSWORD,
        })
        assert response.status_code == 302, response.get_data(as_text=True)
        if response.location in ("/login/activar", "/login/codigo"):  # the role requires a second factor
            response = pass_second_factor(client, db, user, response.location)
        return user

    return _login


def pass_second_factor(client: FlaskClient, db: Session, user: Any, path: str) -> Any:
    """Type a fresh TOTP code of `user` at `path` (enrolling first if needed), as their phone would show."""
    token = csrf_token(client, path)  # on /login/activar this also creates the secret being enrolled
    found = mfa.credential(db, user)
    step = max(current_step(), found.last_step + 1)
    response = client.post(path, data={"csrf_token": token, "code": code_at(found.secret, step)})
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    return response



class StatementLog:
    """SQL statements sent while a `with` block ran (the test harness's savepoints left out)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        # column lists hide what tells statements apart: the table and the WHERE
        return "\n".join(f"{i + 1:>3}. {re.sub(r'^SELECT .+? FROM', 'SELECT … FROM', s)[:200]}"
                         for i, s in enumerate(self.statements))


#: Statements the rolled-back-transaction recipe adds around each request; production sends none of them.
_HARNESS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@pytest.fixture
def count_statements(db: Session) -> Callable[[], Any]:
    """`with count_statements() as log: client.get(...)`; then `log.count` (SQLAlchemy before_cursor_execute)."""
    engine = _db.engine

    @contextmanager
    def _count() -> Iterator[StatementLog]:
        log = StatementLog()

        def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
            if not statement.lstrip().upper().startswith(_HARNESS):
                log.statements.append(" ".join(statement.split()))

        event.listen(engine, "before_cursor_execute", seen)
        try:
            yield log
        finally:
            event.remove(engine, "before_cursor_execute", seen)

    return _count
