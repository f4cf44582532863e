"""Who may see or act on which record: each rule once, its SQL form beside its per-record form."""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, false, func, literal, or_, select, true
from sqlalchemy.orm import Session

from dfi_casos.auth.models import User
from dfi_casos.cases.models import Case, CaseAssignee
from dfi_casos.catalogs.enums import ObjectionUse
from dfi_casos.institutions.models import Institution
from dfi_casos.registry.models import (
    Community,
    Consent,
    Household,
    HouseholdMembership,
    Objection,
    Person,
)
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory
from dfi_casos.security.audit import AuditEvent

S = TypeVar("S", bound=Select[Any])


# --- territory -------------------------------------------------------------------------------------
# Per record: `in_territory(principal, state_code)` (security.access, re-exported here).

def territory_clause(principal: Principal, state_column: Any) -> ColumnElement[bool]:
    """SQL twin of `in_territory`: `state_column` lies in the principal's territory (true for national)."""
    if principal.is_national:
        return true()
    return state_column.in_(principal.states)  # type: ignore[no-any-return]


# --- case content: cases and registry records --------------------------------------------------------

def scoped(stmt: S, model: Any, principal: Any) -> S:
    """Restrict a SELECT over case data to what `principal` may see. Every query over records goes here.

    - without VIEW_CASES (auditors, administrators): nothing at all;
    - with WHOLE_TERRITORY (supervisors): every record of their states (all, when national);
    - otherwise (caseworkers): records of their states they registered, and those of the cases
      they own or are assigned to (see `caseworker_clause`).
    Models opt in with a `state_code` column (territory of attention) and `registered_by_id`.
    Per-record twin for cases: `works_on`.
    """
    if not has_permission(principal, Permission.VIEW_CASES):
        return stmt.where(false())
    stmt = stmt.where(territory_clause(principal, model.state_code))
    hidden = not_blocked_clause(model)
    if hidden is not None:
        stmt = stmt.where(hidden)
    if has_permission(principal, Permission.WHOLE_TERRITORY):
        return stmt
    return stmt.where(caseworker_clause(model, principal))


def blocked_person_ids() -> Select[Any]:
    """SELECT of the ids of blocked persons (bloqueo; deleted ones stay blocked): few rows, a small subquery."""
    return select(Person.id).where(Person.blocked_at.is_not(None))


def not_blocked_clause(model: Any) -> ColumnElement[bool] | None:
    """A blocked person vanishes for every role: their row, their consents, and a case whose subject they are.

    None for models that hold no person of their own (a household stays, without the blocked member:
    `Household.visible_memberships`). Reports and exports add it to what they count (`reportable_person`).
    """
    if model is Person:
        return Person.blocked_at.is_(None)
    if model is Consent:
        return Consent.person_id.not_in(blocked_person_ids())
    if model is Case:
        return or_(Case.person_id.is_(None), Case.person_id.not_in(blocked_person_ids()))
    return None


def reportable_person(person_id: Any) -> ColumnElement[bool]:
    """SQL: the person may be counted in statistics and exports: not blocked, and not opposed to statistics
    (derecho de oposición). For reports, beside `territory_clause`."""
    objecting = select(Objection.person_id).where(Objection.use == ObjectionUse.STATISTICS,
                                                  Objection.withdrawn_on.is_(None))
    return person_id.not_in(blocked_person_ids().union(objecting))  # type: ignore[no-any-return]


def _my_case(principal: Principal) -> ColumnElement[bool]:
    assigned = select(CaseAssignee.case_id).where(CaseAssignee.user_id == principal.id)
    return or_(Case.owner_id == principal.id, Case.id.in_(assigned))


def caseworker_clause(model: Any, principal: Principal) -> ColumnElement[bool]:
    """Which records of their territory an account without WHOLE_TERRITORY sees.

    - a case: the ones they own or are assigned to (a reassigned owner loses it);
    - a registry record: the ones they registered, or that are the subject of such a case
      (a household, its members, a person, a community) or belong to such a person (consent).
    """
    my_case = _my_case(principal)
    if model is Case:
        return my_case
    own: ColumnElement[bool] = model.registered_by_id == principal.id
    subject_ids = _case_subject_ids(model, my_case)
    return own if subject_ids is None else or_(own, subject_ids)


def _case_subject_ids(model: Any, my_case: ColumnElement[bool]) -> ColumnElement[bool] | None:
    """SQL condition: the registry record is (or belongs to) the subject of one of `my_case`."""
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


def works_on(principal: Principal, case: Case) -> bool:
    """Per-record twin of `scoped(..., Case, ...)`: the principal may see and work on this case.

    With VIEW_CASES, in its territory, and either WHOLE_TERRITORY or its owner or an assignee.
    """
    if not has_permission(principal, Permission.VIEW_CASES) or not in_territory(principal, case.state_code):
        return False
    return (has_permission(principal, Permission.WHOLE_TERRITORY) or case.owner_id == principal.id
            or principal.id in case.assignee_ids)


def visible(session: Session, principal: Principal, model: Any, record_id: Any) -> bool:
    """Whether one record of case data is within the principal's scope (a service re-checking a record)."""
    stmt = scoped(select(model.id).where(model.id == record_id), model, principal)
    return session.scalar(stmt) is not None


