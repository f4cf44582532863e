"""Who may see or act on which record: each rule once, its SQL form beside its per-record form, and the loaders.

Every query over case data goes through `scoped` (or `audit_scope`, or an account clause), and every
single record is loaded through one `get_<thing>_for(session, actor, id)` that returns it or raises
`NotVisible` (the web layer audits it and answers 404: forbidden and absent look alike).
Rules ask permissions (`Permission.WHOLE_TERRITORY`), never role names. This module reads feature
*models* (tables) only; features' services import it, never the other way round.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from blinker import Namespace
from sqlalchemy import ColumnElement, Select, String, false, func, literal, or_, select, true
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from dfi_casos.auth.models import User
from dfi_casos.cases.community_models import CollectiveMeasure
from dfi_casos.cases.life_models import CaseFlag, CaseTransfer
from dfi_casos.cases.models import Case, CaseAssignee, Referral, Service
from dfi_casos.cases.plan_models import CasePlan, PlanAction, PlanGoal
from dfi_casos.catalogs.enums import ObjectionUse
from dfi_casos.documents.models import Attachment, RecordType
from dfi_casos.errors import NotVisible
from dfi_casos.imports.models import ImportJob
from dfi_casos.institutions.models import Institution
from dfi_casos.registry.models import (
    Community,
    Consent,
    DisplacementEvent,
    Household,
    HouseholdMembership,
    Objection,
    Person,
)
from dfi_casos.rights.models import ArcoRequest, CalendarPeriod, PersonBlock
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory
from dfi_casos.security.audit import AuditEvent
from dfi_casos.solutions.models import DurableSolutionAssessment

__all__ = [
    "NotVisible", "in_territory", "territory_clause", "scoped", "caseworker_clause", "works_on", "visible",
    "can_manage_account", "manageable_accounts_clause", "can_oversee_account", "overseen_accounts_clause",
    "audit_scope", "may_see_audit_entry", "can_edit_institution", "editable_institutions_clause",
    "parse_uuid", "require_uuid", "load", "get_for", "record_loaded", "get_person_for", "get_household_for",
    "get_event_for", "get_community_for",
    "get_case_for", "get_subject_for", "get_referral_for", "get_service_for", "get_assessment_for",
    "get_flag_for", "get_transfer_for", "transfer_scope", "may_see_transfer", "get_plan_for",
    "get_plan_goal_for", "get_plan_action_for", "get_measure_for",
    "get_institution_for", "get_account_for", "get_overseen_account_for", "get_import_job_for",
    "arco_scoped", "may_handle_arco", "not_blocked_clause", "blocked_person_ids", "reportable_person",
    "get_arco_person_for", "get_arco_request_for", "can_edit_calendar",
    "get_calendar_period_for", "get_person_block_for",
    "get_consent_for", "get_attachment_for", "can_edit_letter_templates",
]

#: Sent as `record_loaded.send(object_type, object_id=...)` each time a loader hands out a record, so a
#: test can prove which records a request loaded (the route walker counts a 400 as a refusal only then).
record_loaded = Namespace().signal("record-loaded")

M = TypeVar("M")
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


# --- loaders: the record, or NotVisible ---------------------------------------------------------------

def parse_uuid(value: Any) -> uuid.UUID | None:
    """A UUID from whatever came in a URL or form; None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def require_uuid(object_type: str, value: Any) -> uuid.UUID:
    """The id a URL or form gave, as a UUID; NotVisible ("malformed_id") when it is not one."""
    parsed = parse_uuid(value)
    if parsed is None:
        # Whatever came in the URL is not an id: audit that, not the (possibly huge) text itself.
        raise NotVisible(object_type, None, "malformed_id")
    return parsed


def load(session: Session, stmt: Select[Any], model: Any, record_id: Any, object_type: str) -> Any:
    """Run an already scoped `stmt` for one record; NotVisible when it finds nothing.

    The reason ("out_of_scope" or "absent") is for the audit entry only; the user sees one 404.
    """
    found = session.scalars(stmt).first()
    if found is None:
        exists = session.get(model, record_id) is not None
        raise NotVisible(object_type, record_id, "out_of_scope" if exists else "absent")
    record_loaded.send(object_type, object_id=record_id)
    return found


