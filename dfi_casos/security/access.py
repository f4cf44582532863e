"""Roles, their named permissions, and who may see what."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from dfi_casos.auth.models import Role


class Permission(enum.StrEnum):
    """Everything a user may be allowed to do, by name; roles are sets of these."""

    VIEW_CASES = "view_cases"
    REGISTER = "register"
    EDIT_RECORDS = "edit_records"
    RECORD_SERVICES = "record_services"
    REQUEST_STAGE_CHANGE = "request_stage_change"
    APPROVE_STAGE_CHANGE = "approve_stage_change"
    DECIDE_RECOGNITION = "decide_recognition"
    ASSIGN_CASES = "assign_cases"
    MERGE_PERSONS = "merge_persons"
    ASSESS_SOLUTIONS = "assess_solutions"
    SIGN_ASSESSMENTS = "sign_assessments"
    VIEW_DASHBOARD = "view_dashboard"
    EXPORT_STATISTICS = "export_statistics"
    VIEW_AUDIT = "view_audit"
    EXPORT_AUDIT = "export_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_CATALOGS = "manage_catalogs"
    MANAGE_KEYS = "manage_keys"


P = Permission

#: The matrix, defined once. `dfi-casos roles` prints it and the tests enumerate it.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASEWORKER: frozenset(
        {P.VIEW_CASES, P.REGISTER, P.EDIT_RECORDS, P.RECORD_SERVICES, P.REQUEST_STAGE_CHANGE, P.ASSESS_SOLUTIONS}
    ),
    Role.SUPERVISOR: frozenset(
        {
            P.VIEW_CASES, P.REGISTER, P.EDIT_RECORDS, P.RECORD_SERVICES, P.REQUEST_STAGE_CHANGE,
            P.APPROVE_STAGE_CHANGE, P.DECIDE_RECOGNITION, P.ASSIGN_CASES, P.MERGE_PERSONS,
            P.ASSESS_SOLUTIONS, P.SIGN_ASSESSMENTS, P.VIEW_DASHBOARD, P.EXPORT_STATISTICS,
        }
    ),
    Role.AUDITOR: frozenset({P.VIEW_AUDIT, P.EXPORT_AUDIT}),
    Role.ADMINISTRATOR: frozenset({P.MANAGE_USERS, P.MANAGE_CATALOGS, P.MANAGE_KEYS}),
}


def has_permission(user: Any, permission: Permission) -> bool:
    """True when the user is signed in, active, and their role grants `permission`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS[user.role]


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    permission: Permission | None


#: The main menu; each entry shows only to roles holding its permission.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("main.index", "Inicio", None),
    NavItem("cases.my_cases", "Mis casos", P.VIEW_CASES),
    NavItem("cases.case_list", "Casos", P.ASSIGN_CASES),
    NavItem("registry.index", "Registro", P.VIEW_CASES),
    NavItem("registry.search", "Búsqueda", P.VIEW_CASES),
    NavItem("admin.users", "Usuarios", P.MANAGE_USERS),
    NavItem("institutions.index", "Instituciones", P.MANAGE_CATALOGS),
    NavItem("audit_ui.events", "Auditoría", P.VIEW_AUDIT),
)


def navigation_for(user: Any) -> list[NavItem]:
    """The menu entries this user may follow, for endpoints that exist in this app."""
    from flask import current_app

    endpoints = set(current_app.view_functions)
    return [
        item
        for item in NAVIGATION
        if item.endpoint in endpoints and (item.permission is None or has_permission(user, item.permission))
    ]


def deny(session: Any, actor: Any, *, object_type: str | None = None, object_id: Any = None,
         reason: str = "forbidden") -> None:
    """Audit a refused access and answer 404: forbidden and absent look the same."""
    from flask import abort, g

    from dfi_casos.security import audit

    audit.record(session, action="access_denied", actor=actor, object_type=object_type, object_id=object_id,
                 outcome="denied", details={"reason": reason})
    g.commit_despite_error = True
    abort(404)


def require_permission(permission: Permission) -> Any:
    """View decorator: the signed-in user's role must grant `permission`, else 404 (audited)."""
    from functools import wraps

    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from flask import request
            from flask_login import current_user

            from dfi_casos.extensions import db

            if not has_permission(current_user, permission):
                deny(db.session, current_user, object_type="endpoint", object_id=request.endpoint,
                     reason=f"missing:{permission.value}")
            return view(*args, **kwargs)

        # Read by the route-walking test: a role without it must be refused this endpoint.
        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def format_matrix() -> str:
    """The role-by-permission matrix as a plain-text table (for `dfi-casos roles` and the docs)."""
    roles = list(ROLE_PERMISSIONS)
    width = max(len(p.value) for p in Permission)
    header = "permission".ljust(width) + " | " + " | ".join(r.value for r in roles)
    lines = [header, "-" * len(header)]
    for permission in Permission:
        marks = " | ".join(("x" if permission in ROLE_PERMISSIONS[r] else "").center(len(r.value)) for r in roles)
        lines.append(permission.value.ljust(width) + " | " + marks)
    return "\n".join(lines)


