"""Optimistic locking of a case for the actions beside the stage workflow (flags, reopening, transfers)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dfi_casos.cases.models import Case
from dfi_casos.database import utcnow
from dfi_casos.errors import EditConflict


def check_version(case: Case, expected_version: int | None, message: str) -> None:
    """EditConflict(message) when the form was loaded at another version of the case."""
    if expected_version is not None and case.version != expected_version:
        raise EditConflict(message)


def touch(session: Session, case: Case, message: str) -> None:
    """Write the case row now: its version moves, and a concurrent writer's flush fails with `message`."""
    case.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise EditConflict(message) from exc


@contextmanager
def conflicts_as(message: str) -> Iterator[None]:
    """Any flush inside (autoflushes included) that meets a newer version becomes EditConflict(message)."""
    try:
        yield
    except StaleDataError as exc:
        raise EditConflict(message) from exc
