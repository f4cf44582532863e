"""IASC durable-solutions assessments, read only (#21): a household's history, and one assessment with its evidence.

As the screens (dfi_casos/solutions/views.py): `scope` loads the household or the assessment (404
out of scope), `solutions.services` reads them, and the one answer that decrypts evidence writes
the same "view" audit entry as the assessment page. Behind the `cases:read` group and the role's
`assess_solutions` permission, as the screens are.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, cast

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dfi_casos import scope
from dfi_casos.api import bp, current_principal, requires, spec
from dfi_casos.api.common import etag, responses
from dfi_casos.catalogs.enums import CriterionStatus, IascCriterion, SettlementOption
from dfi_casos.extensions import db
from dfi_casos.security import audit
from dfi_casos.security.access import Permission
from dfi_casos.solutions import services
from dfi_casos.solutions.models import DurableSolutionAssessment

TAGS = ["evaluaciones"]


class CriterionOut(BaseModel):
    criterion: IascCriterion
    status: CriterionStatus
    evidence: str | None = None


class AssessmentSummary(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    assessed_on: date
    preferred_option: SettlementOption | None = None
    option_in_progress: SettlementOption | None = None
    signed: bool
    signed_at: datetime | None = None
    state_code: str
    statuses: dict[IascCriterion, CriterionStatus] = Field(description="Estado de cada criterio IASC.")


class AssessmentList(BaseModel):
    items: list[AssessmentSummary] = Field(description="De la más reciente a la más antigua.")
    standing_id: uuid.UUID | None = Field(description="La evaluación firmada vigente del hogar, si la hay.")
    closure_blockers: list[str] = Field(description="Por qué el hogar no permite aún cerrar por solución duradera.")


class AssessmentOut(AssessmentSummary):
    version: int
    assessor: str
    signed_by: str | None = None
    criteria: list[CriterionOut]
    blockers: list[str] | None = Field(default=None, description="Solo en una evaluación firmada.")


def _session() -> Session:
    return cast(Session, db.session)


def _summary(record: DurableSolutionAssessment) -> dict[str, Any]:
    return {"id": record.id, "household_id": record.household_id, "assessed_on": record.assessed_on,
            "preferred_option": record.preferred_option, "option_in_progress": record.option_in_progress,
            "signed": record.is_signed, "signed_at": record.signed_at, "state_code": record.state_code,
            "statuses": {c: record.status_of(c) for c in IascCriterion}}


@bp.get("/hogares/<household_id>/evaluaciones")
@requires("cases:read", Permission.ASSESS_SOLUTIONS)
@spec.validate(resp=responses(AssessmentList), tags=TAGS)
def household_assessments(household_id: str) -> Any:
    """Las evaluaciones de soluciones duraderas de un hogar (sin evidencias) y su situación vigente."""
    session = _session()
    household = scope.get_household_for(session, current_principal(), household_id)
    standing = services.latest_signed(session, household.id)
    body = {"items": [_summary(a) for a in services.assessments_of(session, household.id)],
            "standing_id": standing.id if standing is not None else None,
            "closure_blockers": services.blockers_of(standing)}
    return AssessmentList.model_validate(body).model_dump(mode="json")


@bp.get("/evaluaciones/<assessment_id>")
@requires("cases:read", Permission.ASSESS_SOLUTIONS)
@spec.validate(resp=responses(AssessmentOut), tags=TAGS)
def read_assessment(assessment_id: str) -> Any:
    """Una evaluación con sus ocho criterios IASC y su evidencia (queda registrada la consulta)."""
    session = _session()
    principal = current_principal()
    record = scope.get_assessment_for(session, principal, assessment_id)
    audit.record_view(session, principal, services.OBJECT_TYPE, record.id, fields=["criteria.evidence"],
                      state_code=record.state_code)
    body = _summary(record) | {
        "version": record.version, "assessor": record.assessor.full_name,
        "signed_by": record.signed_by.full_name if record.signed_by is not None else None,
        # The evidence is read by the roles that assess, as on the page: the endpoint admits no other.
        "criteria": [{"criterion": c.criterion, "status": c.status, "evidence": c.evidence} for c in record.criteria],
        "blockers": services.blockers_of(record) if record.is_signed else None,
    }
    answer = AssessmentOut.model_validate(body).model_dump(mode="json", exclude_unset=True)
    return answer, 200, {"ETag": etag(record.version)}
