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


# --- cases (and the few registry records a case needs) -----------------------------------------

def make_institution(session: Session, name: str = "Institución de prueba") -> Any:
    """An active institution of the catalog."""
    from dfi_casos.registry.models import Institution

    institution = Institution(code=f"inst-{next(_counter)}", name=name, active=True)
    session.add(institution)
    session.flush()
    return institution


def make_case_household(session: Session, registered_by: User, state: str = "12",
                        head_name: str = "Juana") -> Any:
    """A household of `state` with one person, its head (named `head_name`)."""
    from datetime import date

    from dfi_casos.catalogs.enums import RelationshipToHead
    from dfi_casos.registry.models import Household, HouseholdMembership, Person

    household = Household(state_code=state, registered_by_id=registered_by.id)
    person = Person(state_code=state, registered_by_id=registered_by.id)
    person.given_names = head_name
    person.first_surname = "Prueba"
    session.add_all([household, person])
    session.flush()
    session.add(HouseholdMembership(household_id=household.id, person_id=person.id, joined_on=date(2026, 1, 1),
                                    relationship_to_head=RelationshipToHead.HEAD, recorded_by_id=registered_by.id))
    session.flush()
    session.refresh(household)
    return household


def household_head(household: Any) -> Any:
    return household.current_memberships[0].person


def make_sharing_consent(session: Session, person: Any, institution: Any, taken_by: User,
                         withdrawn: bool = False) -> Any:
    """The person's consent to share their data with `institution` (withdrawn if asked)."""
    from datetime import date

    from dfi_casos.catalogs.enums import ConsentMethod, ConsentScope
    from dfi_casos.registry.models import Consent

    consent = Consent(person_id=person.id, scope=ConsentScope.SHARING_WITH_INSTITUTION,
                      institution_id=institution.id, method=ConsentMethod.SIGNED, taken_on=date(2026, 1, 2),
                      taken_by_id=taken_by.id, withdrawn_on=date(2026, 1, 3) if withdrawn else None,
                      state_code=person.state_code, registered_by_id=taken_by.id)
    session.add(consent)
    session.flush()
    return consent


def make_case(session: Session, owner: User | None = None, state: str = "12", stage: Any = None,
              household: Any = None) -> Any:
    """An open case of a new household of `state`, owned by `owner` (a new caseworker if None)."""
    from dfi_casos.cases import services as cases
    from dfi_casos.catalogs.enums import Stage

    owner = owner or make_user(session, Role.CASEWORKER, [state])
    household = household or make_case_household(session, owner, state)
    return cases.open_case(session, owner, household, stage=stage or Stage.ASSISTANCE)
