"""Checking the files store against the database: every file decrypts and matches its hash; no orphans either way."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.documents.models import AttachmentVersion
from dfi_casos.documents.services import binding_of
from dfi_casos.documents.storage import Storage, StorageError
from dfi_casos.security.crypto import DecryptionError
from dfi_casos.security.envelope import EnvelopeError, decrypt_stream


@dataclass
class VerifyResult:
    """What `files verify` found; problems name version ids and storage keys, never file names or content."""

    checked: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.corrupt or self.orphans)


def count_versions(session: Session) -> int:
    """How many stored versions there are (the progress bar's length)."""
    return int(session.scalar(select(func.count()).select_from(AttachmentVersion)) or 0)


def _check_one(version: AttachmentVersion, store: Storage, result: VerifyResult) -> None:
    try:
        stream = store.open(version.storage_key)
    except (FileNotFoundError, StorageError):
        result.missing.append(f"versión {version.id} (archivo {version.storage_key})")
        return
    digest, size = hashlib.sha256(), 0
    try:
        key = version.data_key
        if key is None:
            raise EnvelopeError("sin clave de datos")
        for chunk in decrypt_stream(key, binding_of(version.attachment, version), stream):
            digest.update(chunk)
            size += len(chunk)
    except (EnvelopeError, DecryptionError) as exc:
        result.corrupt.append(f"versión {version.id} (archivo {version.storage_key}): {exc}")
        return
    finally:
        stream.close()
    if digest.hexdigest() != version.sha256 or size != version.size:
        result.corrupt.append(f"versión {version.id} (archivo {version.storage_key}): el hash o el tamaño no coincide")


def verify_files(session: Session, store: Storage, batch_size: int = 200,
                 progress: Callable[[int], None] | None = None) -> VerifyResult:
    """Decrypt every stored version and compare its SHA-256; list rows without files and files without rows."""
    result = VerifyResult()
    known: set[str] = set()
    last = None
    while True:
        stmt = select(AttachmentVersion).options(selectinload(AttachmentVersion.attachment))
        if last is not None:
            stmt = stmt.where(AttachmentVersion.id > last)
        batch = list(session.scalars(stmt.order_by(AttachmentVersion.id).limit(batch_size)))
        if not batch:
            break
        for version in batch:
            known.add(version.storage_key)
            _check_one(version, store, result)
            result.checked += 1
        last = batch[-1].id
        session.expunge_all()  # decrypted data keys do not pile up in memory
        if progress is not None:
            progress(len(batch))
    result.orphans = sorted(f"archivo {key} sin fila en la base" for key in set(store.keys()) - known)
    return result
