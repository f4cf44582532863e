"""Case tables: the case, its assignees, history of stages and approvals, recognition, services, referrals, notes."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dfi_casos.auth.models import User
from dfi_casos.catalogs.enums import (
    AssistanceType,
    CaseSubject,
    ClosureReason,
    LabeledEnum,
    RecognitionDecision,
    ReferralStatus,
    ServiceStatus,
    Stage,
)
from dfi_casos.database import Base, UTCDateTime, enum_column, new_uuid, utcnow
from dfi_casos.security.fields import Encrypted


class CaseStatus(LabeledEnum):
    OPEN = "open", _l("Abierto")
    CLOSED = "closed", _l("Cerrado")


class RecognitionStatus(LabeledEnum):
    """Where the case stands in the recognition (valoración) of its DFI situation."""

    INTAKE = "intake", _l("Entrevista inicial en captura")
    SUBMITTED = "submitted", _l("En valoración")
    RECOGNIZED = "recognized", _l("Reconocido")
    NOT_RECOGNIZED = "not_recognized", _l("No reconocido")
    APPEALED = "appealed", _l("En recurso de revisión")


#: Recognitions waiting for a supervisor's decision.
RECOGNITION_WAITING = (RecognitionStatus.SUBMITTED, RecognitionStatus.APPEALED)


class ApprovalStatus(LabeledEnum):
    PENDING = "pending", _l("Pendiente")
    APPROVED = "approved", _l("Aprobada")
    REJECTED = "rejected", _l("Rechazada")


def _user_fk(nullable: bool = False) -> Mapped[int]:
    return mapped_column(ForeignKey("user_account.id"), index=True, nullable=nullable)


class FolioCounter(Base):
    """The last folio sequence given per state and year; incremented under a row lock."""

    __tablename__ = "folio_counter"

    state_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    """A case (caso): a household, a person or a community accompanied from intake to closure."""

    __tablename__ = "case_file"
    # Lists page through one territory newest first: this index serves them at a million records.
    # Cases of a state by status and last change (the home page's idle candidates: the 200 open cases
    # changed longest ago, read in order) and by recognition status (the few waiting for a decision).
    # Plain indexes, not partial: the statements bind the status as a parameter, and a prepared
    # statement's generic plan cannot prove a partial index's condition.
    __table_args__ = (Index("ix_case_file_state_created", "state_code", "created_at"),
                      Index("ix_case_file_state_status_updated", "state_code", "status", "updated_at", "id"),
                      Index("ix_case_file_recognition_status", "recognition_status"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    #: Human-readable and unique: DFI-<state abbreviation>-<year>-<sequence>.
    folio: Mapped[str] = mapped_column(String(30), unique=True)
    subject_type: Mapped[CaseSubject] = mapped_column(enum_column(CaseSubject))
    #: Exactly one of the three subject columns is set, as subject_type says.
    household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    community_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("community.id"), index=True)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage), index=True)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus), default=CaseStatus.OPEN, index=True)
    recognition_status: Mapped[RecognitionStatus] = mapped_column(
        enum_column(RecognitionStatus), default=RecognitionStatus.INTAKE)
    #: The caseworker responsible; access follows it (see scope.caseworker_clause).
    owner_id: Mapped[int] = _user_fk()
    #: Territory of attention (INEGI state key): what scope.scoped filters on.
    state_code: Mapped[str] = mapped_column(String(2), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closure_reason: Mapped[ClosureReason | None] = mapped_column(enum_column(ClosureReason))
    created_by_id: Mapped[int] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: Last workflow action on the case itself; touching it bumps `version`, so two people
    #: acting on the workflow at once conflict instead of both succeeding.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Optimistic lock: forms carry it, a stale one is a conflict instead of a silent overwrite.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    assignees: Mapped[list[CaseAssignee]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseAssignee.assigned_at")
    transitions: Mapped[list[StageTransition]] = relationship(order_by="StageTransition.occurred_at")
    approvals: Mapped[list[ApprovalRequest]] = relationship(order_by="ApprovalRequest.requested_at")
    recognition: Mapped[Recognition | None] = relationship(uselist=False)
    appeal: Mapped[Appeal | None] = relationship(uselist=False)
    services: Mapped[list[Service]] = relationship(order_by="Service.provided_on")
    referrals: Mapped[list[Referral]] = relationship(order_by="Referral.sent_on")
    notes: Mapped[list[CaseNote]] = relationship(order_by="CaseNote.created_at")

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN

    @property
    def pending_approval(self) -> ApprovalRequest | None:
        return next((a for a in self.approvals if a.status == ApprovalStatus.PENDING), None)

    @property
    def assignee_ids(self) -> set[int]:
        return {a.user_id for a in self.assignees}


class CaseAssignee(Base):
    """A user working on a case besides its owner."""

    __tablename__ = "case_assignee"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)
    assigned_by_id: Mapped[int] = _user_fk()
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="assignees")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class StageTransition(Base):
    """One stage change: who, when, from, to, why. Never updated or deleted."""

    __tablename__ = "stage_transition"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    #: None for the opening of the case.
    from_stage: Mapped[Stage | None] = mapped_column(enum_column(Stage))
    to_stage: Mapped[Stage] = mapped_column(enum_column(Stage))
    #: Why (required going back); free text may name people, so it is encrypted.
    reason = Encrypted()
    actor_id: Mapped[int] = _user_fk()
    #: The approval that allowed it, for soluciones duraderas and closure.
    approval_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("approval_request.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped[User] = relationship()


class ApprovalRequest(Base):
    """A request to enter soluciones duraderas or to close, decided by another supervisor."""

    __tablename__ = "approval_request"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    from_stage: Mapped[Stage] = mapped_column(enum_column(Stage))
    to_stage: Mapped[Stage] = mapped_column(enum_column(Stage))
    closure_reason: Mapped[ClosureReason | None] = mapped_column(enum_column(ClosureReason))
    justification = Encrypted()
    requested_by_id: Mapped[int] = _user_fk()
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[ApprovalStatus] = mapped_column(enum_column(ApprovalStatus), default=ApprovalStatus.PENDING,
                                                   index=True)
    decided_by_id: Mapped[int | None] = _user_fk(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment = Encrypted()

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Recognition(Base):
    """The intake submitted for valoración and the supervisor's first decision (one per case)."""

    __tablename__ = "recognition"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), unique=True)
    #: The caseworker's summary of the intake interview.
    summary = Encrypted()
    submitted_by_id: Mapped[int] = _user_fk()
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision: Mapped[RecognitionDecision | None] = mapped_column(enum_column(RecognitionDecision))
    reason = Encrypted()
    decided_by_id: Mapped[int | None] = _user_fk(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Appeal(Base):
    """The one recurso de revisión against a recognition decision, decided by another supervisor."""

    __tablename__ = "recognition_appeal"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    #: Unique: a case has at most one appeal.
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), unique=True)
    grounds = Encrypted()
    filed_by_id: Mapped[int] = _user_fk()
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision: Mapped[RecognitionDecision | None] = mapped_column(enum_column(RecognitionDecision))
    reason = Encrypted()
    decided_by_id: Mapped[int | None] = _user_fk(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Service(Base):
    """Assistance or a service given to the case's subject."""

    __tablename__ = "case_service"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    assistance_type: Mapped[AssistanceType] = mapped_column(enum_column(AssistanceType))
    provided_on: Mapped[date] = mapped_column(Date)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    status: Mapped[ServiceStatus] = mapped_column(enum_column(ServiceStatus))
    notes = Encrypted()
    recorded_by_id: Mapped[int] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[User] = relationship()


class Referral(Base):
    """A canalización to an institution, for a need, with the person's consent to share checked."""

    __tablename__ = "referral"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    #: Whose data is shared: the person of the case, or the household head.
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    need: Mapped[AssistanceType] = mapped_column(enum_column(AssistanceType))
    sent_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[ReferralStatus] = mapped_column(enum_column(ReferralStatus), default=ReferralStatus.SENT,
                                                   index=True)
    notes = Encrypted()
    #: The institution's answer.
    response = Encrypted()
    created_by_id: Mapped[int] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the institution first answered (the referral left "enviada"): the reports' response time.
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User] = relationship()


class CaseNote(Base):
    """A free-text follow-up note on the case."""

    __tablename__ = "case_note"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    body = Encrypted()
    author_id: Mapped[int] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    author: Mapped[User] = relationship()


