"""Roles as sets of named permissions, the matrix, and the acting account's shape (`Principal`).

This module knows no feature: which records an account may see is `dfi_casos/scope/`.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Protocol, TypeVar, cast, runtime_checkable

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dfi_casos.errors import NotVisible


class Role(enum.StrEnum):
    """An account's role: a named set of permissions (ROLE_PERMISSIONS)."""

    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    #: The transparency unit's liaison: answers data-subject (ARCO) requests of their territory.
    TRANSPARENCY = "transparency"


#: role -> label, translated when shown (str() it where a real str is needed)
ROLE_LABELS: dict[Role, str] = {
    Role.CASEWORKER: _l("Capturista"),
    Role.SUPERVISOR: _l("Supervisor(a)"),
    Role.AUDITOR: _l("Auditor(a)"),
    Role.ADMINISTRATOR: _l("Administrador(a)"),
    Role.TRANSPARENCY: _l("Enlace de transparencia"),
}


class Permission(enum.StrEnum):
    """Everything a user may be allowed to do, by name; roles are sets of these."""

    VIEW_CASES = "view_cases"
    #: Sees every case and record of the territory, not only those they registered, own or are assigned to.
    WHOLE_TERRITORY = "whole_territory"
    REGISTER = "register"
    IMPORT_RECORDS = "import_records"
    EDIT_RECORDS = "edit_records"
    RECORD_SERVICES = "record_services"
    REQUEST_STAGE_CHANGE = "request_stage_change"
    APPROVE_STAGE_CHANGE = "approve_stage_change"
    DECIDE_RECOGNITION = "decide_recognition"
    ASSIGN_CASES = "assign_cases"
    MERGE_PERSONS = "merge_persons"
    ASSESS_SOLUTIONS = "assess_solutions"
    SIGN_ASSESSMENTS = "sign_assessments"
    #: Print a case's file (expediente) as PDF; caseworkers only reach their own cases through scope.
    PRINT_CASE_FILE = "print_case_file"
    VIEW_DASHBOARD = "view_dashboard"
    EXPORT_STATISTICS = "export_statistics"
    VIEW_AUDIT = "view_audit"
    EXPORT_AUDIT = "export_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_CATALOGS = "manage_catalogs"
    MANAGE_KEYS = "manage_keys"
    #: Registers and answers data-subject (ARCO) requests, blocks and unblocks persons (dfi_casos/rights/).
    MANAGE_ARCO = "manage_arco"


P = Permission

#: The matrix, defined once. `dfi-casos roles` prints it and the tests enumerate it.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASEWORKER: frozenset(
        {P.VIEW_CASES, P.REGISTER, P.IMPORT_RECORDS, P.EDIT_RECORDS, P.RECORD_SERVICES, P.REQUEST_STAGE_CHANGE,
         P.ASSESS_SOLUTIONS, P.PRINT_CASE_FILE}
    ),
    Role.SUPERVISOR: frozenset(
        {
            P.VIEW_CASES, P.WHOLE_TERRITORY, P.REGISTER, P.IMPORT_RECORDS, P.EDIT_RECORDS,
            P.RECORD_SERVICES, P.REQUEST_STAGE_CHANGE, P.APPROVE_STAGE_CHANGE, P.DECIDE_RECOGNITION, P.ASSIGN_CASES,
            P.MERGE_PERSONS, P.ASSESS_SOLUTIONS, P.SIGN_ASSESSMENTS, P.PRINT_CASE_FILE, P.VIEW_DASHBOARD,
            P.EXPORT_STATISTICS,
        }
    ),
    Role.AUDITOR: frozenset({P.VIEW_AUDIT, P.EXPORT_AUDIT}),
    Role.ADMINISTRATOR: frozenset({P.MANAGE_USERS, P.MANAGE_CATALOGS, P.MANAGE_KEYS, P.MANAGE_ARCO}),
    Role.TRANSPARENCY: frozenset({P.MANAGE_ARCO}),
}


def roles_with(permission: Permission) -> list[Role]:
    """The roles whose set holds `permission` (for SQL over accounts: `User.role.in_(...)`)."""
    return [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


@runtime_checkable
class Principal(Protocol):
    """The acting account as services and scope see it: who, what it may do, where.

    `auth.models.User` is one; services and scope take a Principal, never a Flask request.
    """

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> Role: ...

    @property
    def is_national(self) -> bool: ...

    @property
    def states(self) -> list[str]: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    def may(self, permission: Permission) -> bool: ...


def has_permission(user: Any, permission: Permission) -> bool:
    """True when the user is signed in, active, and their role grants `permission` (False for None/anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS[user.role]


def in_territory(principal: Principal, state_code: str | None) -> bool:
    """The state lies in the principal's territory (always, for a national account)."""
    return bool(principal.is_national or (state_code is not None and state_code in principal.states))


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    permission: Permission | None


#: The main menu; each entry shows only to roles holding its permission.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("main.index", _l("Inicio"), None),
    NavItem("cases.my_cases", _l("Mis casos"), P.VIEW_CASES),
    NavItem("cases.case_list", _l("Casos"), P.ASSIGN_CASES),
    NavItem("cases.transfer_list", _l("Traslados"), P.VIEW_CASES),
    NavItem("registry.index", _l("Registro"), P.VIEW_CASES),
    NavItem("search.index", _l("Búsqueda"), P.VIEW_CASES),
    NavItem("imports.index", _l("Importar"), P.IMPORT_RECORDS),
    NavItem("solutions.dashboard_page", _l("Soluciones duraderas"), P.VIEW_DASHBOARD),
    NavItem("reports.index", _l("Reportes"), P.VIEW_DASHBOARD),
    NavItem("admin.users", _l("Usuarios"), P.MANAGE_USERS),
    NavItem("admin.api_tokens", _l("Acceso API"), P.MANAGE_USERS),
    NavItem("institutions.index", _l("Instituciones"), P.MANAGE_CATALOGS),
    NavItem("admin.keys", _l("Claves"), P.MANAGE_KEYS),
    NavItem("rights.worklist", _l("Derechos ARCO"), P.MANAGE_ARCO),
    NavItem("audit_ui.events", _l("Auditoría"), P.VIEW_AUDIT),
)


def navigation_for(user: Any) -> list[NavItem]:
    """The menu entries this user may follow, for endpoints that exist in this app."""
    endpoints = set(current_app.view_functions)
    return [
        item
        for item in NAVIGATION
        if item.endpoint in endpoints and (item.permission is None or has_permission(user, item.permission))
    ]


V = TypeVar("V", bound=Callable[..., Any])


def require_permission(permission: Permission) -> Callable[[V], V]:
    """View decorator: the signed-in user's role must grant `permission`, else NotVisible (an audited 404)."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_permission(current_user, permission):
                raise NotVisible("endpoint", request.endpoint, f"missing:{permission.value}")
            return view(*args, **kwargs)

        # Read by the route-walking test: a role without it must be refused this endpoint.
        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return cast(V, wrapped)

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
