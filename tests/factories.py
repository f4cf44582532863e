"""Test data as plain functions: each makes one valid record and flushes it."""
from __future__ import annotations

import itertools
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from dfi_casos.auth import services
from dfi_casos.auth.models import Role, User
from dfi_casos.security import audit

PASSWORD = "una frase de prueba larga"  # noqa: S105
_counter = itertools.count(1)


def make_user(session: Session, role: str | Role = Role.CASEWORKER, states: list[str] | None = None,
              **kwargs: Any) -> User:
    """A user of `role`; `states` None means national scope."""
    number = next(_counter)
    data = services.AccountData(
        username=kwargs.pop("username", f"usuario{number}"),
        full_name=kwargs.pop("full_name", f"Usuario de Prueba {number}"),
        email=kwargs.pop("email", f"usuario{number}@prueba.gob.mx"),
        role=Role(role),
        is_national=states is None,
        states=states or [],
        active=kwargs.pop("active", True),
        password=kwargs.pop("password", PASSWORD),
    )
    user = services.create_user(session, current_app.config, None, data)
    for name, value in kwargs.items():
        setattr(user, name, value)
    session.flush()
    return user


#: Plaintext planted in records of another territory: no response to an outsider may contain any of it.
PLANTED_SENSITIVE: list[str] = []


def plant(value: str) -> str:
    """Remember `value` as sensitive plaintext planted in a foreign record, and return it."""
    if value not in PLANTED_SENSITIVE:
        PLANTED_SENSITIVE.append(value)
    return value


def foreign_records(session: Session, state: str) -> dict[str, str]:
    """Records of `state`, by the URL argument name that would address them (e.g. "user_id").

    The route-walking test (tests/integration/test_route_access.py) fills every URL argument
    from this mapping and fails for an argument it lacks: a feature that adds a route with a
    new argument (person_id, household_id, case_id, ...) extends this function with a record
    of `state`, its sensitive values passed through `plant()`.
    """
    number = next(_counter)
    owner = make_user(session, role=Role.CASEWORKER, states=[state], username=f"ajeno{number}",
                      full_name=plant(f"Zacarías Reservado Ajeno {state}"),
                      email=plant(f"zacarias.reservado.{state}@ajeno.gob.mx"))
    person_id = f"00000000-0000-4000-8000-{number:012d}"
    # An access to a record of that state, so the audit screens have something to refuse.
    audit.record_view(session, owner, "person", person_id, fields=["names"], state_code=state,
                      folio=f"DFI-{state}-2026-{number:06d}")
    return {
        "user_id": str(owner.id),
        "object_type": "person",
        "object_id": person_id,
    }
