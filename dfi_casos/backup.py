"""Backups that restore: an encrypted, integrity-checked archive of the database and the files store.

An archive is a tar (database dump, files store, manifest with a SHA-256 per member and the audit
chain head) sealed in AES-256-GCM chunks under the backup key. Each chunk's nonce carries its
number and a last-chunk flag, and every chunk authenticates the header: a chunk altered, removed,
reordered or cut off fails the restore before anything is written. The application's keys are
never in an archive: they are backed up separately, and restoring needs them to read anything.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess  # noqa: S404 - pg_dump/pg_restore with an argument list, no shell
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

MAGIC = b"DFI-CASOS-BACKUP-1\n"
CHUNK = 1024 * 1024
DB_SQLITE = "database.sqlite3"
DB_PG = "database.pgdump"
MANIFEST = "manifest.json"
FILES = "files"


class BackupError(RuntimeError):
    """A backup or restore was refused or failed; the message (Spanish) says why and what to do."""


# --- the backup key -----------------------------------------------------------------------------

def generate_backup_key(path: Path) -> None:
    """Write a new random backup key (base64, mode 0600); refuses to overwrite one."""
    if path.exists():
        raise BackupError(f"{path} ya existe: no se sobrescribe una clave de respaldo.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")


def backup_key(app: Flask, key_file: str | None = None) -> bytes:
    """The 32-byte backup key: --key-file, DFI_BACKUP_KEY, DFI_BACKUP_KEYFILE, or (development) instance/."""
    raw = ""
    path = key_file or app.config.get("BACKUP_KEYFILE") or ""
    if path:
        raw = Path(path).read_text(encoding="ascii").strip()
    elif app.config.get("BACKUP_KEY"):
        raw = str(app.config["BACKUP_KEY"]).strip()
    elif app.config["ENV_NAME"] != "production":
        dev = Path(app.instance_path) / "dfi-dev-backup.key"
        if not dev.exists():
            generate_backup_key(dev)
        raw = dev.read_text(encoding="ascii").strip()
    if not raw:
        raise BackupError("Falta la clave de respaldo: DFI_BACKUP_KEYFILE, DFI_BACKUP_KEY o --key-file "
                          "(créela con `dfi-casos backup-key ARCHIVO`).")
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise BackupError("La clave de respaldo no es base64 válido.") from exc
    if len(key) != 32:
        raise BackupError("La clave de respaldo debe ser de 32 bytes (AES-256).")
    return key


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"dfi-backup-key-id" + key).hexdigest()[:16]


# --- sealing: AES-256-GCM in numbered chunks ----------------------------------------------------

def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", number) + (b"\x01" if last else b"\x00")


def seal(source: BinaryIO, target: BinaryIO, key: bytes, header: dict[str, Any]) -> None:
    """Encrypt `source` into `target` under `key`, authenticating `header` with every chunk."""
    prefix = secrets.token_bytes(7)
    head = json.dumps({**header, "key_id": _key_id(key), "nonce_prefix": prefix.hex()}, sort_keys=True).encode()
    target.write(MAGIC + struct.pack(">I", len(head)) + head)
    aead = AESGCM(key)
    number = 0
    current = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        sealed = aead.encrypt(_nonce(prefix, number, last), current, head)
        target.write(struct.pack(">I", len(sealed)) + sealed)
        if last:
            return
        number, current = number + 1, following


def read_header(source: BinaryIO) -> tuple[dict[str, Any], bytes]:
    """The archive's clear header (and its bytes); BackupError when this is not a backup."""
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("El archivo no es un respaldo de dfi-casos.")
    (length,) = struct.unpack(">I", source.read(4))
    head = source.read(length)
    try:
        return json.loads(head), head
    except ValueError as exc:
        raise BackupError("El encabezado del respaldo está dañado.") from exc


def unseal(source: BinaryIO, target: BinaryIO, key: bytes) -> dict[str, Any]:
    """Decrypt an archive into `target`, checking every chunk; returns the header."""
    header, head = read_header(source)
    if header.get("key_id") != _key_id(key):
        raise BackupError("Este respaldo se cifró con otra clave de respaldo.")
    prefix = bytes.fromhex(header["nonce_prefix"])
    aead = AESGCM(key)
    number = 0
    while True:
        raw = source.read(4)
        if len(raw) < 4:
            raise BackupError("El respaldo está truncado: falta su parte final.")
        (length,) = struct.unpack(">I", raw)
        sealed = source.read(length)
        last = source.peek(1) == b"" if hasattr(source, "peek") else _at_end(source)
        try:
            target.write(aead.decrypt(_nonce(prefix, number, last), sealed, head))
        except InvalidTag as exc:
            raise BackupError(f"El respaldo no pasó la verificación de integridad (bloque {number}): "
                              "fue alterado, reordenado o truncado.") from exc
        if last:
            return header
        number += 1


def _at_end(source: BinaryIO) -> bool:
    position = source.tell()
    at_end = source.read(1) == b""
    source.seek(position)
    return at_end


# --- what goes in: database dump and files store -------------------------------------------------

