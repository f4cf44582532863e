"""Tables of a case's life beside the stage workflow: flags raised on it and transfers between states."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dfi_casos.auth.models import User
from dfi_casos.catalogs.enums import LabeledEnum
from dfi_casos.database import Base, UTCDateTime, new_uuid, utcnow
from dfi_casos.registry.models import enum_column
from dfi_casos.security.fields import Encrypted


class FlagType(LabeledEnum):
    """Why a case needs everyone's attention now (the flags catalog)."""

    SECURITY_RISK = "security_risk", _l("Riesgo de seguridad")
    MISSING_PERSON = "missing_person", _l("Persona desaparecida")
    UNACCOMPANIED_CHILD = "unaccompanied_child", _l("NNA no acompañado")
    URGENT_HEALTH = "urgent_health", _l("Atención urgente de salud")
    OTHER = "other", _l("Otro")


class TransferStatus(LabeledEnum):
    PENDING = "pending", _l("Pendiente")
    ACCEPTED = "accepted", _l("Aceptado")
    DECLINED = "declined", _l("Rechazado")
    CANCELLED = "cancelled", _l("Cancelado")


def _user_fk(nullable: bool = False) -> Mapped[int]:
    return mapped_column(ForeignKey("user_account.id"), index=True, nullable=nullable)


class CaseFlag(Base):
    """A flag raised on a case (riesgo de seguridad, persona desaparecida, ...) until someone lowers it."""

    __tablename__ = "case_flag"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    flag_type: Mapped[FlagType] = mapped_column(enum_column(FlagType), index=True)
    #: Why it was raised: it may name people or threats, so it is encrypted.
    reason = Encrypted()
    raised_by_id: Mapped[int] = _user_fk()
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when the flag is lowered; a lowered flag stays as history.
    lowered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    lowered_by_id: Mapped[int | None] = _user_fk(nullable=True)
    lowered_reason = Encrypted()

    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    lowered_by: Mapped[User | None] = relationship(foreign_keys=[lowered_by_id])

    @property
    def is_active(self) -> bool:
        return self.lowered_at is None


class CaseTransfer(Base):
    """A request to move a case to another state's office, answered by a supervisor of that state."""

    __tablename__ = "case_transfer"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    #: The territory the case had when the transfer was asked, and the one it goes to.
    from_state_code: Mapped[str] = mapped_column(String(2), index=True)
    to_state_code: Mapped[str] = mapped_column(String(2), index=True)
    #: Why the case moves (shown to both offices): encrypted, it may say where the family went.
    reason = Encrypted()
    requested_by_id: Mapped[int] = _user_fk()
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The receiving office should answer by this day (TRANSFER_ANSWER_DAYS after the request).
    answer_due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[TransferStatus] = mapped_column(enum_column(TransferStatus), default=TransferStatus.PENDING,
                                                   index=True)
    decided_by_id: Mapped[int | None] = _user_fk(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The receiving supervisor's reason to decline (or note on acceptance).
    comment = Encrypted()
    #: Who holds the case in the receiving state once accepted.
    new_owner_id: Mapped[int | None] = _user_fk(nullable=True)
    #: The households of one displacement event transferred as one action share this id.
    batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    new_owner: Mapped[User | None] = relationship(foreign_keys=[new_owner_id])

    @property
    def is_pending(self) -> bool:
        return self.status == TransferStatus.PENDING
