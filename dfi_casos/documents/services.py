"""Attachments: upload, replace, download, delete and purge; each checked, encrypted, stored and audited.

Services take the session and the acting user, load records only through `scope`, write the audit
entry and flush; the request commits once. The file is written to the storage (atomically) before
its row is flushed: a refused or failed upload leaves neither.
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from dfi_casos import scope
from dfi_casos.database import new_uuid, utcnow
from dfi_casos.documents.content import Checked, DocumentError, check_upload, megabytes
from dfi_casos.documents.models import Attachment, AttachmentVersion, RecordType
from dfi_casos.documents.storage import Storage, StorageError, StorageFull, storage_for
from dfi_casos.errors import NotVisible
from dfi_casos.security import audit, envelope
from dfi_casos.security.access import Permission, Principal, has_permission
from dfi_casos.security.audit import Action

log = logging.getLogger(__name__)

__all__ = ["DocumentError", "Owner", "Limits", "Download", "owner_for", "owner_of", "attach", "replace", "delete",
           "download", "purge_for", "current_storage", "limits", "binding_of"]


@dataclass(frozen=True)
class Owner:
    """The record attachments hang from, loaded through scope, with what the audit entries need."""

    record_type: RecordType
    record: Any
    state_code: str
    folio: str | None = None


@dataclass(frozen=True)
class Limits:
    """Size limits for one upload (DOCUMENT_MAX_BYTES) and for all of one record's files (DOCUMENT_RECORD_QUOTA)."""

    max_bytes: int
    record_quota: int
    max_pixels: int


@dataclass
class Download:
    """A file ready to send: its name, type, plaintext size, and the decrypted chunks (authenticated one by one)."""

    name: str
    mime: str
    size: int
    chunks: Iterator[bytes]


def limits() -> Limits:
    """The application's document limits."""
    config = current_app.config
    return Limits(int(config["DOCUMENT_MAX_BYTES"]), int(config["DOCUMENT_RECORD_QUOTA"]),
                  int(config["DOCUMENT_MAX_PIXELS"]))


def current_storage() -> Storage:
    """The application's file storage (built once per app from DFI_STORAGE_BACKEND)."""
    store: Storage | None = current_app.extensions.get("dfi_storage")
    if store is None:
        store = current_app.extensions["dfi_storage"] = storage_for(current_app.config, current_app.instance_path)
    return store


# --- owners --------------------------------------------------------------------------------------

def owner_for(session: Session, actor: Principal, record_type: RecordType, record_id: Any) -> Owner:
    """The record `record_type`/`record_id` if `actor` may see it (scope's loader), as an Owner; else NotVisible."""
    if record_type is RecordType.PERSON:
        return owner_of(record_type, scope.get_person_for(session, actor, record_id))
    if record_type is RecordType.HOUSEHOLD:
        return owner_of(record_type, scope.get_household_for(session, actor, record_id))
    if record_type is RecordType.CASE:
        return owner_of(record_type, scope.get_case_for(session, actor, record_id))
    if record_type is RecordType.CONSENT:
        return owner_of(record_type, scope.get_consent_for(session, actor, record_id))
    referral = scope.get_referral_for(session, actor, record_id)
    return owner_of(record_type, referral, case=scope.get_case_for(session, actor, referral.case_id))


def owner_of(record_type: RecordType, record: Any, case: Any = None) -> Owner:
    """An Owner for a record already loaded through scope (a referral's case gives its state and folio)."""
    if case is not None:
        return Owner(record_type, record, case.state_code, case.folio)
    return Owner(record_type, record, record.state_code, getattr(record, "folio", None))


def _owner_of_attachment(session: Session, actor: Principal, attachment: Attachment) -> Owner:
    return owner_for(session, actor, RecordType(attachment.record_type), attachment.record_id)


def binding_of(attachment: Attachment, version: AttachmentVersion) -> envelope.FileBinding:
    """What the stored file of `version` is bound to (its record, attachment and version number)."""
    return envelope.FileBinding(attachment.record_type, str(attachment.record_id), str(attachment.id),
                                version.number)


# --- upload and replace ----------------------------------------------------------------------------

def _require_edit(actor: Principal) -> None:
    if not has_permission(actor, Permission.EDIT_RECORDS):
        raise NotVisible("attachment", None, f"missing:{Permission.EDIT_RECORDS.value}")


