"""Key rotation online: counted by SQL, resumable after an interruption or a kill, never overwriting an edit."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from dfi_casos import PROJECT_ROOT
from dfi_casos.extensions import db
from dfi_casos.security import crypto, rotation
from dfi_casos.security.audit import AuditEvent
from dfi_casos.security.fields import find_by_blind_index
from dfi_casos.security.keys_cli import keys_cli
from tests.encryption_support import EncBase, EncNote, EncPerson, build_encryption_app, own_database, restart_workers

FIELDS_PER_PERSON = 6  # given names, first surname, birth date, curp, phone, risks (second surname left empty)


class Interrupted(Exception):
    """Stands for Ctrl-C or a lost connection half-way through a run."""


@pytest.fixture
def keyfile(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    crypto.generate_keyfile(path, development=False)
    return path


@pytest.fixture
def enc_app(backend: str, request: pytest.FixtureRequest, tmp_path: Path, keyfile: Path) -> Iterator[Flask]:
    with own_database(backend, request, tmp_path) as url:
        app = build_encryption_app(url, keyfile, tmp_path / "instance")
        with app.app_context():
            yield app
            db.engine.dispose()


@pytest.fixture
def session(enc_app: Any) -> Iterator[Session]:
    # A session of the test's own: the app's scoped session belongs to the request fixtures.
    with Session(db.engine, expire_on_commit=False) as session:
        yield session


def _expected(i: int) -> dict[str, Any]:
    return {
        "given_names": f"Nombre{i}", "first_surname": f"Apellido{i}", "birth_date": date(1950, 1, 1) + timedelta(i),
        "curp": f"CURP{i:06d}", "phone": f"55{i:08d}", "risks": ["amenazas"] if i % 2 else [],
    }


def _store(session: Session, count: int) -> dict[Any, dict[str, Any]]:
    stored = {}
    for i in range(count):
        person = EncPerson(**_expected(i))
        session.add(person)
        stored[person.id] = _expected(i)
    session.commit()
    return stored


def _read_all(session: Session) -> dict[Any, dict[str, Any]]:
    session.expunge_all()
    found = {p.id: {name: getattr(p, name) for name in _expected(0)} for p in session.scalars(select(EncPerson))}
    session.rollback()  # end the read as a request does: on SQLite every transaction holds the write lock
    return found


def _usage(app: Flask) -> dict[int, int]:
    with db.engine.connect() as connection:
        return rotation.key_usage(connection, rotation.encrypted_tables(EncBase))


def _new_active_key(app: Flask) -> int:
    key_id = crypto.add_field_key(app.extensions["dfi_keys"].keyfile, activate=True)
    restart_workers(app)
    return key_id


def _interrupt_after(batches: int) -> Any:
    seen = []

    def progress(rows: int) -> None:
        seen.append(rows)
        if len(seen) == batches:
            raise Interrupted

    return progress


def test_key_usage_is_counted_by_sql_on_the_key_id_bytes(enc_app: Flask, session: Session) -> None:
    _store(session, 7)
    session.add(EncNote(body="nota"))
    session.commit()
    assert _usage(enc_app) == {1: 7 * FIELDS_PER_PERSON + 1}
    _new_active_key(enc_app)
    session.add(EncNote(body="otra nota"))
    session.commit()
    assert _usage(enc_app) == {1: 7 * FIELDS_PER_PERSON + 1, 2: 1}


def test_rotation_interrupted_and_resumed_rewrites_every_value_and_loses_none(enc_app: Flask, session: Session) -> None:
    original = _store(session, 230)
    _new_active_key(enc_app)
    keys, tables = enc_app.extensions["dfi_keys"], rotation.encrypted_tables(EncBase)
    with pytest.raises(Interrupted):
        rotation.rotate_fields(db.engine, keys, tables, batch_size=40, progress=_interrupt_after(2))
    half = _usage(enc_app)
    assert half == {1: 150 * FIELDS_PER_PERSON, 2: 80 * FIELDS_PER_PERSON}, "each finished batch is committed"
    assert _read_all(session) == original, "reads keep working half-way"
    result = rotation.rotate_fields(db.engine, keys, tables, batch_size=40)
    assert result.rewritten == 150 and result.conflicts == 0 and result.failed == 0
    assert _usage(enc_app) == {2: 230 * FIELDS_PER_PERSON}
    assert _read_all(session) == original
    assert rotation.rotate_fields(db.engine, keys, tables).rewritten == 0, "a finished rotation has nothing to do"


def test_rotation_killed_half_way_finishes_when_started_again(enc_app: Flask, tmp_path: Path, session: Session) -> None:
    original = _store(session, 300)
    _new_active_key(enc_app)
    script = tmp_path / "rotate.py"
    script.write_text(textwrap.dedent(f"""
        import time
        from dfi_casos import create_app
        from dfi_casos.extensions import db
        from dfi_casos.security import rotation
        from tests.encryption_support import EncBase

        slow_row = rotation._rotate_row
        def rotate_row(*args):
            time.sleep(0.004)  # so that the kill lands inside an open batch
            return slow_row(*args)
        rotation._rotate_row = rotate_row
        app = create_app({json.dumps({k: enc_app.config[k] for k in ("DATABASE_URL", "KEYFILE", "INSTANCE_PATH")})}
                         | {{"ENV_NAME": "test"}})
        with app.app_context():
            tables = rotation.encrypted_tables(EncBase)
            progress = lambda rows: print("batch", rows, flush=True)
            rotation.rotate_fields(db.engine, app.extensions["dfi_keys"], tables, batch_size=25, progress=progress)
        print("done", flush=True)
    """))
    env = os.environ | {"PYTHONPATH": str(PROJECT_ROOT)}
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env) as child:  # noqa: S603
        assert child.stdout is not None
        lines = [child.stdout.readline(), child.stdout.readline()]
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert lines == ["batch 25\n", "batch 25\n"] and child.returncode == -signal.SIGKILL
    killed = _usage(enc_app)
    assert killed.get(1, 0) > 0 and killed.get(2, 0) >= 50 * FIELDS_PER_PERSON
    assert sum(killed.values()) == 300 * FIELDS_PER_PERSON, "no value lost or duplicated"
    assert _read_all(session) == original
    rotation.rotate_fields(db.engine, enc_app.extensions["dfi_keys"], rotation.encrypted_tables(EncBase))
    assert _usage(enc_app) == {2: 300 * FIELDS_PER_PERSON}
    assert _read_all(session) == original


@pytest.mark.postgresql
def test_rotation_never_overwrites_an_edit_made_meanwhile(
    enc_app: Flask, monkeypatch: pytest.MonkeyPatch, session: Session
) -> None:
    original = _store(session, 3)
    _new_active_key(enc_app)
    edited = session.scalars(select(EncPerson).order_by(EncPerson.id)).first()
    assert edited is not None
    real_rotate_row = rotation._rotate_row
    pending_edit = [edited.id]

    def edit_then_rotate(keys: Any, entry: Any, row: Any, result: Any) -> Any:
        if row[0] in pending_edit:  # the app saves this person between the rotation's read and its write
            pending_edit.clear()
            edited.given_names = "Editada mientras tanto"
            worker = threading.Thread(target=_commit_in_other_context, args=(enc_app, edited))
            worker.start()
            worker.join()
        return real_rotate_row(keys, entry, row, result)

    monkeypatch.setattr(rotation, "_rotate_row", edit_then_rotate)
    result = rotation.rotate_fields(db.engine, enc_app.extensions["dfi_keys"], rotation.encrypted_tables(EncBase))
    assert result.conflicts == 1 and result.rewritten == 3, "the edited row is rotated on a second pass"
    session.rollback()
    person = session.get(EncPerson, edited.id, populate_existing=True)
    assert person is not None and person.given_names == "Editada mientras tanto"
    assert person.curp == original[edited.id]["curp"]
    assert _usage(enc_app) == {2: 3 * FIELDS_PER_PERSON}


def _commit_in_other_context(app: Flask, person: EncPerson) -> None:
    with app.app_context(), Session(db.engine) as other:
        other.execute(update(EncPerson).where(EncPerson.id == person.id).values(given_names_enc=person.given_names_enc))
        other.commit()


def test_rotation_leaves_an_unreadable_value_alone_and_reports_it(enc_app: Flask, session: Session) -> None:
    _store(session, 5)
    broken = session.scalars(select(EncPerson)).first()
    assert broken is not None
    damaged = bytearray(broken.curp_enc or b"")
    damaged[-1] ^= 1
    session.execute(update(EncPerson).where(EncPerson.id == broken.id).values(curp_enc=bytes(damaged)))
    session.commit()
    _new_active_key(enc_app)
    result = rotation.rotate_fields(db.engine, enc_app.extensions["dfi_keys"], rotation.encrypted_tables(EncBase))
    assert result.failed == 1 and result.failures == [
        f"enc_person.curp_enc {broken.id}: la etiqueta de autenticación no coincide"
    ]
    assert result.rewritten == 4
    assert _usage(enc_app) == {1: FIELDS_PER_PERSON, 2: 4 * FIELDS_PER_PERSON}, "the whole damaged row waits"


def test_blind_index_rebuild_keeps_search_working_throughout(enc_app: Flask, session: Session) -> None:
    _store(session, 120)
    tables = rotation.encrypted_tables(EncBase)
    crypto.start_blind_index_rotation(enc_app.extensions["dfi_keys"].keyfile, bits=12)
    restart_workers(enc_app)
    keys = enc_app.extensions["dfi_keys"]

    def findable() -> bool:
        found = all(
            [p.curp for p in find_by_blind_index(session, EncPerson, "curp", f"curp{i:06d}")] == [f"CURP{i:06d}"]
            and len(find_by_blind_index(session, EncPerson, "phone", f"+52 55 {i:08d}")) == 1
            for i in range(0, 120, 7)
        )
        session.rollback()
        return found

    assert findable(), "before the rebuild: found under the previous root"
    assert rotation.rebuild_blind_indexes(db.engine, keys, tables, dry_run=True).rewritten == 120
    with pytest.raises(Interrupted):
        rotation.rebuild_blind_indexes(db.engine, keys, tables, batch_size=50, progress=_interrupt_after(1))
    assert findable(), "half-way"
    assert rotation.rebuild_blind_indexes(db.engine, keys, tables, dry_run=True).rewritten == 70
    assert rotation.rebuild_blind_indexes(db.engine, keys, tables, batch_size=50).rewritten == 70
    assert rotation.rebuild_blind_indexes(db.engine, keys, tables, dry_run=True).rewritten == 0
    crypto.finish_blind_index_rotation(keys.keyfile)
    restart_workers(enc_app)
    assert enc_app.extensions["dfi_keys"].blind.bits == 12 and findable(), "after: the new root alone finds all"


def _keys(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["keys", *args])


def test_key_commands_generate_rotate_list_and_retire(enc_app: Flask, session: Session) -> None:
    original = _store(session, 40)
    listed = _keys(enc_app, "list")
    assert listed.exit_code == 0 and _row(listed.output, 1) == ["1", "activa", str(40 * FIELDS_PER_PERSON)]

    generated = _keys(enc_app, "generate")
    assert generated.exit_code == 0, generated.output
    assert "Clave 2 creada, activa" in generated.output
    restart_workers(enc_app)
    refused = _keys(enc_app, "retire", "1")
    assert refused.exit_code != 0 and f"aún protege {40 * FIELDS_PER_PERSON} valores" in refused.output

    rotated = _keys(enc_app, "rotate", "--batch-size", "15")
    assert rotated.exit_code == 0, rotated.output
    assert "40 filas re-cifradas" in rotated.output
    listed = _keys(enc_app, "list")
    assert _row(listed.output, 1) == ["1", "anterior", "0"]
    assert _row(listed.output, 2) == ["2", "activa", str(40 * FIELDS_PER_PERSON)]
    assert _keys(enc_app, "retire", "2").exit_code != 0, "the active key is never retired"

    retired = _keys(enc_app, "retire", "1")
    assert retired.exit_code == 0, retired.output
    restart_workers(enc_app)
    assert set(enc_app.extensions["dfi_keys"].encryption_keys) == {2}
    assert _read_all(session) == original
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions == ["key_generate", "key_rotation", "key_retire"]


def _row(output: str, key_id: int) -> list[str]:
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] == str(key_id):
            return [cells[0], cells[2], cells[3]]
    raise AssertionError(f"key {key_id} not listed:\n{output}")


def test_a_staged_key_is_activated_after_every_worker_knows_it(enc_app: Flask, session: Session) -> None:
    _store(session, 2)
    assert _keys(enc_app, "generate", "--no-activate").exit_code == 0
    restart_workers(enc_app)
    assert enc_app.extensions["dfi_keys"].active_key_id == 1 and 2 in enc_app.extensions["dfi_keys"].encryption_keys
    assert _keys(enc_app, "activate", "2").exit_code == 0
    restart_workers(enc_app)
    assert enc_app.extensions["dfi_keys"].active_key_id == 2


def test_retire_refuses_while_an_encrypted_column_has_no_loaded_model(enc_app: Flask, session: Session) -> None:
    _keys(enc_app, "generate")
    restart_workers(enc_app)
    session.execute(text("CREATE TABLE forgotten (id INTEGER PRIMARY KEY, secret_enc BYTEA)"
                            if db.engine.dialect.name == "postgresql" else
                            "CREATE TABLE forgotten (id INTEGER PRIMARY KEY, secret_enc BLOB)"))
    session.commit()
    refused = _keys(enc_app, "retire", "1")
    assert refused.exit_code != 0 and "forgotten.secret_enc" in refused.output


def test_blind_index_key_commands(enc_app: Flask, session: Session) -> None:
    _store(session, 30)
    assert _keys(enc_app, "generate", "--blind-index").exit_code == 0
    restart_workers(enc_app)
    assert "Reconstrucción pendiente" in _keys(enc_app, "list").output
    refused = _keys(enc_app, "retire", "--blind-index")
    assert refused.exit_code != 0 and "30 filas aún tienen índices de la raíz anterior" in refused.output
    rotated = _keys(enc_app, "rotate")
    assert rotated.exit_code == 0 and "30 filas con índices reconstruidos" in rotated.output
    assert _keys(enc_app, "retire", "--blind-index").exit_code == 0
    restart_workers(enc_app)
    assert not enc_app.extensions["dfi_keys"].blind.rebuild_pending
    assert len(find_by_blind_index(session, EncPerson, "curp", "CURP000017")) == 1


def test_a_production_key_file_is_generated_without_an_app(tmp_path: Path) -> None:
    target = tmp_path / "etc" / "keys.json"
    result = CliRunner().invoke(keys_cli, ["generate", "--new-file", str(target)])
    assert result.exit_code == 0, result.output
    material = crypto.load_key_material({"ENV_NAME": "production", "KEYFILE": str(target)}, str(tmp_path))
    assert not material.development and oct(target.stat().st_mode & 0o777) == "0o600"
    assert CliRunner().invoke(keys_cli, ["generate", "--new-file", str(target)]).exit_code != 0, "never overwrites"
