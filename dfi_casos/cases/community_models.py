"""Tables of community cases: the community's recorded representatives and the collective measures of its case."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dfi_casos.auth.models import User
from dfi_casos.catalogs.enums import LabeledEnum
from dfi_casos.database import Base, UTCDateTime, new_uuid, utcnow
from dfi_casos.registry.models import Person, enum_column
from dfi_casos.security.fields import Encrypted


class CollectiveMeasureType(LabeledEnum):
    RETURN_WITH_GUARANTEES = "return_with_guarantees", _l("Retorno con garantías de seguridad")
    COLLECTIVE_RELOCATION = "collective_relocation", _l("Reubicación colectiva")
    COLLECTIVE_PROTECTION = "collective_protection", _l("Medidas de protección colectiva")
    DIALOGUE = "dialogue", _l("Mesa de diálogo o de seguridad")
    LAND_RESTITUTION = "land_restitution", _l("Restitución de tierras o territorio")
    COMMUNITY_SERVICES = "community_services", _l("Servicios básicos comunitarios")
    OTHER = "other", _l("Otra")


class MeasureStatus(LabeledEnum):
    PLANNED = "planned", _l("Programada")
    IN_PROGRESS = "in_progress", _l("En curso")
    DONE = "done", _l("Realizada")
    CANCELLED = "cancelled", _l("Cancelada")


class CommunityRepresentative(Base):
    """A person of the registry who represents a community (comisariado, autoridad tradicional, ...)."""

    __tablename__ = "community_representative"
    __table_args__ = (UniqueConstraint("community_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    #: Their role in the community, as the community names it (no personal detail).
    role: Mapped[str] = mapped_column(String(120))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship()


class CollectiveMeasure(Base):
    """A collective measure of a community case: what, with which institution, when, and how it stands."""

    __tablename__ = "collective_measure"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    measure_type: Mapped[CollectiveMeasureType] = mapped_column(enum_column(CollectiveMeasureType))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    measure_on: Mapped[date] = mapped_column(Date)
    status: Mapped[MeasureStatus] = mapped_column(enum_column(MeasureStatus), default=MeasureStatus.PLANNED)
    notes = Encrypted()
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[User] = relationship()
