"""Import pages: upload and report, confirmation, progress, downloads (form, template, report)."""
from __future__ import annotations

import io
import uuid
from typing import Any

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from dfi_casos.catalogs.enums import Stage
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.extensions import csrf, db
from dfi_casos.formutil import attach_error, select_choices
from dfi_casos.i18n import day
from dfi_casos.imports import jobs, report
from dfi_casos.imports.forms import ConfirmForm, UploadForm
from dfi_casos.imports.models import ImportJob, JobStatus, RowStatus
from dfi_casos.imports.readers import FileRejected
from dfi_casos.imports.template import template_csv, template_xlsx
from dfi_casos.imports.validation import ImportRefused, validate_upload
from dfi_casos.imports.xlsform import shipped_form_path
from dfi_casos.registry import services as registry
from dfi_casos.scope import get_import_job_for
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, require_permission

bp = Blueprint("imports", __name__, url_prefix="/importar")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _state_name(code: str) -> str:
    state = state_by_code(code)
    return state.name if state else code


def _recent_jobs() -> list[ImportJob]:
    return list(db.session.scalars(select(ImportJob).where(ImportJob.created_by_id == current_user.id)
                                   .order_by(ImportJob.created_at.desc()).limit(10)))


@bp.route("/", methods=["GET", "POST"])
@require_permission(Permission.IMPORT_RECORDS)
@csrf.exempt  # the form checks its own token, after the upload limit below is in place
def index() -> Any:
    # Set before anything reads the body: a larger upload is refused unread, never spooled to disk.
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + 100_000
    try:
        form = UploadForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = UploadForm(formdata=None)
        form.file.errors = [_("El archivo pesa más de %(n)s MB; divídalo en partes.",
                              n=current_app.config["IMPORT_MAX_BYTES"] // 1_000_000)]
        return render_template("imports/index.html", form=form, jobs=_recent_jobs()), 413
    if submitted:
        upload = form.file.data
        try:
            job = validate_upload(db.session, current_user, upload.filename or "", upload.read(),
                                  registry.municipalities())
        except (FileRejected, ImportRefused) as exc:
            general = attach_error(form, exc)
            if general:  # a refusal of the upload as a whole reads beside the file field
                form.file.errors = [*form.file.errors, general]
        else:
            return redirect(url_for("imports.job", job_id=job.id))
    status = 400 if request.method == "POST" else 200
    return render_template("imports/index.html", form=form, jobs=_recent_jobs()), status


def _confirm_form(job: ImportJob) -> ConfirmForm:
    form = ConfirmForm()
    events = registry.visible_events(db.session, current_user)
    form.event_id.choices = select_choices(
        ((str(e.id), f"{day(e.started_on)} · {e.event_type.label} · {_state_name(e.origin_state_code)}")
         for e in events), blank=_("Crear los eventos que describe el archivo"))
    return form


@bp.get("/<job_id>")
@require_permission(Permission.IMPORT_RECORDS)
def job(job_id: str) -> Any:
    found = get_import_job_for(db.session, current_user, job_id)
    return _render_job(found, _confirm_form(found))


def _render_job(found: ImportJob, form: ConfirmForm, status: int = 200) -> Any:
    rows = report.report_rows(db.session, found, limit=200)
    audit.record_view(db.session, current_user, "import_job", found.id, fields=["issues"])
    counts = report.counts(db.session, found)
    return render_template("imports/job.html", job=found, rows=rows, form=form, counts=counts, JobStatus=JobStatus,
                           has_duplicates=counts.get(RowStatus.DUPLICATE, 0) > 0), status


@bp.post("/<job_id>/confirmar")
@require_permission(Permission.IMPORT_RECORDS)
def confirm(job_id: str) -> Any:
    found = get_import_job_for(db.session, current_user, job_id)
    form = _confirm_form(found)
    if form.validate_on_submit():
        try:
            jobs.confirm(db.session, current_user, found, Stage(form.stage.data),
                         uuid.UUID(form.event_id.data) if form.event_id.data else None,
                         form.include_duplicates.data, form.duplicate_reason.data)
        except ImportRefused as exc:
            general = attach_error(form, exc)
            if general:  # the confirmation's refusals read beside its last field, above the button
                form.duplicate_reason.errors = [*form.duplicate_reason.errors, general]
        else:
            jobs.start_confirmed(found.id)
            return redirect(url_for("imports.job", job_id=found.id))
    return _render_job(found, form, 400)


@bp.get("/<job_id>/estado")
@require_permission(Permission.IMPORT_RECORDS)
def status(job_id: str) -> Any:
    return jsonify(get_import_job_for(db.session, current_user, job_id).as_status())


@bp.get("/<job_id>/informe.csv")
@require_permission(Permission.IMPORT_RECORDS)
def report_csv(job_id: str) -> Any:
    return _download_report(job_id, "csv")


@bp.get("/<job_id>/informe.xlsx")
@require_permission(Permission.IMPORT_RECORDS)
def report_xlsx(job_id: str) -> Any:
    return _download_report(job_id, "xlsx")


def _download_report(job_id: str, kind: str) -> Any:
    found = get_import_job_for(db.session, current_user, job_id)
    rows = report.report_rows(db.session, found, limit=None, with_warnings=True)
    audit.record_export(db.session, current_user, "import_report", count=len(rows), file_format=kind,
                        fields=["issues"])
    data = report.as_csv(rows) if kind == "csv" else report.as_xlsx(rows)
    return send_file(io.BytesIO(data), mimetype="text/csv" if kind == "csv" else XLSX, as_attachment=True,
                     download_name=f"informe-importacion.{kind}")


@bp.get("/formulario.xlsx")
@require_permission(Permission.IMPORT_RECORDS)
def field_form() -> Any:
    return send_file(io.BytesIO(shipped_form_path().read_bytes()), mimetype=XLSX, as_attachment=True,
                     download_name="registro_dfi.xlsx")


@bp.get("/plantilla.csv")
@require_permission(Permission.IMPORT_RECORDS)
def template_as_csv() -> Any:
    return send_file(io.BytesIO(template_csv()), mimetype="text/csv", as_attachment=True,
                     download_name="plantilla-importacion.csv")


@bp.get("/plantilla.xlsx")
@require_permission(Permission.IMPORT_RECORDS)
def template_as_xlsx() -> Any:
    return send_file(io.BytesIO(template_xlsx(registry.municipalities())), mimetype=XLSX, as_attachment=True,
                     download_name="plantilla-importacion.xlsx")