def get_for(session: Session, principal: Principal, model: type[M], record_id: Any, object_type: str,
            options: Sequence[ORMOption] = ()) -> M:
    """The record of case data `model` with this id if `principal` may see it (through `scoped`), else NotVisible."""
    stmt = scoped(select(model).where(model.id == record_id), model, principal)  # type: ignore[attr-defined]
    found: M = load(session, stmt.options(*options), model, record_id, object_type)
    return found


def get_person_for(session: Session, principal: Principal, person_id: Any) -> Person:
    """The person if `principal` may see them, else NotVisible."""
    return get_for(session, principal, Person, require_uuid("person", person_id), "person")


def get_household_for(session: Session, principal: Principal, household_id: Any) -> Household:
    """The household if `principal` may see it, else NotVisible."""
    return get_for(session, principal, Household, require_uuid("household", household_id), "household")


def get_event_for(session: Session, principal: Principal, event_id: Any) -> DisplacementEvent:
    """The displacement event if `principal` may see it, else NotVisible."""
    return get_for(session, principal, DisplacementEvent, require_uuid("event", event_id), "event")


def get_community_for(session: Session, principal: Principal, community_id: Any) -> Community:
    """The community if `principal` may see it, else NotVisible."""
    return get_for(session, principal, Community, require_uuid("community", community_id), "community")


def get_case_for(session: Session, principal: Principal, case_id: Any) -> Case:
    """The case if `principal` may see it (owner and assignees loaded), else NotVisible."""
    return get_for(session, principal, Case, require_uuid("case", case_id), "case",
                   (selectinload(Case.owner), selectinload(Case.assignees).selectinload(CaseAssignee.user)))


def get_subject_for(session: Session, principal: Principal, model: type[M], subject_id: Any,
                    object_type: str) -> M:
    """The household, person or community a case is about (`model`), if `principal` may see it."""
    return get_for(session, principal, model, require_uuid(object_type, subject_id), object_type)


def _case_record_for(session: Session, principal: Principal, model: type[M], record_id: Any,
                     object_type: str) -> M:
    """A record that belongs to a case (`model.case_id`), visible when its case is."""
    parsed = require_uuid(object_type, record_id)
    stmt = scoped(select(model).join(Case, Case.id == model.case_id)  # type: ignore[attr-defined]
                  .where(model.id == parsed), Case, principal)  # type: ignore[attr-defined]
    found: M = load(session, stmt, model, parsed, object_type)
    return found


def get_referral_for(session: Session, principal: Principal, referral_id: Any) -> Referral:
    """The referral if `principal` may see its case, else NotVisible."""
    return _case_record_for(session, principal, Referral, referral_id, "referral")


def get_service_for(session: Session, principal: Principal, service_id: Any) -> Service:
    """The service recorded on a case if `principal` may see the case, else NotVisible."""
    return _case_record_for(session, principal, Service, service_id, "case_service")


def get_flag_for(session: Session, principal: Principal, flag_id: Any) -> CaseFlag:
    """The flag raised on a case if `principal` may see the case, else NotVisible."""
    return _case_record_for(session, principal, CaseFlag, flag_id, "case_flag")


def get_measure_for(session: Session, principal: Principal, measure_id: Any) -> CollectiveMeasure:
    """A collective measure of a community case if `principal` may see the case, else NotVisible."""
    return _case_record_for(session, principal, CollectiveMeasure, measure_id, "collective_measure")


def get_plan_for(session: Session, principal: Principal, plan_id: Any) -> CasePlan:
    """A revision of a case plan if `principal` may see its case, else NotVisible."""
    return _case_record_for(session, principal, CasePlan, plan_id, "case_plan")


def get_plan_action_for(session: Session, principal: Principal, action_id: Any) -> PlanAction:
    """An action of a case plan if `principal` may see its case, else NotVisible."""
    return _case_record_for(session, principal, PlanAction, action_id, "plan_action")


def get_plan_goal_for(session: Session, principal: Principal, goal_id: Any) -> PlanGoal:
    """A goal of a case plan if `principal` may see its case, else NotVisible."""
    parsed = require_uuid("plan_goal", goal_id)
    stmt = scoped(select(PlanGoal).join(CasePlan, CasePlan.id == PlanGoal.plan_id)
                  .join(Case, Case.id == CasePlan.case_id).where(PlanGoal.id == parsed), Case, principal)
    found: PlanGoal = load(session, stmt, PlanGoal, parsed, "plan_goal")
    return found


