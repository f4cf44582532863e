"""Import tables: the job (a background unit any worker can resume), its staged rows, and what was imported."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dfi_casos.catalogs.enums import LabeledEnum, Stage
from dfi_casos.database import Base, UTCDateTime, enum_column, new_uuid, utcnow
from dfi_casos.security.fields import Encrypted


class JobStatus(LabeledEnum):
    VALIDATED = "validated", _l("Validado: revise el informe")
    QUEUED = "queued", _l("En cola")
    RUNNING = "running", _l("Importando")
    DONE = "done", _l("Terminado")
    FAILED = "failed", _l("No se pudo terminar")


class RowStatus(LabeledEnum):
    VALID = "valid", _l("Listo para importar")
    INVALID = "invalid", _l("Con errores")
    DUPLICATE = "duplicate", _l("Posible duplicado")
    ALREADY = "already", _l("Ya importado antes")
    DONE = "done", _l("Importado")
    SKIPPED = "skipped", _l("Omitido")


class ImportJob(Base):
    """One uploaded file: validated, then committed in batches by whichever worker claims it."""

    __tablename__ = "import_job"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: What was read: "Kobo XLSX", "ODK Central", "Plantilla CSV", ...
    source: Mapped[str] = mapped_column(String(40))
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.VALIDATED, index=True)
    #: States of the households in the file (all inside the importer's territory).
    state_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Stage the household cases open in, chosen when the import is confirmed.
    stage: Mapped[Stage | None] = mapped_column(enum_column(Stage))
    #: An existing event every household joins, instead of the events described in the file.
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("displacement_event.id"))
    #: Rows with possible duplicates in the registry are imported too, with this reason kept per person.
    include_duplicates: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_reason = Encrypted()
    #: File-level notes (encoding used, ignored columns): no personal data.
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    households_total: Mapped[int] = mapped_column(Integer, default=0)
    persons_total: Mapped[int] = mapped_column(Integer, default=0)
    households_valid: Mapped[int] = mapped_column(Integer, default=0)
    persons_valid: Mapped[int] = mapped_column(Integer, default=0)
    households_done: Mapped[int] = mapped_column(Integer, default=0)
    persons_done: Mapped[int] = mapped_column(Integer, default=0)
    #: Events created from the file, by the key of their answers: a resumed job reuses them.
    events: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    #: Spanish reason when the job failed.
    error: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: Refreshed by the worker after each batch: a job whose heartbeat stops is claimed again.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def progress(self) -> int:
        """Percentage of the households to import that are done."""
        if self.status == JobStatus.DONE:
            return 100
        wanted = self.households_valid or 1
        return min(100, round(100 * self.households_done / wanted))

    def as_status(self) -> dict[str, Any]:
        return {"status": self.status.value, "label": self.status.label, "progress": self.progress,
                "households_done": self.households_done, "persons_done": self.persons_done,
                "households_valid": self.households_valid, "error": self.error}


class ImportRow(Base):
    """One household of the file: its clean values and problems, encrypted, until the job is done."""

    __tablename__ = "import_row"
    __table_args__ = (Index("ix_import_row_job_position", "job_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_job.id"))
    #: Order in the file.
    position: Mapped[int] = mapped_column(Integer)
    #: The form's instance id (meta/instanceID), the key that makes a second import of it a no-op.
    instance_id: Mapped[str] = mapped_column(String(120))
    status: Mapped[RowStatus] = mapped_column(enum_column(RowStatus))
    persons: Mapped[int] = mapped_column(Integer, default=0)
    #: JSON of the household's clean values; dropped once imported (the file is not kept).
    data = Encrypted()
    #: JSON list of the row's problems (messages may quote a date or part of a CURP).
    issues = Encrypted()
    household_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ImportedSubmission(Base):
    """A form instance already in the registry: importing it again creates nothing."""

    __tablename__ = "imported_submission"

    instance_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_job.id"), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
