"""Document pages: a record's documents with the upload form, one document's history, download, replace, delete."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from dfi_casos import scope
from dfi_casos.cases.models import Case
from dfi_casos.database import utcnow
from dfi_casos.documents import casefile, pages, services
from dfi_casos.documents.content import megabytes
from dfi_casos.documents.forms import DeleteForm, UploadForm
from dfi_casos.documents.models import Attachment, RecordType
from dfi_casos.errors import DomainError
from dfi_casos.extensions import csrf, db
from dfi_casos.formutil import attach_error
from dfi_casos.ratelimits import export_limits
from dfi_casos.security.access import Permission, has_permission, require_permission

bp = Blueprint("documents", __name__, url_prefix="/documentos")

#: URL word and argument name of each kind of record that holds documents, and its page title.
#: How the documents page names the way back to the record's own page.
BACK_LABELS = {RecordType.PERSON: _l("Volver a la persona"), RecordType.HOUSEHOLD: _l("Volver al hogar"),
               RecordType.CASE: _l("Volver al caso"), RecordType.CONSENT: _l("Volver a la persona"),
               RecordType.REFERRAL: _l("Volver al caso")}

RECORD_URLS: dict[RecordType, tuple[str, str, str]] = {
    RecordType.PERSON: ("personas", "person_id", _l("Documentos de la persona")),
    RecordType.HOUSEHOLD: ("hogares", "household_id", _l("Documentos del hogar")),
    RecordType.CASE: ("casos", "case_id", _l("Documentos del caso")),
    RecordType.CONSENT: ("consentimientos", "consent_id", _l("Documentos del consentimiento")),
    RecordType.REFERRAL: ("canalizaciones", "referral_id", _l("Documentos de la canalización")),
}


def record_url(record_type: RecordType | str, record_id: Any, **kwargs: Any) -> str:
    """The documents page of a record."""
    record_type = RecordType(record_type)
    _word, argument, _title = RECORD_URLS[record_type]
    return url_for(f"documents.{record_type.value}_documents", **{argument: record_id}, **kwargs)


def _back_url(owner: services.Owner) -> str:
    """The record's own page, where the user came from."""
    record = owner.record
    if owner.record_type is RecordType.PERSON:
        return url_for("registry.person", person_id=record.id)
    if owner.record_type is RecordType.HOUSEHOLD:
        return url_for("registry.household", household_id=record.id)
    if owner.record_type is RecordType.CASE:
        return url_for("cases.view_case", case_id=record.id, _anchor="documentos")
    if owner.record_type is RecordType.CONSENT:
        return url_for("registry.person", person_id=record.person_id)
    return url_for("cases.view_case", case_id=record.case_id, _anchor="canalizaciones")


def _limit_upload() -> None:
    # Set before anything reads the body: this route alone may receive a document's size (the app's
    # MAX_CONTENT_LENGTH stays small); a larger body is refused unread, never spooled to disk.
    request.max_content_length = int(current_app.config["DOCUMENT_MAX_BYTES"]) + 256 * 1024


def _too_large_message() -> str:
    return _("El archivo pesa más de %(size)s, el máximo permitido. Redúzcalo (p. ej., escanee en menor "
             "resolución) o divídalo.", size=megabytes(int(current_app.config["DOCUMENT_MAX_BYTES"])))


def _upload_form(prefix: str = "") -> tuple[UploadForm, bool, int | None]:
    """The upload form read under the document limit: (form, submitted and valid, error status if any).

    The limit is set before the form reads the body (constructing it does): later would be too late.
    """
    _limit_upload()
    try:
        form = UploadForm(prefix=prefix)
        return form, form.validate_on_submit(), None
    except RequestEntityTooLarge:
        form = UploadForm(formdata=None, prefix=prefix)
        form.file.errors = [_too_large_message()]
        return form, False, 413


def _record_page(record_type: RecordType, record_id: uuid.UUID) -> Any:
    owner = services.owner_for(db.session, current_user, record_type, record_id)
    can_edit = has_permission(current_user, Permission.EDIT_RECORDS)
    form = UploadForm(formdata=None)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise scope.NotVisible("attachment", None, f"missing:{Permission.EDIT_RECORDS.value}")
        form, valid, error_status = _upload_form()
        if valid:
            upload = form.file.data
            try:
                services.attach(db.session, current_user, owner, upload.filename or "", upload.read())
            except DomainError as exc:
                db.discard_refused_work()
                if (message := attach_error(form, exc)) is not None:
                    form.file.errors = [*form.file.errors, message]
            else:
                flash(_("Documento guardado (cifrado)."), "success")
                return redirect(record_url(record_type, record_id))
        status = error_status or 400
    rows = pages.attachments_of(db.session, current_user, owner)
    title = RECORD_URLS[record_type][2]
    return render_template("documents/record.html", owner=owner, rows=rows, form=form, can_edit=can_edit,
                           title=title, back_url=_back_url(owner), back_label=BACK_LABELS[record_type],
                           action=record_url(record_type, record_id),
                           max_bytes=int(current_app.config["DOCUMENT_MAX_BYTES"])), status


