"""The database: declarative base, shared column types, a per-app-context session, and transaction rules."""
from __future__ import annotations

import enum
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_app_context
from flask.globals import app_ctx
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic migrations are reproducible on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table of the application."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and read back aware in UTC on every database.

    PostgreSQL keeps the zone (timestamptz); SQLite keeps none and hands back naive values, so
    without this every reader would have to remember to add UTC. A naive value coming in is a
    bug (whose clock was it?): refused, never guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime recibe solo fechas con zona horaria (naive datetime)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], length: int = 40) -> Enum:
    """A portable enum column storing the members' values (no native type: new members need no migration)."""
    return Enum(enum_cls, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])


def utcnow() -> datetime:
    """Aware UTC now; every timestamp in the database is UTC."""
    return datetime.now(UTC)


def local_today() -> date:
    """Today where the users are (BABEL_DEFAULT_TIMEZONE, Mexico City by default), not on the server.

    Dates people type and read (memberships, consents, due dates, "not in the future") use it:
    the server's UTC date is already tomorrow on a Mexican evening.
    """
    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return datetime.now(UTC).astimezone(ZoneInfo(zone)).date()


def local_date(moment: datetime) -> date:
    """The day a moment falls on where the users are (see local_today)."""
    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return moment.astimezone(ZoneInfo(zone)).date()


def local_midnight(day: date) -> datetime:
    """The moment (aware UTC) a day begins where the users are: "registered from 27/11" means from then."""
    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def new_uuid() -> uuid.UUID:
    """Client-side primary key: exists before the first flush and cannot be guessed."""
    return uuid.uuid4()


class _AppSession(Session):
    """A session bound to the current app's engine unless a test binds it to a connection."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        if bind is not None:
            return bind
        if self.bind is not None:
            return self.bind
        return current_app.extensions["dfi_db"].engine


def _app_ctx_id() -> int:
    try:
        return id(app_ctx._get_current_object())  # type: ignore[attr-defined]
    except RuntimeError:  # no app context: a script or test working on a bound session
        return 0


class _AppState:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine


def _configure_sqlite(engine: Engine) -> None:
    """Take over pysqlite's transaction handling (SQLAlchemy's documented recipe).

    Every transaction starts with BEGIN IMMEDIATE: SQLite has one writer, and taking its
    lock up front serializes audit appends instead of failing them half-way.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Deleted values (a supresión, a re-encryption) are overwritten on disk, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the project's settings for SQLite or PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    return engine


class Database:
    """The `db` extension: engine per app, one session per app context.

    Services flush; the request commits once at its end (see `init_app`), so the work and
    its audit entry land together or not at all.
    """

    def __init__(self) -> None:
        self.session: scoped_session[Session] = scoped_session(
            sessionmaker(class_=_AppSession, expire_on_commit=False), scopefunc=_app_ctx_id
        )

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["dfi_db"] = _AppState(engine)
        app.teardown_appcontext(self._remove_session)
        app.after_request(self._finish_request)

    @property
    def engine(self) -> Engine:
        state: _AppState = current_app.extensions["dfi_db"]
        return state.engine

    def _remove_session(self, _exc: BaseException | None) -> None:
        self.session.remove()

    def discard_refused_work(self) -> None:
        """Roll back everything the request wrote so far: an action was refused or a record was not visible.

        What the request writes after this (the denial's audit entry, the "view" entry of the page
        shown again with the error) is committed even though the answer is a 4xx. The rollback and
        the keep go together, so refused work can never ride along with the entries that are kept.
        """
        self.session.rollback()
        g.refused_work_discarded = True

    def _finish_request(self, response: Any) -> Any:
        # Commit the request's work unless it failed; after `discard_refused_work` only what
        # followed the rollback is left, and it is kept.
        if response.status_code < 400 or g.get("refused_work_discarded"):
            self.session.commit()
        else:
            self.session.rollback()
        return response


@contextmanager
def scratch_postgres_database(server_url: str, prefix: str = "dfi_scratch") -> Iterator[str]:
    """A PostgreSQL database of one run (tests, benchmarks) on `server_url`'s server, dropped after.

    Yields its URL. Two runs never share data, and a failed run leaves nothing behind.
    """
    base = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
