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


# --- registry ------------------------------------------------------------------------------

def _registrar(session: Session, state: str, registered_by: Any) -> Any:
    return registered_by or make_user(session, role=Role.CASEWORKER, states=[state])


def make_person(session: Session, state: str = "12", registered_by: Any = None, **values: Any) -> Any:
    """A person alone in `state`; `values` override PersonData fields."""
    from dfi_casos.registry import services as registry

    data = registry.PersonData(**{"given_names": "Juana", "first_surname": f"Prueba{next(_counter)}",
                                  "second_surname": "López", **values})
    return registry.register_person(session, _registrar(session, state, registered_by), data, state,
                                    duplicate_reason="datos de prueba")


def make_household(session: Session, state: str = "12", registered_by: Any = None, members: int = 2,
                   **values: Any) -> Any:
    """A household of `members` persons (the first is the head) in `state`."""
    from dfi_casos.catalogs.enums import RelationshipToHead
    from dfi_casos.registry import services as registry

    people = [registry.MemberData(
        person=registry.PersonData(given_names=f"Integrante{i}", first_surname=f"Hogar{next(_counter)}"),
        relationship=RelationshipToHead.HEAD if i == 0 else RelationshipToHead.CHILD) for i in range(members)]
    data = registry.HouseholdData(**{"state_code": state, "municipality_code": None, "members": people, **values})
    return registry.register_household(session, _registrar(session, state, registered_by), data,
                                       duplicate_reason="datos de prueba")


def make_event(session: Session, state: str = "12", registered_by: Any = None, **values: Any) -> Any:
    """An individual/family displacement event in `state`."""
    from datetime import date

    from dfi_casos.catalogs.enums import DisplacementCause, EventType
    from dfi_casos.registry import services as registry

    data = registry.EventData(**{
        "event_type": EventType.INDIVIDUAL_OR_FAMILY, "started_on": date(2025, 3, 1), "origin_state_code": state,
        "state_code": state, "causes": [DisplacementCause.GENERALIZED_VIOLENCE], **values})
    return registry.register_event(session, _registrar(session, state, registered_by), data)


def make_community(session: Session, state: str = "12", registered_by: Any = None, **values: Any) -> Any:
    """A community in `state`."""
    from dfi_casos.registry import services as registry

    data = registry.CommunityData(**{"name": f"Comunidad {next(_counter)}", "kind": "locality",
                                     "state_code": state, **values})
    return registry.register_community(session, _registrar(session, state, registered_by), data)
