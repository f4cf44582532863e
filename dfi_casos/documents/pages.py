"""What document pages show: a record's attachments with their names decrypted, one audited view per list."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.documents.models import Attachment, AttachmentVersion
from dfi_casos.documents.services import Owner
from dfi_casos.security import audit
from dfi_casos.security.access import Principal


@dataclass
class AttachmentRow:
    """One document in a list: its current file, who uploaded it, and the deletion if any."""

    attachment: Attachment
    current: AttachmentVersion
    name: str
    uploaded_by: str
    delete_reason: str = ""


def attachments_of(session: Session, actor: Principal, owner: Owner, *,
                   with_deleted: bool = True) -> list[AttachmentRow]:
    """The documents of a record already loaded through scope (newest first); audits the names it decrypts."""
    stmt = (select(Attachment).where(Attachment.record_type == owner.record_type.value,
                                     Attachment.record_id == owner.record.id)
            .options(selectinload(Attachment.versions).selectinload(AttachmentVersion.created_by))
            .order_by(Attachment.created_at.desc()))
    if not with_deleted:
        stmt = stmt.where(Attachment.deleted_at.is_(None))
    rows = []
    for attachment in session.scalars(stmt):
        current = attachment.current
        rows.append(AttachmentRow(attachment, current, current.file_name or "documento", current.created_by.full_name,
                                  attachment.delete_reason or "" if attachment.deleted else ""))
    if rows:
        audit.record_view(session, actor, "attachment", None, fields=["file_name", "delete_reason"],
                          ids=[r.attachment.id for r in rows], state_code=owner.state_code, folio=owner.folio)
    return rows


def version_names(session: Session, actor: Principal, owner: Owner,
                  attachment: Attachment) -> list[tuple[AttachmentVersion, str]]:
    """Every version of one document with its file name (its history page); audited."""
    versions = sorted(attachment.versions, key=lambda v: v.number, reverse=True)
    audit.record_view(session, actor, "attachment", attachment.id, fields=["file_name", "delete_reason"],
                      state_code=owner.state_code, folio=owner.folio)
    return [(v, v.file_name or "documento") for v in versions]
