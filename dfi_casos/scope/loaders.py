"""One way to load or refuse a record: `get_<thing>_for(session, principal, id)` returns it or raises `NotVisible`."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from blinker import Namespace
from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from dfi_casos.auth.models import User
from dfi_casos.cases.community_models import CollectiveMeasure
from dfi_casos.cases.life_models import CaseFlag, CaseTransfer
from dfi_casos.cases.models import Case, CaseAssignee, Referral, Service
from dfi_casos.cases.plan_models import CasePlan, PlanAction, PlanGoal
from dfi_casos.documents.models import Attachment, RecordType
from dfi_casos.errors import NotVisible
from dfi_casos.imports.models import ImportJob
from dfi_casos.institutions.models import Institution
from dfi_casos.registry.models import (
    Community,
    Consent,
    DisplacementEvent,
    Household,
    Person,
)
from dfi_casos.rights.models import ArcoRequest, CalendarPeriod, PersonBlock
from dfi_casos.scope.rules import (
    arco_scoped,
    can_edit_calendar,
    editable_institutions_clause,
    manageable_accounts_clause,
    overseen_accounts_clause,
    scoped,
    territory_clause,
    works_on,
)
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory
from dfi_casos.solutions.models import DurableSolutionAssessment

#: Sent as `record_loaded.send(object_type, object_id=...)` each time a loader hands out a record, so a
#: test can prove which records a request loaded (the route walker counts a 400 as a refusal only then).
record_loaded = Namespace().signal("record-loaded")

M = TypeVar("M")
S = TypeVar("S", bound=Select[Any])


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
