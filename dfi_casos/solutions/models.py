"""Durable-solution assessment tables: one dated assessment per visit, one row per IASC criterion."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dfi_casos.auth.models import User
from dfi_casos.catalogs.enums import CriterionStatus, IascCriterion, SettlementOption
from dfi_casos.database import Base, UTCDateTime, enum_column, new_uuid, utcnow
from dfi_casos.security.fields import Encrypted


class DurableSolutionAssessment(Base):
    """Where a household stands against the eight IASC criteria on one date; all are kept."""

    __tablename__ = "durable_solution_assessment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    #: The date of the assessment (the visit), not of its capture.
    assessed_on: Mapped[date] = mapped_column(Date, index=True)
    #: The option the household itself prefers (its own voice); None while it has not decided.
    preferred_option: Mapped[SettlementOption | None] = mapped_column(enum_column(SettlementOption))
    #: The option being worked on; may differ from the preferred one.
    option_in_progress: Mapped[SettlementOption | None] = mapped_column(enum_column(SettlementOption))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: Supervisor sign-off: only a signed assessment is the household's standing.
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Territory of attention, copied from the household (for scoping and the dashboard).
    state_code: Mapped[str] = mapped_column(String(2), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Optimistic lock: a sign-off on a stale page is a conflict, not a silent overwrite.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    criteria: Mapped[list[AssessmentCriterion]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessmentCriterion.position")
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def status_of(self, criterion: IascCriterion) -> CriterionStatus:
        """The recorded status of one criterion ("no evaluado" when absent)."""
        row = next((c for c in self.criteria if c.criterion == criterion), None)
        return row.status if row is not None else CriterionStatus.NOT_ASSESSED


class AssessmentCriterion(Base):
    """One IASC criterion within an assessment: its status and the evidence behind it."""

    __tablename__ = "assessment_criterion"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("durable_solution_assessment.id"), index=True)
    criterion: Mapped[IascCriterion] = mapped_column(enum_column(IascCriterion))
    #: The criterion's place in the IASC order, so lists read in the Framework's order.
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[CriterionStatus] = mapped_column(enum_column(CriterionStatus), index=True)
    #: What supports the status; may describe the household's situation, so it is encrypted.
    evidence = Encrypted()

    assessment: Mapped[DurableSolutionAssessment] = relationship(back_populates="criteria")
