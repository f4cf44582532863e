"""Test data as plain functions: each makes one valid record and flushes it."""
from __future__ import annotations

import itertools
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from dfi_casos.auth import services
from dfi_casos.auth.models import Role, User

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
