"""Request and response models of the case endpoints (dfi_casos/api/cases.py), with the fields each role reads.

Enumerations travel by their stable value (`assistance`, `sent`...); Spanish labels are the
screens' business. A field a role may not read is left out of the answer, never sent as null:
the models give such fields a default so the answer still validates without them.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dfi_casos.api.common import PageQuery
from dfi_casos.cases.life_models import FlagType
from dfi_casos.cases.models import CaseStatus, RecognitionStatus
from dfi_casos.catalogs.enums import AssistanceType, CaseSubject, ClosureReason, ReferralStatus, ServiceStatus, Stage
from dfi_casos.security.access import Permission

#: Free text decrypted from the case (notes, reasons, justifications, responses): read by whoever records on
#: cases. Every other field of these answers is read by anyone the endpoint lets in (None).
TEXT = Permission.RECORD_SERVICES
ENTRY_FIELDS: dict[str, Permission | None] = {
    "at": None, "day": None, "kind": None, "title": None, "actor": None, "detail": None, "overdue": None,
    "text": TEXT}
SERVICE_FIELDS: dict[str, Permission | None] = {
    "id": None, "assistance_type": None, "provided_on": None, "status": None, "institution_id": None,
    "institution": None, "next_statuses": None, "notes": TEXT}
REFERRAL_FIELDS: dict[str, Permission | None] = {
    "id": None, "institution_id": None, "institution": None, "need": None, "sent_on": None, "due_on": None,
    "status": None, "overdue": None, "next_statuses": None, "text": TEXT}
PENDING_FIELDS: dict[str, Permission | None] = {
    "id": None, "from_stage": None, "to_stage": None, "closure_reason": None, "requested_by": None,
    "requested_at": None, "justification": TEXT}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests --------------------------------------------------------------------------------------

class CaseListQuery(PageQuery):
    """The case list's filters (the same as the case list screen's)."""

    model_config = ConfigDict(extra="forbid")

    stage: Stage | None = Field(default=None, description="Solo casos en esta etapa.")
    state: str | None = Field(default=None, pattern=r"^\d{2}$", description="Clave INEGI de la entidad (dos dígitos).")
    owner_id: int | None = Field(default=None, ge=1, description="Solo casos de esta persona responsable.")
    overdue: bool = Field(default=False, description="Solo casos con canalizaciones vencidas.")
    open_only: bool = Field(default=False, description="Solo casos abiertos.")
    flag: FlagType | Literal["cualquiera"] | None = Field(
        default=None, description="Solo casos con esta alerta activa (cualquiera: con alguna).")
    sort: Literal["recientes", "dias", "folio"] = Field(default="recientes", description="Orden de la lista.")
    folio: str | None = Field(default=None, max_length=30, description="Busca un caso por su folio exacto.")


class CaseCreate(_Strict):
    """Open a case for a household, a person or a community already registered."""

    subject_type: CaseSubject
    subject_id: uuid.UUID
    stage: Literal[Stage.PREVENTION, Stage.ASSISTANCE, Stage.ATTENTION] = Stage.ASSISTANCE


class CaseAssign(_Strict):
    """Owner and assignees (supervisors of the case's state); needs If-Match."""

    owner_id: int = Field(ge=1)
    assignee_ids: list[int] = Field(default_factory=list, max_length=50)


class StageChange(_Strict):
    """A direct stage change (one forward, or back with a reason); needs If-Match."""

    to_stage: Stage
    reason: str | None = Field(default=None, max_length=2000)


class ApprovalCreate(_Strict):
    """Ask for soluciones duraderas or closure; another supervisor decides. Needs If-Match."""

    to_stage: Literal[Stage.DURABLE_SOLUTIONS, Stage.CLOSED]
    closure_reason: ClosureReason | None = None
    justification: str | None = Field(default=None, max_length=4000)


class ApprovalDecision(_Strict):
    """Approve or reject the pending request (never one's own); a rejection needs a comment. Needs If-Match."""

    decision: Literal["approve", "reject"]
    comment: str | None = Field(default=None, max_length=4000)


class ServiceCreate(_Strict):
    assistance_type: AssistanceType
    provided_on: date
    status: ServiceStatus = ServiceStatus.REQUESTED
    institution_id: int | None = Field(default=None, ge=1)
    notes: str | None = Field(default=None, max_length=4000)


class ServiceStatusChange(_Strict):
    status: ServiceStatus


class ReferralCreate(_Strict):
    institution_id: int = Field(ge=1)
    need: AssistanceType
    due_on: date
    notes: str | None = Field(default=None, max_length=4000)


class ReferralStatusChange(_Strict):
    status: ReferralStatus
    response: str | None = Field(default=None, max_length=4000)


# --- answers ---------------------------------------------------------------------------------------

class CaseSummary(BaseModel):
    """One case of a list."""

    id: uuid.UUID
    folio: str
    subject_type: CaseSubject
    subject: str = Field(description="Hogar, persona o comunidad del caso, como lo muestran las listas.")
    place: str
    state_code: str
    stage: Stage
    status: CaseStatus
    recognition_status: RecognitionStatus
    opened_on: date
    closed_on: date | None = None
    owner_id: int
    days_in_stage: int
    overdue_referrals: int
    flags: list[FlagType]


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="Cursor de la página siguiente; null en la última.")


class HistoryEntry(BaseModel):
    at: datetime
    day: date | None = None
    kind: str
    title: str
    actor: str | None = None
    detail: str | None = None
    overdue: bool = False
    text: str | None = None


class ServiceOut(BaseModel):
    id: uuid.UUID
    assistance_type: AssistanceType
    provided_on: date
    status: ServiceStatus
    institution_id: int | None = None
    institution: str | None = None
    next_statuses: list[ServiceStatus]
    notes: str | None = None


class ServiceList(BaseModel):
    items: list[ServiceOut]


class ReferralOut(BaseModel):
    id: uuid.UUID
    institution_id: int
    institution: str | None = None
    need: AssistanceType
    sent_on: date
    due_on: date
    status: ReferralStatus
    overdue: bool
    next_statuses: list[ReferralStatus]
    text: str | None = Field(default=None, description="Respuesta de la institución o, sin ella, la nota de envío.")


class ReferralList(BaseModel):
    items: list[ReferralOut]


class PendingApproval(BaseModel):
    id: uuid.UUID
    from_stage: Stage
    to_stage: Stage
    closure_reason: ClosureReason | None = None
    requested_by: str
    requested_at: datetime
    justification: str | None = None


class CaseOut(CaseSummary):
    """A case as its page shows it: history newest first, services, referrals, what the caller may do next."""

    version: int = Field(description="Versión del caso; también en el encabezado ETag.")
    owner: str
    assignee_ids: list[int]
    assignees: list[str]
    pending_approval: PendingApproval | None = None
    warnings: list[str] = Field(description="Lo que pide atención (canalizaciones vencidas, inactividad...).")
    durable_solution_blockers: list[str] | None = None
    next_actions: list[str] = Field(description="Acciones que quien llama puede realizar ahora en el caso.")
    history: list[HistoryEntry]
    services: list[ServiceOut]
    referrals: list[ReferralOut]
