"""Alembic environment: the application's metadata and database URL."""
from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, pool

from dfi_casos.database import Base, make_engine
from dfi_casos.models import import_all_models

import_all_models()
config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _pragma(connection: Connection, pragma: str) -> None:
    """Run a PRAGMA on the driver's connection, outside any transaction."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table as copy, DROP, rename. With foreign keys on, SQLite's DROP TABLE
            # deletes the rows first: ON DELETE CASCADE would empty every table that references it (every
            # session, note and assignment of user_account) and a plain reference would stop the upgrade.
            # SQLite ignores this pragma inside a transaction, and every SQLAlchemy transaction here opens
            # with BEGIN IMMEDIATE (database._configure_sqlite): it goes straight to the driver, before.
            _pragma(connection, "foreign_keys=OFF")
        # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:  # rolls the whole migration back
                    raise RuntimeError(f"the migration leaves references without their row: {broken[:5]}")
        if sqlite:
            _pragma(connection, "foreign_keys=ON")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
