"""The printable case file (expediente): what the case page shows, laid out for paper, as PDF; audited as an export.

Built from the same read models as the case page (`cases.pages.case_record`), plus the household's
members, its durable-solution assessments and the case's documents (names only). The PDF carries
only the text it shows: no hidden layers, no metadata beyond its title.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.cases import pages as case_pages
from dfi_casos.cases import plans
from dfi_casos.cases.models import Case
from dfi_casos.cases.plan_models import CasePlan
from dfi_casos.database import local_today
from dfi_casos.documents.models import RecordType
from dfi_casos.documents.pages import AttachmentRow, attachments_of
from dfi_casos.documents.services import owner_of
from dfi_casos.institutions.services import institution_names
from dfi_casos.pdf import html_to_pdf
from dfi_casos.registry.models import Household
from dfi_casos.scope import scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Principal
from dfi_casos.solutions.models import DurableSolutionAssessment

#: Encrypted fields the case file shows beyond the case page's (for the export entry).
MEMBER_FIELDS = ["person.given_names", "person.first_surname", "person.second_surname", "person.birth_date"]
ASSESSMENT_FIELDS = ["assessment_criterion.evidence"]
PLAN_FIELDS = ["case_plan.summary", "plan_goal.description", "plan_action.description"]


@dataclass
class Member:
    """One current member of the household, as printed."""

    name: str
    relationship: str
    sex: str
    age: str


@dataclass
class CaseFile:
    """Everything the printed case file shows."""

    record: case_pages.CaseRecord
    printed_by: str
    printed_at: datetime
    members: list[Member] = field(default_factory=list)
    assessments: list[DurableSolutionAssessment] = field(default_factory=list)
    documents: list[AttachmentRow] = field(default_factory=list)
    #: The plan in force (approved revision), with its goals and actions; None when there is none yet.
    plan: CasePlan | None = None
    #: Names of the institutions responsible for plan actions.
    institution_names: dict[int, str] = field(default_factory=dict)


def _age(birth: date | None, estimated: int | None, today: date) -> str:
    if birth is not None:
        years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        return f"{years} años"
    return f"{estimated} años (estimada)" if estimated is not None else "—"


def _members(session: Session, actor: Principal, case: Case, today: date) -> list[Member]:
    if case.household_id is None:
        return []
    stmt = scoped(select(Household).where(Household.id == case.household_id), Household, actor)
    household = session.scalars(stmt).first()
    if household is None:
        return []
    return [Member(m.person.full_name(), m.relationship_to_head.label, m.person.registered_sex.label,
                   _age(m.person.birth_date, getattr(m.person, "estimated_age", None), today))
            for m in household.current_memberships]


def _assessments(session: Session, actor: Principal, case: Case) -> list[DurableSolutionAssessment]:
    if case.household_id is None:
        return []
    stmt = scoped(select(DurableSolutionAssessment)
                  .join(Household, Household.id == DurableSolutionAssessment.household_id)
                  .where(DurableSolutionAssessment.household_id == case.household_id), Household, actor)
    stmt = stmt.options(selectinload(DurableSolutionAssessment.criteria),
                        selectinload(DurableSolutionAssessment.assessor))
    return list(session.scalars(stmt.order_by(DurableSolutionAssessment.assessed_on.desc())))


def build(session: Session, actor: Any, case: Case, *, idle_days: int, printed_at: datetime) -> CaseFile:
    """The case file of a case already loaded through scope (the loader is the access check)."""
    today = local_today()
    record = case_pages.case_record(session, actor, case, idle_days=idle_days, today=today)
    plan = plans.in_force(plans.revisions(session, case))
    return CaseFile(record=record, printed_by=actor.full_name, printed_at=printed_at,
                    members=_members(session, actor, case, today), assessments=_assessments(session, actor, case),
                    documents=attachments_of(session, actor, owner_of(RecordType.CASE, case), with_deleted=False),
                    plan=plan, institution_names=_action_institutions(session, plan))


def _action_institutions(session: Session, plan: CasePlan | None) -> dict[int, str]:
    if plan is None:
        return {}
    return institution_names(session, [a.institution_id for g in plan.goals for a in g.actions])


def to_pdf(session: Session, actor: Any, case_file: CaseFile) -> bytes:
    """The case file as PDF; writes the export entry (case, pages, the fields it shows)."""
    case = case_file.record.case
    html = render_template("documents/case_file.html", file=case_file, case=case, record=case_file.record)
    pdf = html_to_pdf(html)
    audit.record_export(session, actor, "case_file", count=1, record_ids=[case.id], file_format="pdf",
                        fields=[*case_pages.NAME_FIELDS, *MEMBER_FIELDS, *ASSESSMENT_FIELDS, *PLAN_FIELDS,
                                "case_note.body",
                                "referral.notes", "service.notes", "attachment_version.file_name"],
                        state_code=case.state_code, pages=pdf.pages, folio=case.folio)
    return pdf.content
