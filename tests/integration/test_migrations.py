"""Alembic: `upgrade head` on an empty database gives exactly the models' schema; `downgrade base` empties it."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from dfi_casos import create_app, migrate
from dfi_casos.database import Base
from dfi_casos.extensions import db
from dfi_casos.models import import_all_models


@pytest.fixture
def empty_database_url(backend, request, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    base = make_url(request.getfixturevalue("pg_database_url"))
    name = f"dfi_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_head_matches_the_models_and_downgrade_empties(empty_database_url, keyfile, tmp_path):
    import_all_models()
    app = create_app({"ENV_NAME": "test", "DATABASE_URL": empty_database_url, "KEYFILE": str(keyfile),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    migrate.upgrade(app, "head")
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        assert set(inspect(connection).get_table_names()) >= set(Base.metadata.tables)

    migrate.downgrade(app, "base")
    with app.app_context(), db.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}

    migrate.upgrade(app, "head")  # and back up again: downgrades leave nothing behind
    assert migrate.current(app) is not None
    with app.app_context():
        db.engine.dispose()