# --- transfers between states: both offices see the request ------------------------------------------

def transfer_scope(stmt: S, principal: Principal) -> S:
    """Restrict a SELECT over transfers to those `principal` may read. Per-record twin: `may_see_transfer`.

    - whoever may see the case now (through `scoped`): the sending office while it holds the case,
      the receiving one once it accepted;
    - supervisors (APPROVE_STAGE_CHANGE) of the receiving state: the requests addressed to it, which
      show the folio, stage and reason but nothing of the case until they accept;
    - supervisors (WHOLE_TERRITORY) of the sending state: what they sent, with its answer (no content
      of the case after it left: see docs/cases.md).
    """
    if not has_permission(principal, Permission.VIEW_CASES):
        return stmt.where(false())
    case_visible = CaseTransfer.case_id.in_(scoped(select(Case.id), Case, principal))
    conditions: list[ColumnElement[bool]] = [case_visible]
    if has_permission(principal, Permission.APPROVE_STAGE_CHANGE):
        conditions.append(territory_clause(principal, CaseTransfer.to_state_code))
    if has_permission(principal, Permission.WHOLE_TERRITORY):
        conditions.append(territory_clause(principal, CaseTransfer.from_state_code))
    return stmt.where(or_(*conditions))


def may_see_transfer(principal: Principal, transfer: CaseTransfer, case: Case) -> bool:
    """Per-record twin of `transfer_scope` (`case` is the transfer's case)."""
    if not has_permission(principal, Permission.VIEW_CASES):
        return False
    if works_on(principal, case):
        return True
    if has_permission(principal, Permission.APPROVE_STAGE_CHANGE) and in_territory(principal, transfer.to_state_code):
        return True
    return has_permission(principal, Permission.WHOLE_TERRITORY) and in_territory(principal, transfer.from_state_code)


def get_transfer_for(session: Session, principal: Principal, transfer_id: Any) -> CaseTransfer:
    """The transfer request if `principal` may read it (see `transfer_scope`), else NotVisible."""
    parsed = require_uuid("case_transfer", transfer_id)
    stmt = transfer_scope(select(CaseTransfer).where(CaseTransfer.id == parsed), principal).options(
        selectinload(CaseTransfer.requested_by), selectinload(CaseTransfer.decided_by),
        selectinload(CaseTransfer.new_owner))
    found: CaseTransfer = load(session, stmt, CaseTransfer, parsed, "case_transfer")
    return found


def get_assessment_for(session: Session, principal: Principal, assessment_id: Any) -> DurableSolutionAssessment:
    """The durable-solution assessment if `principal` may see its household, else NotVisible."""
    parsed = require_uuid("durable_solution_assessment", assessment_id)
    stmt = scoped(
        select(DurableSolutionAssessment)
        .join(Household, Household.id == DurableSolutionAssessment.household_id)
        .where(DurableSolutionAssessment.id == parsed),
        Household, principal,
    ).options(selectinload(DurableSolutionAssessment.criteria), selectinload(DurableSolutionAssessment.assessor),
              selectinload(DurableSolutionAssessment.signed_by))
    found: DurableSolutionAssessment = load(session, stmt, DurableSolutionAssessment, parsed,
                                            "durable_solution_assessment")
    return found


def get_institution_for(session: Session, principal: Principal, institution_id: int) -> Institution:
    """The institution if `principal` may edit it in the catalog, else NotVisible."""
    stmt = select(Institution).where(Institution.id == institution_id, editable_institutions_clause(principal))
    found: Institution = load(session, stmt, Institution, institution_id, "institution")
    return found


def get_account_for(session: Session, principal: Principal, user_id: int) -> User:
    """The account if `principal` may manage it (administrators of its territory), else NotVisible."""
    stmt = select(User).where(User.id == user_id, manageable_accounts_clause(principal))
    found: User = load(session, stmt, User, user_id, "user")
    return found