# --- accounts: administrators manage, auditors oversee -----------------------------------------------

def can_manage_account(principal: Principal, account: User) -> bool:
    """An administrator manages the accounts of their own territory; a national one manages all.

    A state administrator may not touch national accounts nor accounts reaching into a state
    outside their own: that would let them widen someone's access beyond their territory.
    """
    if not has_permission(principal, Permission.MANAGE_USERS):
        return False
    if principal.is_national:
        return True
    return not account.is_national and bool(account.states) and set(account.states) <= set(principal.states)


def _delimited_states() -> ColumnElement[str]:
    # ",07,12," so that each code matches whole; state_codes is stored as "07,12".
    return literal(",", String) + User.state_codes + literal(",", String)


def manageable_accounts_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL twin of `can_manage_account` over the `User` table."""
    if not has_permission(principal, Permission.MANAGE_USERS):
        return false()
    if principal.is_national:
        return true()
    # Strip every code of the administrator's own states: an account lies within them when nothing remains.
    remaining: ColumnElement[str] = _delimited_states()
    for code in principal.states:
        remaining = func.replace(remaining, f",{code},", ",")
    return (User.is_national.is_(False)) & (User.state_codes != "") & (remaining == ",")


def can_oversee_account(principal: Principal, account: User) -> bool:
    """An auditor sees the activity of accounts working in their territory (all, when national)."""
    if not has_permission(principal, Permission.VIEW_AUDIT):
        return False
    return bool(principal.is_national or set(account.states) & set(principal.states))


def overseen_accounts_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL twin of `can_oversee_account` over the `User` table."""
    if not has_permission(principal, Permission.VIEW_AUDIT):
        return false()
    if principal.is_national:
        return true()
    return or_(false(), *(_delimited_states().like(f"%,{code},%") for code in principal.states))


# --- the audit trail ---------------------------------------------------------------------------------

def audit_scope(stmt: S, principal: Principal) -> S:
    """Restrict a SELECT over audit entries to what an auditor may see. Per-record twin: `may_see_audit_entry`.

    National auditors see every entry. A state auditor sees the entries whose actor worked in
    one of their states at the time, or whose object lies in one of them. Entries with neither
    (e.g. a failed login for an unknown username) are for national auditors only.
    """
    if not has_permission(principal, Permission.VIEW_AUDIT):
        return stmt.where(false())
    if principal.is_national:
        return stmt
    states = principal.states
    if not states:
        return stmt.where(false())
    # actor_states is stored as ",07,12,": the delimiters make each LIKE match exactly one code.
    actor_in = [AuditEvent.actor_states.like(f"%,{code},%") for code in states]
    return stmt.where(or_(AuditEvent.object_state.in_(states), *actor_in))


def may_see_audit_entry(principal: Principal, entry: AuditEvent) -> bool:
    """Per-record twin of `audit_scope`."""
    if not has_permission(principal, Permission.VIEW_AUDIT):
        return False
    if principal.is_national:
        return True
    actor_states = set((entry.actor_states or "").strip(",").split(",")) - {""}
    return entry.object_state in principal.states or bool(actor_states & set(principal.states))


# --- the institutions catalog ------------------------------------------------------------------------

def can_edit_institution(principal: Principal, state_code: str | None) -> bool:
    """National institutions are shared by every catalog administrator; a state's own bodies belong to the
    administrators of that state."""
    return has_permission(principal, Permission.MANAGE_CATALOGS) and (
        state_code is None or in_territory(principal, state_code))


def editable_institutions_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL twin of `can_edit_institution` over the `Institution` table."""
    if not has_permission(principal, Permission.MANAGE_CATALOGS):
        return false()
    return or_(Institution.state_code.is_(None), territory_clause(principal, Institution.state_code))


# --- data-subject (ARCO) requests ---------------------------------------------------------------------

def may_handle_arco(principal: Principal, state_code: str | None) -> bool:
    """The transparency liaison (MANAGE_ARCO) handles the requests and persons of their territory."""
    return has_permission(principal, Permission.MANAGE_ARCO) and in_territory(principal, state_code)


def arco_scoped(stmt: S, model: Any, principal: Principal) -> S:
    """SQL twin of `may_handle_arco`: restrict a SELECT over ARCO requests or the persons they are about.

    Independent of VIEW_CASES: a liaison reads a person's record to answer their request, never
    to work their case; every such reading is audited by the rights services.
    """
    if not has_permission(principal, Permission.MANAGE_ARCO):
        return stmt.where(false())
    return stmt.where(territory_clause(principal, model.state_code))


def can_edit_calendar(principal: Principal) -> bool:
    """The business-day calendar counts every state's deadlines: national catalog administrators edit it."""
    return has_permission(principal, Permission.MANAGE_CATALOGS) and principal.is_national


def can_edit_letter_templates(principal: Principal) -> bool:
    """Referral letter templates serve every state's letters: national catalog administrators edit them."""
    return has_permission(principal, Permission.MANAGE_CATALOGS) and principal.is_national