def _make_record_view(record_type: RecordType) -> Callable[..., Any]:
    _word, argument, _title = RECORD_URLS[record_type]

    def view(**kwargs: Any) -> Any:
        return _record_page(record_type, kwargs[argument])

    view.__name__ = f"{record_type.value}_documents"
    return view


for _type, (_word, _argument, _title) in RECORD_URLS.items():
    # One page per kind of record: the route walker fills each argument with a record of another state.
    # Exempt from the global CSRF check only to set the upload limit first; the form checks its own token.
    bp.add_url_rule(f"/{_word}/<uuid:{_argument}>", view_func=require_permission(Permission.VIEW_CASES)(
        csrf.exempt(_make_record_view(_type))), methods=["GET", "POST"])


# --- one document ------------------------------------------------------------------------------------

def _load(attachment_id: uuid.UUID) -> tuple[Attachment, services.Owner]:
    attachment = scope.get_attachment_for(db.session, current_user, attachment_id)
    owner = services.owner_for(db.session, current_user, RecordType(attachment.record_type), attachment.record_id)
    return attachment, owner


@bp.route("/archivo/<uuid:attachment_id>", methods=["GET", "POST"])
@require_permission(Permission.VIEW_CASES)
@csrf.exempt  # the replace form checks its own token, after the upload limit is in place
def attachment(attachment_id: uuid.UUID) -> Any:
    record, owner = _load(attachment_id)
    can_edit = has_permission(current_user, Permission.EDIT_RECORDS) and not record.deleted
    form = UploadForm(formdata=None, prefix="reemplazo")
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise scope.NotVisible("attachment", attachment_id, f"missing:{Permission.EDIT_RECORDS.value}")
        form, valid, error_status = _upload_form("reemplazo")
        if valid:
            upload = form.file.data
            try:
                services.replace(db.session, current_user, record, upload.filename or "", upload.read())
            except DomainError as exc:
                db.discard_refused_work()
                if (message := attach_error(form, exc)) is not None:
                    form.file.errors = [*form.file.errors, message]
            else:
                flash(_("Nueva versión guardada; las anteriores quedan en el historial."), "success")
                return redirect(url_for("documents.attachment", attachment_id=attachment_id))
        status = error_status or 400
        record, owner = _load(attachment_id)
    versions = pages.version_names(db.session, current_user, owner, record)
    return render_template("documents/attachment.html", attachment=record, owner=owner, versions=versions,
                           form=form, can_edit=can_edit, back_url=record_url(owner.record_type, owner.record.id),
                           delete_reason=record.delete_reason if record.deleted else "",
                           max_bytes=int(current_app.config["DOCUMENT_MAX_BYTES"])), status


@bp.route("/archivo/<uuid:attachment_id>/descargar")
@require_permission(Permission.VIEW_CASES)
@export_limits
def download(attachment_id: uuid.UUID) -> Any:
    record, _owner = _load(attachment_id)
    raw_version = request.args.get("version", "")
    number = int(raw_version) if raw_version.isdigit() and len(raw_version) < 6 else None
    try:
        found = services.download(db.session, current_user, record, number)
    except DomainError as exc:
        db.discard_refused_work()
        flash(exc.message, "error")
        return redirect(url_for("documents.attachment", attachment_id=attachment_id))
    response = Response(found.chunks, mimetype=found.mime, direct_passthrough=True)
    response.content_length = found.size
    ascii_name = found.name.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.name)}")
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Pragma"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/archivo/<uuid:attachment_id>/eliminar", methods=["GET", "POST"])
@require_permission(Permission.EDIT_RECORDS)
def delete(attachment_id: uuid.UUID) -> Any:
    record, owner = _load(attachment_id)
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            services.delete(db.session, current_user, record, form.reason.data or "")
        except DomainError as exc:
            db.discard_refused_work()
            if (message := attach_error(form, exc)) is not None:
                flash(message, "error")
        else:
            flash(_("Documento eliminado. El motivo queda en el historial."), "success")
            return redirect(record_url(owner.record_type, owner.record.id))
    status = 400 if request.method == "POST" else 200
    name = pages.version_names(db.session, current_user, owner, record)[0][1]
    return render_template("documents/delete.html", attachment=record, owner=owner, form=form, name=name,
                           back_url=url_for("documents.attachment", attachment_id=attachment_id)), status


# --- the printable case file ---------------------------------------------------------------------------

def _no_store(response: Response, file_name: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/casos/<uuid:case_id>/expediente.pdf")
@require_permission(Permission.PRINT_CASE_FILE)
@export_limits
def case_file(case_id: uuid.UUID) -> Any:
    case: Case = scope.get_case_for(db.session, current_user, case_id)
    with force_locale("es_MX"):  # an official document: Spanish whatever the language of the user's screens
        built = casefile.build(db.session, current_user, case,
                               idle_days=int(current_app.config["CASE_IDLE_DAYS"]), printed_at=utcnow())
        content = casefile.to_pdf(db.session, current_user, built)
    return _no_store(Response(content, mimetype="application/pdf"), f"expediente-{case.folio}.pdf")