def files_dir(app: Flask) -> Path:
    """The files store's directory (documents, issue #17): DFI_FILES_DIR or instance/files."""
    return Path(app.config.get("FILES_DIR") or Path(app.instance_path) / "files")


def _pg_env(url: str) -> dict[str, str]:
    """libpq's variables for a SQLAlchemy URL: the password never appears in a process listing."""
    parts = make_url(url)
    env = {**os.environ, "PGDATABASE": parts.database or ""}
    for variable, value in (("PGHOST", parts.host), ("PGPORT", parts.port), ("PGUSER", parts.username),
                            ("PGPASSWORD", parts.password)):
        if value is not None:
            env[variable] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        # stderr names tables and options, never row contents (a dump's data goes to its file).
        raise BackupError(f"{command[0]} falló ({done.returncode}): {done.stderr.strip()[:500]}")


def _dump_database(url: str, workdir: Path) -> Path:
    if url.startswith("sqlite"):
        target = workdir / DB_SQLITE
        source = sqlite3.connect(make_url(url).database or "")
        try:
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy)  # the online backup API: consistent while the app keeps writing
            copy.close()
        finally:
            source.close()
        return target
    target = workdir / DB_PG
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], _pg_env(url))
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class BackupSummary:
    path: Path
    members: int
    size: int
    audit_head: dict[str, Any] | None


@contextmanager
def _private_tempdir() -> Iterator[Path]:
    # The plaintext tar exists only here, readable by this user alone, and is removed at the end.
    path = Path(tempfile.mkdtemp(prefix="dfi-backup-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def make_backup(app: Flask, output: Path, key: bytes, audit_head: dict[str, Any] | None) -> BackupSummary:
    """Write an encrypted archive of the database (and the files store, if there is one) to `output`."""
    if output.exists():
        raise BackupError(f"{output} ya existe: elija otro nombre.")
    url = app.config["DATABASE_URL"]
    with _private_tempdir() as workdir:
        dump = _dump_database(url, workdir)
        members: dict[str, str] = {dump.name: _sha256(dump)}
        store = files_dir(app)
        store_files = sorted(p for p in store.rglob("*") if p.is_file() and ".tmp" not in p.parts) \
            if store.is_dir() else []
        for path in store_files:
            members[f"{FILES}/{path.relative_to(store).as_posix()}"] = _sha256(path)
        manifest = {"format": 1, "created_at": datetime.now(UTC).isoformat(),
                    "backend": make_url(url).get_backend_name(), "members": members, "audit_head": audit_head}
        archive = workdir / "archive.tar"
        with tarfile.open(archive, "w") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            for path in store_files:
                tar.add(path, arcname=f"{FILES}/{path.relative_to(store).as_posix()}")
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with archive.open("rb") as source, os.fdopen(fd, "wb") as target:
            seal(source, target, key, {"format": 1, "created_at": manifest["created_at"],
                                       "backend": manifest["backend"]})
    return BackupSummary(output, len(members), output.stat().st_size, audit_head)


# --- restore ------------------------------------------------------------------------------------

def _check_empty(app: Flask, engine: Any) -> None:
    tables = [name for name in inspect(engine).get_table_names() if name != "alembic_version"]
    if tables:
        raise BackupError("La base de destino no está vacía: la restauración solo escribe en una base nueva.")
    store = files_dir(app)
    if store.is_dir() and any(store.iterdir()):
        raise BackupError(f"El almacén de archivos {store} no está vacío.")


def open_archive(archive: Path, key: bytes, workdir: Path) -> dict[str, Any]:
    """Decrypt and unpack an archive into `workdir`, verifying every member; returns the manifest."""
    plain = workdir / "archive.tar"
    with archive.open("rb") as source, plain.open("wb") as target:
        unseal(source, target, key)
    unpacked = workdir / "unpacked"
    with tarfile.open(plain) as tar:
        tar.extractall(unpacked, filter="data")  # no absolute paths, no links out, no devices
    plain.unlink()
    manifest = json.loads((unpacked / MANIFEST).read_text(encoding="utf-8"))
    for name, digest in manifest["members"].items():
        path = unpacked / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"El miembro {name} del respaldo no coincide con su manifiesto.")
    return manifest


def restore_backup(app: Flask, engine: Any, archive: Path, key: bytes) -> dict[str, Any]:
    """Restore an archive into the app's (empty) database and files store; returns the manifest."""
    url = app.config["DATABASE_URL"]
    _check_empty(app, engine)
    with _private_tempdir() as workdir:
        manifest = open_archive(archive, key, workdir)
        unpacked = workdir / "unpacked"
        if manifest["backend"] != make_url(url).get_backend_name():
            raise BackupError(f"El respaldo es de {manifest['backend']}; la base de destino es de otro tipo.")
        engine.dispose()
        if url.startswith("sqlite"):
            source = sqlite3.connect(unpacked / DB_SQLITE)
            target = sqlite3.connect(make_url(url).database or "")
            try:
                with target:
                    source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                  f"--dbname={_pg_env(url)['PGDATABASE']}", str(unpacked / DB_PG)], _pg_env(url))
        if (unpacked / FILES).is_dir():
            shutil.copytree(unpacked / FILES, files_dir(app), dirs_exist_ok=True)
    return manifest