def _used_bytes(session: Session, owner: Owner) -> int:
    stmt = (select(func.coalesce(func.sum(AttachmentVersion.size), 0))
            .join(Attachment, Attachment.id == AttachmentVersion.attachment_id)
            .where(Attachment.record_type == owner.record_type.value, Attachment.record_id == owner.record.id,
                   Attachment.deleted_at.is_(None)))
    return int(session.scalar(stmt) or 0)


def _check(session: Session, owner: Owner, raw_name: str, data: bytes, lim: Limits) -> Checked:
    checked = check_upload(raw_name, data, max_bytes=lim.max_bytes, max_pixels=lim.max_pixels)
    used = _used_bytes(session, owner)
    if used + len(checked.data) > lim.record_quota:
        raise DocumentError(_("Este registro ya tiene %(used)s en documentos; con este archivo pasaría el límite "
                              "de %(quota)s. Elimine versiones o documentos que sobren.", used=megabytes(used),
                              quota=megabytes(lim.record_quota)), field="file")
    return checked


def _chunks(data: bytes, size: int = envelope.DEFAULT_CHUNK_SIZE) -> Iterator[memoryview]:
    # Views, not copies: the upload is already in memory once, it is not copied chunk by chunk.
    view = memoryview(data)
    for start in range(0, len(data), size):
        yield view[start:start + size]


#: session.info key: files stored by the session's transaction, removed again if it rolls back.
_UNCOMMITTED_FILES = "dfi_uncommitted_files"


