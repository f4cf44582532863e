"""Document tables: an attachment on a record and its versions (the file itself lives in the storage)."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dfi_casos.auth.models import User
from dfi_casos.database import Base, UTCDateTime, new_uuid, utcnow
from dfi_casos.security.fields import Encrypted


class RecordType(enum.StrEnum):
    """The records an attachment may belong to (their audit object types)."""

    PERSON = "person"
    HOUSEHOLD = "household"
    CASE = "case"
    CONSENT = "consent"
    REFERRAL = "referral"


class Attachment(Base):
    """A document attached to one record: its versions, the current one, and a soft delete with its reason."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_record", "record_type", "record_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    #: Which kind of record owns it (RecordType) and its id; scope.get_attachment_for joins on them.
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: The owning record's state, for the audit entries (access goes through the owner, never this column).
    state_code: Mapped[str] = mapped_column(String(2))
    #: Number of the version shown and downloaded (1 for the first upload).
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: Soft delete: the row and files stay (auditable) until the record is purged.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Why it was deleted: free text may name people, so it is encrypted.
    delete_reason = Encrypted()
    #: Set when a referral letter (oficio) generated it, so the referral shows it as the letter.
    generated_from: Mapped[str | None] = mapped_column(String(32))

    versions: Mapped[list[AttachmentVersion]] = relationship(
        back_populates="attachment", order_by="AttachmentVersion.number", cascade="all, delete-orphan")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    @property
    def current(self) -> AttachmentVersion:
        """The version shown and downloaded."""
        return next(v for v in self.versions if v.number == self.current_version)

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


class AttachmentVersion(Base):
    """One uploaded file of an attachment: what it is, its hash, and its data key wrapped by the key ring."""

    __tablename__ = "attachment_version"
    __table_args__ = (UniqueConstraint("attachment_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    attachment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attachment.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: The name shown and offered on download (cleaned; its extension follows the detected type). Names people.
    file_name = Encrypted()
    #: The type decided from the content (python-magic), never from the name or the browser.
    mime: Mapped[str] = mapped_column(String(80))
    #: Plaintext size in bytes (what counts against the limit and the quota), and its SHA-256 (hex).
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    #: The file's own AES-256-GCM key, wrapped by the key ring: `keys rotate` re-wraps it (table.column.id bound).
    data_key = Encrypted(bytes)
    #: Where the storage keeps the encrypted file: a random name, revealing nothing.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: Bytes stored (header and tags included).
    stored_size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: Images: what the upload did to it ("EXIF eliminado", "HEIC convertido a JPEG").
    note: Mapped[str | None] = mapped_column(String(120))

    attachment: Mapped[Attachment] = relationship(back_populates="versions")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])


class LetterTemplate(Base):
    """The referral letter (oficio) for one kind of institution; administrators edit it (/oficios/plantillas)."""

    __tablename__ = "letter_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: documents.letters.InstitutionKind: which institutions this letter goes to.
    institution_kind: Mapped[str] = mapped_column(String(40), unique=True)
    #: The one-line «Asunto».
    subject: Mapped[str] = mapped_column(String(200))
    #: The body with placeholders ({folio}, {persona}, {necesidad}, {plazo}, {firmante}, ...); no personal data.
    body: Mapped[str] = mapped_column(Text)
    #: «c.c.p.» lines, one per line.
    copies: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class LetterCounter(Base):
    """The last oficio number given per state and year; incremented under a row lock."""

    __tablename__ = "letter_counter"

    state_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
