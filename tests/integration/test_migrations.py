"""Alembic: `upgrade head` on an empty database gives exactly the models' schema; `downgrade base` empties it."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from dfi_casos import create_app, migrate
from dfi_casos.database import Base, scratch_postgres_database
from dfi_casos.extensions import db
from dfi_casos.models import import_all_models


@pytest.fixture
def empty_database_url(backend, request, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    with scratch_postgres_database(request.getfixturevalue("pg_database_url"), "dfi_mig") as url:
        yield url


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
