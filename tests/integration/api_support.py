"""Tokens for the case-side API tests: a service account of one state, a token of a role and endpoint groups."""
from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.api import tokens
from dfi_casos.security.access import Role
from dfi_casos.security.audit import AuditEvent
from tests import factories

_numbers = itertools.count(1)


def api_token(db: Session, *, role: Role = Role.SUPERVISOR, state: str = "12",
              groups: tuple[str, ...] = ("cases:read", "cases:write")) -> tuple[dict[str, str], Any]:
    """The Authorization header of a new token of `role` in `state`, and its service account."""
    admin = factories.make_user(db, Role.ADMINISTRATOR, None)
    account = tokens.create_service_account(db, admin, username=f"servicio-casos-{next(_numbers)}",
                                            full_name="Sistema de prueba", email="sistema@prueba.gob.mx",
                                            state_code=state)
    _token, text = tokens.issue_token(db, admin, account, label="pruebas", role=role, state_code=state,
                                      groups=list(groups), days=30)
    db.commit()  # the test's records too: a refused request rolls back only its own work
    return {"Authorization": f"Bearer {text}"}, account


def audit_entries(db: Session, actor_id: int, action: str | None = None) -> list[AuditEvent]:
    """The audit entries written under one account (newest last), optionally of one action."""
    stmt = select(AuditEvent).where(AuditEvent.actor_id == actor_id).order_by(AuditEvent.seq)
    found = list(db.scalars(stmt))
    return [e for e in found if action is None or str(e.action) == action]
