"""The permission matrix: defined once in code, printed by `dfi-casos roles`, shown in the docs."""
from __future__ import annotations

from pathlib import Path

from dfi_casos import PROJECT_ROOT
from dfi_casos.auth.models import Role
from dfi_casos.security.access import ROLE_PERMISSIONS, Permission, format_matrix
from dfi_casos.security.audit_cli import app_role_script

DOCS = PROJECT_ROOT / "docs"


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_docs_show_the_matrix_the_code_defines():
    page = _lines(Path(DOCS / "roles.md").read_text())
    matrix = _lines(format_matrix())
    start = page.index(matrix[0])
    assert page[start:start + len(matrix)] == matrix, "docs/roles.md está desactualizado: copie `dfi-casos roles`"


def test_every_role_has_permissions_and_every_permission_a_role():
    assert set(ROLE_PERMISSIONS) == set(Role)
    granted = set().union(*ROLE_PERMISSIONS.values())
    assert granted == set(Permission)


def test_no_role_both_reads_cases_and_manages_users_or_audits():
    for role, permissions in ROLE_PERMISSIONS.items():
        if Permission.VIEW_CASES in permissions:
            assert not permissions & {Permission.MANAGE_USERS, Permission.MANAGE_KEYS, Permission.VIEW_AUDIT}, role


def test_roles_command_prints_the_matrix(app):
    result = app.test_cli_runner().invoke(args=["roles"])
    assert result.exit_code == 0 and result.output.strip() == format_matrix().strip()


def test_database_role_script_in_docs_is_the_one_the_command_runs():
    assert (DOCS / "database-roles.sql").read_text() == app_role_script("dfi_app")
