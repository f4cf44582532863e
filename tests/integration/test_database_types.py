"""The shared column types of database.py, on both databases."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from dfi_casos.auth.models import Role, User
from tests import factories


def test_a_moment_is_read_back_aware_in_utc_whatever_zone_it_was_written_in(db):
    user = factories.make_user(db, Role.CASEWORKER, ["12"])
    written = datetime(2026, 11, 27, 21, 30, 15, 123456, tzinfo=ZoneInfo("America/Mexico_City"))
    user.last_login_at = written
    db.flush()
    db.expire(user)
    read = db.scalar(select(User.last_login_at).where(User.id == user.id))
    assert read == written and read.tzinfo is UTC
    assert read.hour == 3 and read.day == 28  # 21:30 in Mexico City is 03:30 UTC the next day


def test_a_moment_without_zone_is_refused_rather_than_guessed(db):
    user = factories.make_user(db, Role.CASEWORKER, ["12"])
    user.last_login_at = datetime(2026, 11, 27, 21, 30)  # noqa: DTZ001 - the naive value under test
    with pytest.raises(StatementError, match="zona horaria"):
        db.flush()


def test_a_stored_enum_reads_back_as_its_member(db):
    user = factories.make_user(db, Role.SUPERVISOR, ["12"])
    db.expire(user)
    assert db.scalar(select(User.role).where(User.id == user.id)) is Role.SUPERVISOR
