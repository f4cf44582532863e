"""Alembic: `upgrade head` on an empty database gives exactly the models' schema; `downgrade base` empties it."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from dfi_casos import create_app, migrate
from dfi_casos.database import Base, scratch_postgres_database
from dfi_casos.demo import seed_demo
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


#: The newest revision before the API's, whose migrations rebuild user_account on SQLite (batch mode).
BEFORE_REBUILDS = "0083_rights_retention"


def _row_counts(app) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as connection:
        return {name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in Base.metadata.tables.items()
                if inspect(connection).has_table(name)}


def test_migrations_keep_the_rows_that_reference_a_rebuilt_table(empty_database_url, keyfile, tmp_path):
    """Down and up again over the demo registry: every row is still there, and every reference holds.

    SQLite rebuilds a table to alter it (copy, DROP, rename); with foreign keys on, DROP TABLE user_account
    deleted every session, note and assignment through ON DELETE CASCADE, or stopped the upgrade.
    """
    import_all_models()
    app = create_app({"ENV_NAME": "test", "DATABASE_URL": empty_database_url, "KEYFILE": str(keyfile),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    migrate.upgrade(app, "head")
    with app.app_context():
        seed_demo(db.session, app.config)
        db.session.commit()
    before = _row_counts(app)
    assert before["user_account"] > 5 and before["case_note"] > 0 and before["stage_transition"] > 0

    migrate.downgrade(app, BEFORE_REBUILDS)
    migrate.upgrade(app, "head")

    after = _row_counts(app)
    created_since = {"api_token"}
    assert {k: v for k, v in after.items() if k not in created_since} == \
        {k: v for k, v in before.items() if k not in created_since}
    if empty_database_url.startswith("sqlite"):
        with app.app_context(), db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    with app.app_context():
        db.engine.dispose()
