"""Rights tables: ARCO requests, the business-day calendars and their non-working periods."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dfi_casos.catalogs.enums import ArcoRight, LabeledEnum
from dfi_casos.database import Base, UTCDateTime, enum_column, new_uuid, utcnow
from dfi_casos.registry.models import Person
from dfi_casos.security.fields import Encrypted


class ArcoStatus(LabeledEnum):
    RECEIVED = "received", _l("Recibida")
    IN_PROCESS = "in_process", _l("En trámite")
    EXTENDED = "extended", _l("Prorrogada")
    ANSWERED = "answered", _l("Respondida")
    DECLINED = "declined", _l("Improcedente")
    CLOSED = "closed", _l("Concluida")


#: Statuses whose deadline still runs: the worklist and the home page count them.
OPEN_STATUSES = (ArcoStatus.RECEIVED, ArcoStatus.IN_PROCESS, ArcoStatus.EXTENDED)


class ArcoChannel(LabeledEnum):
    IN_PERSON = "in_person", _l("En persona (escrito libre o formato)")
    EMAIL = "email", _l("Correo electrónico")
    PLATFORM = "platform", _l("Plataforma Nacional de Transparencia")
    MAIL = "mail", _l("Correo postal o mensajería")
    OTHER = "other", _l("Otro medio")


class IdentityDocument(LabeledEnum):
    INE = "ine", _l("Credencial para votar (INE)")
    PASSPORT = "passport", _l("Pasaporte")
    PROFESSIONAL_ID = "professional_id", _l("Cédula profesional")
    MIGRATION_DOCUMENT = "migration_document", _l("Documento migratorio")
    WITNESS = "witness", _l("Identificación por testigos (sin documento)")
    OTHER = "other", _l("Otro documento")


class BusinessCalendar(Base):
    """One legal regime's way of counting días hábiles; its revision grows with every edit of its periods."""

    __tablename__ = "business_calendar"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Stable code, e.g. "administrativo" (LFPA art. 28: nominal holidays plus published periods).
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Bumped on every change to the periods: a deadline names the revision that computed it.
    revision: Mapped[int] = mapped_column(Integer, default=1)

    periods: Mapped[list[CalendarPeriod]] = relationship(back_populates="calendar",
                                                         order_by="CalendarPeriod.starts_on")


class CalendarPeriod(Base):
    """A vacation or suspension period the institution published (DOF): no day in it is hábil."""

    __tablename__ = "calendar_period"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("business_calendar.id"), index=True)
    #: What the agreement calls it ("Vacaciones de invierno 2026", "Semana Santa 2027").
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: Where it was published (DOF date or agreement number).
    source: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    calendar: Mapped[BusinessCalendar] = relationship(back_populates="periods")


class ArcoRequest(Base):
    """A data-subject request (acceso, rectificación, cancelación, oposición), its deadline and its answer."""

    __tablename__ = "arco_request"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    #: Human-readable number, e.g. ARCO-12-2026-000004 (state, year, sequence).
    folio: Mapped[str] = mapped_column(String(40), unique=True)
    right: Mapped[ArcoRight] = mapped_column(enum_column(ArcoRight), index=True)
    status: Mapped[ArcoStatus] = mapped_column(enum_column(ArcoStatus), default=ArcoStatus.RECEIVED, index=True)
    #: The person of the registry the request is about; None while not identified.
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    #: Who filed it, as they named themselves (a person not yet identified in the registry).
    requester_name = Encrypted()
    #: Their legal representative, if any (name and the document that accredits them).
    representative = Encrypted()
    channel: Mapped[ArcoChannel] = mapped_column(enum_column(ArcoChannel))
    received_on: Mapped[date] = mapped_column(Date)
    #: What is asked: the data to access or correct, the uses objected to, the reasons.
    description = Encrypted()
    identity_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    identity_document: Mapped[IdentityDocument | None] = mapped_column(enum_column(IdentityDocument))
    identity_verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    identity_verified_on: Mapped[date | None] = mapped_column(Date)
    #: The deadline to answer, in business days from receipt, and the calendar (code and revision) that counted it.
    due_on: Mapped[date] = mapped_column(Date, index=True)
    calendar_code: Mapped[str] = mapped_column(String(40))
    calendar_revision: Mapped[int] = mapped_column(Integer)
    #: The one extension (prórroga): when, why, and the deadline before it.
    extended_on: Mapped[date | None] = mapped_column(Date)
    extension_reason = Encrypted()
    original_due_on: Mapped[date | None] = mapped_column(Date)
    #: The answer given to the person, when, and why a request was declined (improcedente).
    response = Encrypted()
    answered_on: Mapped[date | None] = mapped_column(Date)
    decline_reason = Encrypted()
    #: Deadline to carry out what was granted (15 business days after the answer).
    execute_by: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    #: Territory: the person's state, or the one chosen for a requester not yet identified.
    state_code: Mapped[str] = mapped_column(String(2), index=True)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class PersonBlock(Base):
    """A blocking (bloqueo) of a person's data: why, on whose request, and its reversal if it happened."""

    __tablename__ = "person_block"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    #: The cancellation request that asked for it; None when retention blocked it.
    arco_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("arco_request.id"), index=True)
    #: "arco" (a cancellation) or "retention" (the end of the vigencia).
    source: Mapped[str] = mapped_column(String(20), default="arco")
    reason = Encrypted()
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    blocked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    unblocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unblocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    unblock_reason = Encrypted()
    #: The person's territory, copied for scoping the liaison's lists.
    state_code: Mapped[str] = mapped_column(String(2), index=True)

    person: Mapped[Person] = relationship()
    request: Mapped[ArcoRequest | None] = relationship()


class RetentionRun(Base):
    """One run of `dfi-casos retention run`: where it stopped (a killed run resumes there) and what it did."""

    __tablename__ = "retention_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: "running" until the last batch is committed, then "finished".
    status: Mapped[str] = mapped_column(String(20), default="running")
    #: The last person id whose batch was committed: the run resumes after it.
    cursor: Mapped[str | None] = mapped_column(String(64))
    reviewed: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)


class DisposalRecord(Base):
    """The record of a baja documental (or of the bloqueo before it): which record, which series, when, why."""

    __tablename__ = "disposal_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("retention_run.id"), index=True)
    #: The tombstone's id: never a name.
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    #: "bloqueo" or "supresion".
    action: Mapped[str] = mapped_column(String(20))
    #: The documentary series and the vigencia applied (years in trámite and concentración).
    series: Mapped[str] = mapped_column(String(200))
    vigencia: Mapped[str] = mapped_column(String(60))
    state_code: Mapped[str] = mapped_column(String(2), index=True)
    disposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
