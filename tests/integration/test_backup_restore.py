"""A backup of the demo restores into a fresh database: every record decrypts, the files verify, the chain holds."""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from dfi_casos import create_app, migrate
from dfi_casos.backup import generate_backup_key
from dfi_casos.database import Base
from dfi_casos.demo import seed_demo
from dfi_casos.extensions import db
from dfi_casos.models import import_all_models
from dfi_casos.security.fields import encrypted_fields
from tests.encryption_support import own_database

FILE_BYTES = b"ciphertext of an attachment, as the documents store would keep it"


def make_app(url: str, keyfile: Path, tmp: Path, name: str, backup_keyfile: Path):
    return create_app({"ENV_NAME": "test", "DATABASE_URL": url, "KEYFILE": str(keyfile),
                       "INSTANCE_PATH": str(tmp / name), "FILES_DIR": str(tmp / name / "files"),
                       "BACKUP_KEYFILE": str(backup_keyfile)})


def decrypt_everything(app) -> dict[str, int]:
    """Rows per table, after reading every encrypted value of every record (a failure raises)."""
    import_all_models()
    counts: dict[str, int] = {}
    with app.app_context():
        for mapper in Base.registry.mappers:
            cls = mapper.class_
            counts[mapper.local_table.name] = db.session.scalar(select(func.count()).select_from(cls)) or 0
            fields = encrypted_fields(cls)
            if fields:
                for record in db.session.scalars(select(cls)):
                    for field in fields:
                        getattr(record, field.name)
        db.session.remove()
    return counts


@pytest.fixture(scope="module")
def demo_backup(backend, request, tmp_path_factory, keyfile):
    """A migrated database with the demo and one stored file, and its backup and saved chain head."""
    tmp_path = tmp_path_factory.mktemp(f"backup-{backend}")
    backup_keyfile = tmp_path / "backup.key"
    generate_backup_key(backup_keyfile)
    with own_database(backend, request, tmp_path / "source") as url:
        (tmp_path / "source").mkdir(exist_ok=True)
        app = make_app(url, keyfile, tmp_path, "source", backup_keyfile)
        migrate.upgrade(app)
        with app.app_context():
            seed_demo(db.session, app.config)
            db.session.commit()
            db.session.remove()
        stored = Path(app.config["FILES_DIR"]) / "ab" / "cd" / str(uuid.uuid4())
        stored.parent.mkdir(parents=True)
        stored.write_bytes(FILE_BYTES)
        runner = app.test_cli_runner()
        result = runner.invoke(args=["backup", "--output", str(tmp_path / "demo.backup"),
                                     "--head-output", str(tmp_path / "head.json")])
        assert result.exit_code == 0, result.output
        counts = decrypt_everything(app)
        with app.app_context():
            db.engine.dispose()
    yield tmp_path / "demo.backup", tmp_path / "head.json", counts, backup_keyfile, stored


def test_a_backup_of_the_demo_restores_into_a_fresh_database(backend, request, tmp_path, keyfile, demo_backup):
    archive, head, source_counts, backup_keyfile, stored = demo_backup
    assert FILE_BYTES not in archive.read_bytes()  # encrypted, not just packed
    with own_database(backend, request, tmp_path / "target") as url:
        app = make_app(url, keyfile, tmp_path, "target", backup_keyfile)
        runner = app.test_cli_runner()
        result = runner.invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert decrypt_everything(app) == source_counts
        assert source_counts["person"] > 0 and source_counts["audit_event"] > 0
        verified = runner.invoke(args=["audit", "verify", "--head", str(head)])
        assert verified.exit_code == 0, verified.output
        restored = Path(app.config["FILES_DIR"]) / stored.relative_to(stored.parents[2])
        assert hashlib.sha256(restored.read_bytes()).digest() == hashlib.sha256(FILE_BYTES).digest()
        with app.app_context():
            db.engine.dispose()


def test_a_tampered_backup_is_refused_and_writes_nothing(backend, request, tmp_path, keyfile, demo_backup):
    original, _head, _counts, backup_keyfile, _stored = demo_backup
    data = bytearray(original.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive = tmp_path / "tampered.backup"
    archive.write_bytes(bytes(data))
    with own_database(backend, request, tmp_path / "target") as url:
        app = make_app(url, keyfile, tmp_path, "target", backup_keyfile)
        result = app.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code != 0 and "integridad" in result.output
        with app.app_context():
            assert inspect(db.engine).get_table_names() == []
            db.engine.dispose()


def test_a_truncated_backup_is_refused(backend, request, tmp_path, keyfile, demo_backup):
    original, _head, _counts, backup_keyfile, _stored = demo_backup
    archive = tmp_path / "truncated.backup"
    archive.write_bytes(original.read_bytes()[:-100])
    with own_database(backend, request, tmp_path / "target") as url:
        app = make_app(url, keyfile, tmp_path, "target", backup_keyfile)
        result = app.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code != 0
        with app.app_context():
            db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(backend, request, tmp_path, keyfile, demo_backup):
    archive, _head, _counts, backup_keyfile, _stored = demo_backup
    with own_database(backend, request, tmp_path / "target") as url:
        app = make_app(url, keyfile, tmp_path, "target", backup_keyfile)
        migrate.upgrade(app)
        result = app.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code != 0 and "no está vacía" in result.output
        with app.app_context():
            db.engine.dispose()
