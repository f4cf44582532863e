"""Attachments through the web and the services: upload, download, replace, delete, and every bad input refused."""
from __future__ import annotations

import errno
import io
import json
import os
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from dfi_casos.documents import services as documents
from dfi_casos.documents.content import DocumentError
from dfi_casos.documents.models import Attachment, AttachmentVersion, RecordType
from dfi_casos.documents.storage import DirectoryStorage, StorageError
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token
from tests.factories import SMALL_PDF

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200


def storage_files(app) -> set[str]:
    """Every file under the files directory, temporary ones included."""
    root = Path(app.config.get("FILES_DIR") or Path(app.instance_path) / "files")
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Telefono de prueba"  # Make
    exif[0x8825] = {1: "N", 2: (17.0, 33.0, 0.0), 3: "W", 4: (99.0, 30.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bomb(width: int = 60000, height: int = 60000) -> bytes:
    """A tiny PNG whose header declares a picture of billions of pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1024, 9))
            + chunk(b"IEND", b""))


def upload(client, url: str, name: str, data: bytes, prefix: str = ""):
    field = f"{prefix}-file" if prefix else "file"
    token_field = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={token_field: csrf_token(client, url), field: (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def own_case(db, login_as):
    user = login_as("caseworker", ["12"])
    return user, factories.make_case(db, owner=user, state="12")


# --- through the web --------------------------------------------------------------------------------

def test_caseworker_uploads_a_pdf_to_their_case_and_downloads_it_unchanged(app, client, db, own_case):
    user, case = own_case
    url = f"/documentos/casos/{case.id}"
    response = upload(client, url, "Acta de nacimiento.pdf", SMALL_PDF)
    assert response.status_code == 302, response.get_data(as_text=True)
    attachment = db.scalars(select(Attachment).where(Attachment.record_id == case.id)).one()
    page = client.get(f"/casos/{case.id}").get_data(as_text=True)
    assert "Acta de nacimiento.pdf" in page and f"/documentos/archivo/{attachment.id}/descargar" in page
    answer = client.get(f"/documentos/archivo/{attachment.id}/descargar")
    assert answer.status_code == 200 and answer.data == SMALL_PDF
    assert answer.headers["Cache-Control"].startswith("no-store")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.mimetype == "application/pdf"
    export = db.scalars(select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.actor_id == user.id)
                        .order_by(AuditEvent.seq.desc())).first()
    assert export is not None and str(attachment.id) in export.details


def test_the_stored_file_is_ciphertext_and_the_database_holds_no_content(app, db, own_case):
    user, case = own_case
    secret = SMALL_PDF.replace(b"Catalog", b"Confidencialisimo")
    attachment = factories.make_attachment(db, case, "case", user, data=secret)
    version = attachment.current
    with documents.current_storage().open(version.storage_key) as handle:
        stored = handle.read()
    assert b"Confidencialisimo" not in stored and b"%PDF" not in stored
    assert version.size == len(secret) and len(version.sha256) == 64
    assert version.data_key_enc is not None and len(version.data_key_enc) > 32  # wrapped by the key ring


def test_a_document_of_another_state_is_an_audited_404(app, client, db, login_as):
    foreign_owner = factories.make_user(db, "caseworker", ["07"])
    foreign_case = factories.make_case(db, owner=foreign_owner, state="07")
    attachment = factories.make_attachment(db, foreign_case, "case", foreign_owner)
    user = login_as("supervisor", ["12"])
    for url in (f"/documentos/archivo/{attachment.id}/descargar", f"/documentos/archivo/{attachment.id}",
                f"/documentos/casos/{foreign_case.id}"):
        assert client.get(url).status_code == 404
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied",
                                                 AuditEvent.actor_id == user.id)).all()
    assert any(e.object_type == "attachment" and e.object_id == str(attachment.id) for e in denied)
    assert not db.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                   AuditEvent.actor_id == user.id)).all()


def test_over_the_limit_is_refused_unread_with_a_spanish_413(app, client, db, own_case, monkeypatch):
    _user, case = own_case
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 2048)
    before = storage_files(app)
    response = upload(client, f"/documentos/casos/{case.id}", "grande.pdf", SMALL_PDF + b"0" * 300_000)
    assert response.status_code == 413
    assert "pesa más de" in response.get_data(as_text=True)
    assert storage_files(app) == before


def test_a_refused_upload_shows_why_beside_the_file_field(app, client, db, own_case):
    _user, case = own_case
    response = upload(client, f"/documentos/casos/{case.id}", "acta.pdf", ELF)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Tipo de archivo no permitido" in text
    assert db.scalar(select(func.count()).select_from(Attachment).where(Attachment.record_id == case.id)) == 0


def test_replace_keeps_the_history_and_delete_needs_a_reason(app, client, db, own_case):
    user, case = own_case
    attachment = factories.make_attachment(db, case, "case", user, name="primera.pdf")
    url = f"/documentos/archivo/{attachment.id}"
    second = SMALL_PDF.replace(b"Catalog", b"Catalog2")
    assert upload(client, url, "segunda.pdf", second, prefix="reemplazo").status_code == 302
    db.expire_all()
    assert client.get(f"{url}/descargar").data == second
    assert client.get(f"{url}/descargar?version=1").data == SMALL_PDF
    page = client.get(url).get_data(as_text=True)
    assert "primera.pdf" in page and "segunda.pdf" in page
    empty = client.post(f"{url}/eliminar", data={"csrf_token": csrf_token(client, f"{url}/eliminar"), "reason": ""})
    assert empty.status_code == 400
    done = client.post(f"{url}/eliminar", data={"csrf_token": csrf_token(client, f"{url}/eliminar"),
                                                "reason": "Se subió al caso equivocado"})
    assert done.status_code == 302
    assert client.get(f"{url}/descargar").status_code == 404
    assert "segunda.pdf" not in client.get(f"/casos/{case.id}").get_data(as_text=True)
    assert "Se subió al caso equivocado" in client.get(f"/documentos/casos/{case.id}").get_data(as_text=True)
    entry = db.scalars(select(AuditEvent).where(AuditEvent.action == "attachment_delete")
                       .order_by(AuditEvent.seq.desc())).first()
    assert entry is not None and "equivocado" not in entry.details


@pytest.mark.parametrize("record_type", ["person", "household", "consent", "referral"])
def test_documents_pages_of_the_other_records(app, client, db, login_as, record_type):
    user = login_as("caseworker", ["12"])
    case = factories.make_case(db, owner=user, state="12")
    household = factories.make_case_household(db, user, "12") if record_type == "household" else None
    from dfi_casos.registry.models import Household

    household = household or db.get(Household, case.household_id)
    head = factories.household_head(household)
    institution = factories.make_institution(db)
    if record_type == "person":
        record, url = head, f"/documentos/personas/{head.id}"
    elif record_type == "household":
        record, url = household, f"/documentos/hogares/{household.id}"
    elif record_type == "consent":
        record = factories.make_sharing_consent(db, head, institution, user)
        url = f"/documentos/consentimientos/{record.id}"
    else:
        factories.make_sharing_consent(db, head, institution, user)
        from datetime import timedelta

        from dfi_casos.cases import services as cases
        from dfi_casos.catalogs.enums import AssistanceType
        from dfi_casos.database import local_today

        record = cases.add_referral(db, user, case, institution_id=institution.id, need=AssistanceType.HOUSING,
                                    due_on=local_today() + timedelta(days=3), notes="")
        url = f"/documentos/canalizaciones/{record.id}"
    assert client.get(url).status_code == 200
    assert upload(client, url, "foto.jpg", jpeg_with_gps()).status_code == 302
    found = db.scalars(select(Attachment).where(Attachment.record_id == record.id)).one()
    assert found.record_type == record_type


@pytest.mark.parametrize("role", ["auditor", "administrator"])
def test_auditors_and_administrators_reach_no_document(app, client, db, login_as, role):
    owner = factories.make_user(db, "caseworker", ["12"])
    case = factories.make_case(db, owner=owner, state="12")
    attachment = factories.make_attachment(db, case, "case", owner)
    login_as(role, None)
    assert client.get(f"/documentos/archivo/{attachment.id}/descargar").status_code == 404
    assert client.get(f"/documentos/casos/{case.id}").status_code == 404


# --- bad input and faults (services) -----------------------------------------------------------------

LIMITS = documents.Limits(max_bytes=64 * 1024, record_quota=10 * 1024 * 1024, max_pixels=40_000_000)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("acta.pdf", ELF, "Tipo de archivo no permitido"),
    ("vacío.pdf", b"", "vacío"),
    ("grande.pdf", SMALL_PDF + b"0" * (70 * 1024), "el máximo es"),
    ("foto.png", png_bomb(), "demasiado grande"),
    ("foto.png", png_bomb(7_000, 7_000), "megapíxeles"),
    ("../../etc/passwd.pdf", SMALL_PDF, "rutas"),
    ("a" * 296 + ".pdf", SMALL_PDF, "demasiado largo"),
    ("cortado.pdf", SMALL_PDF[:-8], "incompleto"),
    ("página.html", b"<html><script>alert(1)</script></html>", "Tipo de archivo no permitido"),
])
def test_bad_input_is_refused_with_a_clear_message_and_leaves_nothing(app, db, own_case, name, data, message):
    user, case = own_case
    before_files = storage_files(app)
    before_rows = db.scalar(select(func.count()).select_from(AttachmentVersion))
    with pytest.raises(DocumentError, match=message):
        documents.attach(db, user, documents.owner_of(RecordType.CASE, case), name, data, lim=LIMITS)
    assert storage_files(app) == before_files
    assert db.scalar(select(func.count()).select_from(AttachmentVersion)) == before_rows


def test_images_lose_their_exif_and_gps(app, db, own_case):
    user, case = own_case
    attachment = factories.make_attachment(db, case, "case", user, name="foto.jpeg", data=jpeg_with_gps())
    found = documents.download(db, user, attachment)
    data = b"".join(found.chunks)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and not image.getexif()
    assert b"Telefono de prueba" not in data
    assert found.name == "foto.jpg" and attachment.current.note == "EXIF eliminado"


def test_a_png_named_pdf_is_kept_as_png(app, db, own_case):
    user, case = own_case
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="PNG")
    attachment = factories.make_attachment(db, case, "case", user, name="acta.pdf", data=out.getvalue())
    assert attachment.current.mime == "image/png" and attachment.current.file_name == "acta.png"


def test_heic_photos_become_jpeg(app, db, own_case):
    pillow_heif = pytest.importorskip("pillow_heif")
    user, case = own_case
    out = io.BytesIO()
    try:
        pillow_heif.from_pillow(Image.new("RGB", (32, 32), (0, 90, 200))).save(out, quality=80)
    except Exception:  # noqa: BLE001 - a wheel without an encoder cannot make the sample
        pytest.skip("pillow-heif sin codificador HEIC en esta plataforma")
    attachment = factories.make_attachment(db, case, "case", user, name="IMG_0001.HEIC", data=out.getvalue())
    assert attachment.current.mime == "image/jpeg" and attachment.current.file_name == "IMG_0001.jpg"


def test_the_record_quota_counts_every_kept_version(app, db, own_case):
    user, case = own_case
    small = documents.Limits(max_bytes=64 * 1024, record_quota=len(SMALL_PDF) * 2, max_pixels=1_000_000)
    owner = documents.owner_of(RecordType.CASE, case)
    documents.attach(db, user, owner, "uno.pdf", SMALL_PDF, lim=small)
    documents.attach(db, user, owner, "dos.pdf", SMALL_PDF, lim=small)
    with pytest.raises(DocumentError, match="pasaría el límite"):
        documents.attach(db, user, owner, "tres.pdf", SMALL_PDF, lim=small)


def test_disk_full_refuses_the_upload_and_leaves_no_partial_file(app, db, own_case, tmp_path, monkeypatch):
    user, case = own_case
    store = DirectoryStorage(tmp_path / "files")

    def no_space(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(DocumentError, match="No queda espacio"):
        documents.attach(db, user, documents.owner_of(RecordType.CASE, case), "acta.pdf", SMALL_PDF, store=store)
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []
    assert db.scalar(select(func.count()).select_from(Attachment).where(Attachment.record_id == case.id)) == 0


def test_an_upload_interrupted_half_way_leaves_no_partial_file(tmp_path):
    store = DirectoryStorage(tmp_path)

    def chunks():
        yield b"x" * 70_000
        raise ConnectionResetError("the client went away")

    with pytest.raises(StorageError):
        store.put("0" * 32, chunks())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_purge_for_removes_files_versions_and_rows(app, db, own_case):
    user, case = own_case
    attachment = factories.make_attachment(db, case, "case", user)
    documents.replace(db, user, attachment, "otra.pdf", SMALL_PDF)
    keys = [v.storage_key for v in attachment.versions]
    store = documents.current_storage()
    assert all(store.exists(k) for k in keys)
    assert documents.purge_for(db, "case", case.id) == 2
    assert not any(store.exists(k) for k in keys)
    assert db.scalar(select(func.count()).select_from(Attachment).where(Attachment.record_id == case.id)) == 0


def test_audit_entries_name_fields_never_file_names(app, db, own_case):
    user, case = own_case
    factories.make_attachment(db, case, "case", user, name="Acta de Juana Reservada.pdf")
    entries = db.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id)).all()
    assert entries and all("Reservada" not in e.details for e in entries)
    created = [json.loads(e.details) for e in entries if e.action == "create" and e.object_type == "attachment"]
    assert created and created[-1]["record_type"] == "case"