@event.listens_for(Session, "after_commit")
def _files_committed(session: Session) -> None:
    session.info.pop(_UNCOMMITTED_FILES, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_files_of_rolled_back_work(session: Session, previous_transaction: Any) -> None:
    """A file whose row was rolled back (a refusal, a conflict, a failed commit) would be an orphan: remove it."""
    if previous_transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    for store, key in session.info.pop(_UNCOMMITTED_FILES, []):
        try:
            store.delete(key)
        except StorageError:  # left for `files verify`, which reports orphans
            log.warning("could not remove the file of rolled-back work (key %s)", key)


def _store(session: Session, actor: Principal, attachment: Attachment, number: int, checked: Checked,
           store: Storage) -> AttachmentVersion:
    version = AttachmentVersion(id=new_uuid(), attachment_id=attachment.id, number=number, mime=checked.mime,
                                size=len(checked.data), sha256=hashlib.sha256(checked.data).hexdigest(),
                                storage_key=uuid.uuid4().hex, created_by_id=actor.id, note=checked.note)
    data_key = envelope.new_data_key()
    sealed = envelope.encrypt_chunks(data_key, binding_of(attachment, version), _chunks(checked.data))
    try:
        version.stored_size = store.put(version.storage_key, sealed)
    except StorageFull:
        raise DocumentError(_("No queda espacio para guardar archivos: el documento no se guardó (nada quedó a "
                              "medias). Avise a la administración del sistema."), field="file") from None
    except StorageError:
        raise DocumentError(_("No se pudo guardar el archivo en el almacenamiento: no se guardó nada. "
                              "Inténtelo de nuevo en unos minutos."), field="file") from None
    session.info.setdefault(_UNCOMMITTED_FILES, []).append((store, version.storage_key))
    version.data_key = data_key
    version.file_name = checked.name
    attachment.versions.append(version)
    return version


def attach(session: Session, actor: Principal, owner: Owner, raw_name: str, data: bytes, *,
           lim: Limits | None = None, store: Storage | None = None, generated_from: str | None = None) -> Attachment:
    """Check, encrypt and store a new document on `owner`'s record; audited as a creation."""
    _require_edit(actor)
    lim = lim or limits()
    checked = _check(session, owner, raw_name, data, lim)
    attachment = Attachment(id=new_uuid(), record_type=owner.record_type.value, record_id=owner.record.id,
                            state_code=owner.state_code, current_version=1, created_by_id=actor.id,
                            generated_from=generated_from)
    _store(session, actor, attachment, 1, checked, store or current_storage())
    session.add(attachment)  # only once its file is stored: a failed write leaves no row either
    session.flush()
    audit.record_change(session, actor, Action.CREATE, "attachment", attachment.id, fields=["file", "file_name"],
                        state_code=owner.state_code, folio=owner.folio, record_type=owner.record_type.value,
                        record_id=str(owner.record.id), mime=checked.mime, size=len(checked.data))
    return attachment


def replace(session: Session, actor: Principal, attachment: Attachment, raw_name: str, data: bytes, *,
            lim: Limits | None = None, store: Storage | None = None) -> AttachmentVersion:
    """Store a new version of a document; the previous ones stay in its history. Audited as an update."""
    _require_edit(actor)
    if attachment.deleted:
        raise DocumentError(_("El documento fue eliminado; no se puede reemplazar."))
    owner = _owner_of_attachment(session, actor, attachment)
    checked = _check(session, owner, raw_name, data, lim or limits())
    number = max(v.number for v in attachment.versions) + 1
    version = _store(session, actor, attachment, number, checked, store or current_storage())
    attachment.current_version = number
    session.flush()
    audit.record_change(session, actor, Action.UPDATE, "attachment", attachment.id, fields=["file", "file_name"],
                        state_code=owner.state_code, folio=owner.folio, version=number, mime=checked.mime,
                        size=len(checked.data))
    return version


# --- delete ------------------------------------------------------------------------------------------

def delete(session: Session, actor: Principal, attachment: Attachment, reason: str) -> None:
    """Soft-delete a document with a reason: hidden from lists and downloads, files kept, audited."""
    _require_edit(actor)
    if attachment.deleted:
        raise DocumentError(_("El documento ya estaba eliminado."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DocumentError(_("Escriba el motivo de la eliminación (al menos 5 caracteres)."), field="reason")
    owner = _owner_of_attachment(session, actor, attachment)
    attachment.deleted_at = utcnow()
    attachment.deleted_by_id = actor.id
    attachment.delete_reason = reason[:500]
    session.flush()
    audit.record_change(session, actor, Action.ATTACHMENT_DELETE, "attachment", attachment.id,
                        fields=["deleted_at", "delete_reason"], state_code=owner.state_code, folio=owner.folio)


def purge_for(session: Session, record_type: str, record_id: Any, *, store: Storage | None = None) -> int:
    """Remove every attachment of one record: stored files, versions and rows (ARCO deletion, retention).

    The caller has checked the right to delete and writes the audit entry; returns how many files went.
    Files are removed after the rows are flushed: a failure leaves orphans `files verify` reports, never a
    row pointing at nothing.
    """
    store = store or current_storage()
    attachments = list(session.scalars(select(Attachment).where(Attachment.record_type == str(record_type),
                                                                Attachment.record_id == record_id)))
    keys = [v.storage_key for a in attachments for v in a.versions]
    for attachment in attachments:
        session.delete(attachment)
    session.flush()
    for key in keys:
        store.delete(key)
    return len(keys)


# --- download ----------------------------------------------------------------------------------------

def download(session: Session, actor: Principal, attachment: Attachment, number: int | None = None,
             store: Storage | None = None) -> Download:
    """A document's file (the current version, or `number`) decrypted as it streams; audited as an export."""
    if attachment.deleted:
        raise NotVisible("attachment", attachment.id, "deleted")
    owner = _owner_of_attachment(session, actor, attachment)
    wanted = attachment.current_version if number is None else number
    version = next((v for v in attachment.versions if v.number == wanted), None)
    if version is None:
        raise NotVisible("attachment_version", f"{attachment.id}:{wanted}", "absent")
    data_key = version.data_key
    if data_key is None:
        raise DocumentError(_("El documento no tiene clave de datos; avise a la administración."))
    try:
        stream = (store or current_storage()).open(version.storage_key)
    except (FileNotFoundError, StorageError):
        raise DocumentError(_("El archivo no está en el almacenamiento; avise a la administración del "
                              "sistema (`dfi-casos files verify`).")) from None
    audit.record_export(session, actor, "attachment", count=1, record_ids=[attachment.id], file_format=version.mime,
                        fields=["file"], state_code=owner.state_code, version=version.number,
                        record_type=attachment.record_type)
    return Download(version.file_name or "documento", version.mime, version.size,
                    _closing(envelope.decrypt_stream(data_key, binding_of(attachment, version), stream), stream))


def _closing(chunks: Iterator[bytes], stream: Any) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        stream.close()
