"""Each visibility rule of `dfi_casos.scope` in its two forms, SQL and per record, gives the same answer.

Every principal of a small cast is asked about every record of a small world, both ways.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from dfi_casos import scope
from dfi_casos.auth.models import User
from dfi_casos.cases.models import Case, CaseAssignee
from dfi_casos.registry.models import Institution
from dfi_casos.security import audit
from dfi_casos.security.audit import AuditEvent
from tests import factories

CHIAPAS, GUERRERO, OAXACA = "07", "12", "20"


@pytest.fixture
def cast(db):
    """One account of each role and territory the rules tell apart."""
    make = factories.make_user
    return {
        "owner": make(db, role="caseworker", states=[CHIAPAS]),
        "assignee": make(db, role="caseworker", states=[CHIAPAS, GUERRERO]),
        "stranger": make(db, role="caseworker", states=[CHIAPAS]),
        "supervisor_chiapas": make(db, role="supervisor", states=[CHIAPAS]),
        "supervisor_national": make(db, role="supervisor", states=None),
        "supervisor_guerrero": make(db, role="supervisor", states=[GUERRERO]),
        "auditor_chiapas": make(db, role="auditor", states=[CHIAPAS]),
        "auditor_two_states": make(db, role="auditor", states=[CHIAPAS, OAXACA]),
        "auditor_national": make(db, role="auditor", states=None),
        "admin_chiapas": make(db, role="administrator", states=[CHIAPAS]),
        "admin_two_states": make(db, role="administrator", states=[CHIAPAS, GUERRERO]),
        "admin_national": make(db, role="administrator", states=None),
        "inactive_supervisor": make(db, role="supervisor", states=[CHIAPAS], active=False),
    }


def test_case_visibility_in_sql_and_per_case_agree(db, cast):
    assigned = factories.make_case(db, cast["owner"], state=CHIAPAS)
    assigned.assignees.append(CaseAssignee(user_id=cast["assignee"].id, assigned_by_id=cast["supervisor_chiapas"].id))
    cases = [assigned, factories.make_case(db, cast["owner"], state=CHIAPAS),
             factories.make_case(db, cast["supervisor_guerrero"], state=GUERRERO)]
    db.flush()
    for name, principal in cast.items():
        in_sql = set(db.scalars(scope.scoped(select(Case.id), Case, principal)))
        per_case = {case.id for case in cases if scope.works_on(principal, case)}
        assert in_sql == per_case, name
    assert scope.works_on(cast["assignee"], assigned) and not scope.works_on(cast["stranger"], assigned)


def test_territory_in_sql_and_per_state_agree(db, cast):
    cases = [factories.make_case(db, cast["assignee"], state=state) for state in (CHIAPAS, GUERRERO)]
    for name, principal in cast.items():
        in_sql = set(db.scalars(select(Case.id).where(scope.territory_clause(principal, Case.state_code))))
        per_case = {case.id for case in cases if scope.in_territory(principal, case.state_code)}
        assert in_sql == per_case, name


def _accounts(db, cast):
    extra = [factories.make_user(db, role="caseworker", states=states)
             for states in ([GUERRERO], [CHIAPAS, GUERRERO], [CHIAPAS, OAXACA], [OAXACA], None)]
    return [*cast.values(), *extra]


def test_account_management_in_sql_and_per_account_agree(db, cast):
    accounts = _accounts(db, cast)
    for name, principal in cast.items():
        in_sql = set(db.scalars(select(User.id).where(scope.manageable_accounts_clause(principal))))
        per_account = {account.id for account in accounts if scope.can_manage_account(principal, account)}
        assert in_sql == per_account, name
    assert scope.can_manage_account(cast["admin_two_states"], cast["assignee"])
    assert not scope.can_manage_account(cast["admin_chiapas"], cast["assignee"])


def test_account_oversight_in_sql_and_per_account_agree(db, cast):
    accounts = _accounts(db, cast)
    for name, principal in cast.items():
        in_sql = set(db.scalars(select(User.id).where(scope.overseen_accounts_clause(principal))))
        per_account = {account.id for account in accounts if scope.can_oversee_account(principal, account)}
        assert in_sql == per_account, name


def test_audit_entries_in_sql_and_per_entry_agree(db, cast):
    for actor in (cast["owner"], cast["assignee"], cast["supervisor_national"], cast["supervisor_guerrero"], None):
        for state in (CHIAPAS, GUERRERO, OAXACA, None):
            audit.record_view(db, actor, "person", "p", fields=["names"], state_code=state)
    entries = list(db.scalars(select(AuditEvent)))
    for name, principal in cast.items():
        in_sql = set(db.scalars(scope.audit_scope(select(AuditEvent.seq), principal)))
        per_entry = {entry.seq for entry in entries if scope.may_see_audit_entry(principal, entry)}
        assert in_sql == per_entry, name
    chiapas = {e.seq for e in entries if scope.may_see_audit_entry(cast["auditor_chiapas"], e)}
    assert 0 < len(chiapas) < len(entries)


def test_institution_editing_in_sql_and_per_institution_agree(db, cast):
    for code, state in (("nacional", None), ("chis", CHIAPAS), ("gro", GUERRERO)):
        db.add(Institution(code=f"prueba_{code}", name=f"Prueba {code}", active=True, state_code=state))
    db.flush()
    institutions = list(db.scalars(select(Institution)))
    for name, principal in cast.items():
        in_sql = set(db.scalars(select(Institution.id).where(scope.editable_institutions_clause(principal))))
        per_row = {i.id for i in institutions if scope.can_edit_institution(principal, i.state_code)}
        assert in_sql == per_row, name