def territory_clause(user: Any, state_column: Any) -> Any:
    """SQL condition: `state_column` lies in the user's territory (always true for national users)."""
    from sqlalchemy import true

    if user.is_national:
        return true()
    return state_column.in_(user.states)


def scoped(stmt: Any, model: Any, user: Any) -> Any:
    """Restrict a SELECT over case data to what `user` may see. Every query over records goes here.

    - supervisors: every record of their states (all, when national);
    - caseworkers: records of their states that they registered (and, with cases, those of the
      cases they own or are assigned to);
    - auditors and administrators: no case content at all.
    Models opt in with a `state_code` column (territory of attention) and `registered_by_id`.
    """
    from sqlalchemy import false

    if not has_permission(user, Permission.VIEW_CASES):
        return stmt.where(false())
    stmt = stmt.where(territory_clause(user, model.state_code))
    if user.role == Role.SUPERVISOR:
        return stmt
    return stmt.where(caseworker_clause(model, user))


def caseworker_clause(model: Any, user: Any) -> Any:
    """Which records of their territory a caseworker sees.

    - a case: the ones they own or are assigned to (a reassigned owner loses it);
    - a registry record: the ones they registered, or that are the subject of such a case
      (a household, its members, a person, a community) or belong to such a person (consent).
    """
    from sqlalchemy import or_, select

    from dfi_casos.cases.models import Case, CaseAssignee

    assigned = select(CaseAssignee.case_id).where(CaseAssignee.user_id == user.id)
    my_case = or_(Case.owner_id == user.id, Case.id.in_(assigned))
    if model is Case:
        return my_case
    own = model.registered_by_id == user.id
    subject_ids = _case_subject_ids(model, my_case)
    return own if subject_ids is None else or_(own, subject_ids)


def _case_subject_ids(model: Any, my_case: Any) -> Any:
    """SQL condition: the registry record is (or belongs to) the subject of one of `my_case`."""
    from sqlalchemy import select

    from dfi_casos.cases.models import Case
    from dfi_casos.registry.models import Community, Consent, Household, HouseholdMembership, Person

    household_ids = select(Case.household_id).where(my_case, Case.household_id.is_not(None))
    if model is Household:
        return Household.id.in_(household_ids)
    if model is Community:
        return Community.id.in_(select(Case.community_id).where(my_case, Case.community_id.is_not(None)))
    person_ids = select(Case.person_id).where(my_case, Case.person_id.is_not(None)).union(
        select(HouseholdMembership.person_id).where(HouseholdMembership.household_id.in_(household_ids)))
    if model is Person:
        return Person.id.in_(person_ids)
    if model is Consent:
        return Consent.person_id.in_(person_ids)
    return None


def get_for(session: Any, model: Any, record_id: Any, user: Any, *, object_type: str) -> Any:
    """Load one record of case data for `user`, or deny: audit and 404, the same for forbidden and absent.

    The loader is the access check (built on `scoped`), so a view cannot fetch a record it may
    not show. The audit entry says which of the two it was; the user cannot tell.
    """
    from sqlalchemy import select

    found = session.scalar(scoped(select(model).where(model.id == record_id), model, user))
    if found is None:
        exists = session.get(model, record_id) is not None
        deny(session, user, object_type=object_type, object_id=record_id,
             reason="out_of_scope" if exists else "absent")
    return found


def can_manage_account(actor: Any, account: Any) -> bool:
    """An administrator manages the accounts of their own territory; a national one manages all.

    A state administrator may not touch national accounts nor accounts reaching into a state
    outside their own: that would let them widen someone's access beyond their territory.
    """
    if not has_permission(actor, Permission.MANAGE_USERS):
        return False
    if actor.is_national:
        return True
    return not account.is_national and bool(account.states) and set(account.states) <= set(actor.states)


def can_oversee_account(actor: Any, account: Any) -> bool:
    """An auditor sees the activity of accounts working in their territory (all, when national)."""
    if not has_permission(actor, Permission.VIEW_AUDIT):
        return False
    return bool(actor.is_national or set(account.states) & set(actor.states))


def audit_scope(stmt: Any, user: Any) -> Any:
    """Restrict a SELECT over audit entries to what an auditor may see.

    National auditors see every entry. A state auditor sees the entries whose actor worked in
    one of their states at the time, or whose object lies in one of them. Entries with neither
    (e.g. a failed login for an unknown username) are for national auditors only.
    """
    from sqlalchemy import false, or_

    from dfi_casos.security.audit import AuditEvent

    if not has_permission(user, Permission.VIEW_AUDIT):
        return stmt.where(false())
    if user.is_national:
        return stmt
    states = user.states
    if not states:
        return stmt.where(false())
    # actor_states is stored as ",07,12,": the delimiters make each LIKE match exactly one code.
    actor_in = [AuditEvent.actor_states.like(f"%,{code},%") for code in states]
    return stmt.where(or_(AuditEvent.object_state.in_(states), *actor_in))
