"""Imports (#21): submit a KoboToolbox / ODK / template file, confirm it, poll its job.

The same path as the import screen (dfi_casos/imports/views.py): `validation.validate_upload`
reads and checks the file into a job (nothing reaches the registry), `jobs.confirm` queues it with
the importer's choices and `jobs.start_confirmed` runs it; the job is loaded through
`scope.get_import_job_for` (only the account that uploaded it sees it: 404 for anyone else), and
its report of rows needing attention writes the same "view" audit entry as the job page.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, TypeVar, cast

from flask import current_app, request, url_for
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from dfi_casos import scope
from dfi_casos.api import bp, current_principal, requires, spec, validated
from dfi_casos.api.common import ApiError, responses
from dfi_casos.catalogs.enums import Stage
from dfi_casos.extensions import db
from dfi_casos.imports import jobs, report
from dfi_casos.imports.models import ImportJob, JobStatus, RowStatus
from dfi_casos.imports.validation import validate_upload
from dfi_casos.registry import services as registry
from dfi_casos.security import audit
from dfi_casos.security.access import Permission

TAGS = ["importaciones"]
#: Rows of the report an answer lists at most (the job page shows as many; the CSV report has them all).
REPORT_ROWS = 200
V = TypeVar("V", bound=Callable[..., Any])


class ImportUpload(BaseModel):
    """multipart/form-data with the file in `file` (.xlsx or .csv of KoboToolbox, .zip of ODK, or the template)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    file: Any = Field(json_schema_extra={"type": "string", "format": "binary"}, description="El archivo.")


class ImportConfirm(BaseModel):
    """The importer's choices, as on the job page."""

    model_config = ConfigDict(extra="forbid")

    stage: Literal[Stage.PREVENTION, Stage.ASSISTANCE, Stage.ATTENTION] = Stage.ASSISTANCE
    event_id: uuid.UUID | None = Field(default=None, description="Evento existente; sin él se crean los del archivo.")
    include_duplicates: bool = False
    duplicate_reason: str | None = Field(default=None, max_length=500)


class ReportIssue(BaseModel):
    where: str
    message: str
    question: str | None = None
    severity: str


class ReportLine(BaseModel):
    position: int
    instance_id: str
    status: RowStatus
    issues: list[ReportIssue]


class ImportJobOut(BaseModel):
    id: uuid.UUID
    status: JobStatus
    progress: int = Field(description="Porcentaje importado de los hogares por importar.")
    source: str
    households_total: int
    persons_total: int
    households_valid: int
    households_done: int
    persons_done: int
    notes: list[str]
    error: str | None = None
    counts: dict[RowStatus, int] = Field(description="Hogares del archivo por estado.")
    report: list[ReportLine] = Field(description="Filas que requieren atención, en el orden del archivo.")


def _session() -> Session:
    return cast(Session, db.session)


def _upload_limit(view: V) -> V:
    """Set the upload limit before anything reads the body: a larger file is refused unread (413)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        request.max_content_length = int(current_app.config["IMPORT_MAX_BYTES"]) + 100_000
        return view(*args, **kwargs)

    return cast(V, wrapped)


def job_body(job: ImportJob) -> dict[str, Any]:
    """The job, its counts and the rows needing attention; audited as the job page (it locates rows of people)."""
    session = _session()
    rows = report.report_rows(session, job, limit=REPORT_ROWS)
    audit.record_view(session, current_principal(), "import_job", job.id, fields=["issues"])
    body = {"id": job.id, "status": job.status, "progress": job.progress, "source": job.source,
            "households_total": job.households_total, "persons_total": job.persons_total,
            "households_valid": job.households_valid, "households_done": job.households_done,
            "persons_done": job.persons_done, "notes": list(job.notes or []), "error": job.error,
            "counts": report.counts(session, job),
            "report": [{"position": r.position, "instance_id": r.instance_id, "status": r.status,
                        "issues": r.issues} for r in rows]}
    return ImportJobOut.model_validate(body).model_dump(mode="json")


@bp.post("/importaciones")
@requires("imports:write", Permission.IMPORT_RECORDS)
@_upload_limit
@spec.validate(form=ImportUpload, resp=responses(ImportJobOut, 201, errors=[413, 422]), tags=TAGS)
def submit_import() -> Any:
    """Envía un archivo: se lee y se valida sin tocar el registro; revise el informe y confirme la importación."""
    upload = request.files.get("file")
    if upload is None or validated("form") is None:
        raise ApiError(422, "invalid", _("Envíe el archivo como multipart/form-data en el campo «file»."),
                       {"file": [_("Este dato es obligatorio.")]})
    job = validate_upload(_session(), current_principal(), upload.filename or "", upload.read(),
                          registry.municipalities())
    return job_body(job), 201, {"Location": url_for("api.read_import", job_id=job.id)}


@bp.post("/importaciones/<job_id>/confirmacion")
@requires("imports:write", Permission.IMPORT_RECORDS)
@spec.validate(json=ImportConfirm, resp=responses(ImportJobOut, 202, errors=[422]), tags=TAGS)
def confirm_import(job_id: str) -> Any:
    """Confirma una importación validada con la etapa de los casos; se importa en segundo plano."""
    data: ImportConfirm = validated("json")
    session = _session()
    job = scope.get_import_job_for(session, current_principal(), job_id)
    jobs.confirm(session, current_principal(), job, data.stage, data.event_id, data.include_duplicates,
                 data.duplicate_reason)
    jobs.start_confirmed(job.id)
    job = scope.get_import_job_for(session, current_principal(), job.id)
    return job_body(job), 202, {"Location": url_for("api.read_import", job_id=job.id)}


@bp.get("/importaciones/<job_id>")
@requires("imports:write", Permission.IMPORT_RECORDS)
@spec.validate(resp=responses(ImportJobOut), tags=TAGS)
def read_import(job_id: str) -> Any:
    """El estado de una importación (consúltelo hasta que termine) y su informe de filas con problemas."""
    return job_body(scope.get_import_job_for(_session(), current_principal(), job_id))
