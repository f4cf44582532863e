"""`keys rotate` re-wraps file data keys (never the files), and `files verify` finds what is wrong in the store."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from dfi_casos.documents import services as documents
from dfi_casos.documents.models import AttachmentVersion, RecordType
from dfi_casos.extensions import db
from dfi_casos.security import crypto
from dfi_casos.security.crypto import stored_key_id
from tests import factories
from tests.conftest import build_app
from tests.factories import SMALL_PDF


@pytest.fixture
def committed(request, tmp_path: Path):
    """An app on its own SQLite file and key file, with one case holding two documents, committed."""
    keyfile = tmp_path / "keys.json"
    crypto.generate_keyfile(keyfile, development=False)
    app = build_app("sqlite", request, tmp_path, keyfile)
    with app.app_context():
        owner = factories.make_user(db.session, "caseworker", ["12"])
        case = factories.make_case(db.session, owner=owner, state="12")
        owner_record = documents.owner_of(RecordType.CASE, case)
        for name in ("uno.pdf", "dos.pdf"):
            documents.attach(db.session, owner, owner_record, name, SMALL_PDF.replace(b"Catalog", name.encode()))
        db.session.commit()
        db.session.remove()
    return app, keyfile, tmp_path


def _versions(app) -> list[AttachmentVersion]:
    with app.app_context():
        found = list(db.session.scalars(select(AttachmentVersion).order_by(AttachmentVersion.number)))
        db.session.expunge_all()
        return found


def test_keys_rotate_rewraps_data_keys_and_leaves_the_files_alone(committed, request):
    app, keyfile, tmp_path = committed
    before = _versions(app)
    with app.app_context():
        store = documents.current_storage()
    files_before = {}
    for version in before:
        with store.open(version.storage_key) as handle:
            files_before[version.storage_key] = handle.read()
    assert {stored_key_id(v.data_key_enc) for v in before} == {1}
    crypto.add_field_key(keyfile, activate=True)
    rotated = build_app("sqlite", request, tmp_path, keyfile)
    result = rotated.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    after = _versions(rotated)
    assert {stored_key_id(v.data_key_enc) for v in after} == {2}
    for version in after:
        with store.open(version.storage_key) as handle:
            assert handle.read() == files_before[version.storage_key]  # re-wrapped 32 bytes, not the file
    verified = rotated.test_cli_runner().invoke(args=["files", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "2 archivos verificados: 0 faltantes, 0 que no descifran o no coinciden, 0 huérfanos" in verified.output


def test_files_verify_reports_missing_altered_and_orphan_files(committed):
    app, _keyfile, _tmp = committed
    first, second = _versions(app)
    with app.app_context():
        store = documents.current_storage()
        store.delete(first.storage_key)
        with store.open(second.storage_key) as handle:
            data = bytearray(handle.read())
        data[-3] ^= 1
        store.put(second.storage_key, [bytes(data)])
        store.put("f" * 32, [b"a file nobody recorded"])
    result = app.test_cli_runner().invoke(args=["files", "verify"])
    assert result.exit_code == 1
    assert "1 faltantes, 1 que no descifran o no coinciden, 1 huérfanos" in result.output
    assert first.storage_key in result.output and "f" * 32 in result.output
    assert "uno.pdf" not in result.output  # ids and keys, never names
    with app.app_context():
        from dfi_casos.security.audit import AuditEvent

        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "files_verify")).one()
        assert json.loads(entry.details)["missing"] == 1 and entry.outcome == "failed"
