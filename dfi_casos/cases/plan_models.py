"""Case plan tables: goals agreed with the household or person, each with actions; revised with history kept."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Integer, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dfi_casos.auth.models import User
from dfi_casos.catalogs.enums import AssistanceType, IascCriterion, LabeledEnum
from dfi_casos.database import Base, UTCDateTime, new_uuid, utcnow
from dfi_casos.registry.models import enum_column
from dfi_casos.security.fields import Encrypted


class PlanStatus(LabeledEnum):
    """Where one revision of a plan stands; only one revision of a case is in force at a time."""

    DRAFT = "draft", _l("Borrador")
    SUBMITTED = "submitted", _l("En aprobación")
    APPROVED = "approved", _l("Aprobado (vigente)")
    REJECTED = "rejected", _l("Devuelto")
    SUPERSEDED = "superseded", _l("Sustituido por una revisión")


class ActionStatus(LabeledEnum):
    PENDING = "pending", _l("Pendiente")
    IN_PROGRESS = "in_progress", _l("En curso")
    DONE = "done", _l("Cumplida")
    CANCELLED = "cancelled", _l("Cancelada")


def _user_fk(nullable: bool = False) -> Mapped[int]:
    return mapped_column(ForeignKey("user_account.id"), index=True, nullable=nullable)


class CasePlan(Base):
    """One revision of a case plan; a new revision copies the one in force, which stays as history."""

    __tablename__ = "case_plan"
    __table_args__ = (UniqueConstraint("case_id", "revision"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    #: 1 for the first plan, then 2, 3 ... per revision.
    revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT, index=True)
    #: What changed and why (for a revision), or how it was agreed with the household.
    summary = Encrypted()
    created_by_id: Mapped[int] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = _user_fk(nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = _user_fk(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The supervisor's comment (required when sending it back).
    comment = Encrypted()
    #: Optimistic lock: two supervisors deciding one plan, or an edit on a stale page, conflict.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    goals: Mapped[list[PlanGoal]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                 order_by="PlanGoal.position")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class PlanGoal(Base):
    """A goal agreed with the household or person, linked to an IASC criterion or to a need."""

    __tablename__ = "plan_goal"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_plan.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description = Encrypted()
    criterion: Mapped[IascCriterion | None] = mapped_column(enum_column(IascCriterion))
    need: Mapped[AssistanceType | None] = mapped_column(enum_column(AssistanceType))

    plan: Mapped[CasePlan] = relationship(back_populates="goals")
    actions: Mapped[list[PlanAction]] = relationship(back_populates="goal", cascade="all, delete-orphan",
                                                     order_by="PlanAction.due_on")


class PlanAction(Base):
    """An action toward a goal: who does it (a user or an institution), by when, and how it stands."""

    __tablename__ = "plan_action"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    goal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_goal.id"), index=True)
    #: The case, repeated so that overdue actions are found with one join (worklists, reports).
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    description = Encrypted()
    responsible_user_id: Mapped[int | None] = _user_fk(nullable=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus), default=ActionStatus.PENDING,
                                                 index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    goal: Mapped[PlanGoal] = relationship(back_populates="actions")
    responsible_user: Mapped[User | None] = relationship(foreign_keys=[responsible_user_id])