def get_overseen_account_for(session: Session, principal: Principal, user_id: int) -> User:
    """The account if `principal` may read its activity in the audit trail (auditors), else NotVisible."""
    stmt = select(User).where(User.id == user_id, overseen_accounts_clause(principal))
    found: User = load(session, stmt, User, user_id, "user")
    return found


def get_import_job_for(session: Session, principal: Principal, job_id: Any) -> ImportJob:
    """An import job, for the account that uploaded it only (its report locates rows of people), else NotVisible."""
    parsed = require_uuid("import_job", job_id)
    stmt = select(ImportJob).where(ImportJob.id == parsed, ImportJob.created_by_id == principal.id)
    if not has_permission(principal, Permission.IMPORT_RECORDS):
        stmt = stmt.where(false())
    found: ImportJob = load(session, stmt, ImportJob, parsed, "import_job")
    return found


def get_arco_request_for(session: Session, principal: Principal, request_id: Any) -> ArcoRequest:
    """The ARCO request if `principal` handles requests of its territory, else NotVisible."""
    parsed = require_uuid("arco_request", request_id)
    stmt = arco_scoped(select(ArcoRequest).where(ArcoRequest.id == parsed), ArcoRequest, principal)
    found: ArcoRequest = load(session, stmt, ArcoRequest, parsed, "arco_request")
    return found


def get_arco_person_for(session: Session, principal: Principal, person_id: Any) -> Person:
    """A person of the registry for an ARCO request, if `principal` handles their territory, else NotVisible."""
    parsed = require_uuid("person", person_id)
    stmt = arco_scoped(select(Person).where(Person.id == parsed), Person, principal)
    found: Person = load(session, stmt, Person, parsed, "person")
    return found


def get_calendar_period_for(session: Session, principal: Principal, period_id: int) -> CalendarPeriod:
    """A published period of the business-day calendar, for an account that may edit it, else NotVisible."""
    stmt = select(CalendarPeriod).where(CalendarPeriod.id == period_id)
    if not can_edit_calendar(principal):
        stmt = stmt.where(false())
    found: CalendarPeriod = load(session, stmt, CalendarPeriod, period_id, "calendar_period")
    return found


def get_consent_for(session: Session, principal: Principal, consent_id: Any) -> Consent:
    """The consent if `principal` may see it (its state and registrar, like any registry record), else NotVisible."""
    return get_for(session, principal, Consent, require_uuid("consent", consent_id), "consent")


#: For each kind of record an attachment may belong to: the table to join and the table carrying its scope.
_ATTACHMENT_OWNERS: dict[str, tuple[Any, Any]] = {
    RecordType.PERSON: (Person, Person), RecordType.HOUSEHOLD: (Household, Household), RecordType.CASE: (Case, Case),
    RecordType.CONSENT: (Consent, Consent), RecordType.REFERRAL: (Referral, Case),
}


def get_attachment_for(session: Session, principal: Principal, attachment_id: Any) -> Attachment:
    """The attachment if `principal` may see the record it belongs to, else NotVisible."""
    parsed = require_uuid("attachment", attachment_id)
    # Which table owns it decides the join; the type alone reveals nothing and loads no content.
    record_type = session.scalar(select(Attachment.record_type).where(Attachment.id == parsed))
    if record_type not in _ATTACHMENT_OWNERS:
        raise NotVisible("attachment", parsed, "absent")
    owner, scope_model = _ATTACHMENT_OWNERS[record_type]
    stmt = select(Attachment).join(owner, owner.id == Attachment.record_id).where(Attachment.id == parsed)
    if owner is Referral:
        stmt = stmt.join(Case, Case.id == Referral.case_id)
    stmt = scoped(stmt, scope_model, principal).options(selectinload(Attachment.versions))
    found: Attachment = load(session, stmt, Attachment, parsed, "attachment")
    return found


def get_person_block_for(session: Session, principal: Principal, block_id: Any) -> PersonBlock:
    """A blocking record if `principal` handles ARCO requests of its territory, else NotVisible."""
    parsed = require_uuid("person_block", block_id)
    stmt = arco_scoped(select(PersonBlock).where(PersonBlock.id == parsed), PersonBlock, principal)
    found: PersonBlock = load(session, stmt, PersonBlock, parsed, "person_block")
    return found
