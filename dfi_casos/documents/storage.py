"""Where encrypted files live: a small interface, a directory backend and an S3 backend (MinIO, Ceph, cloud).

The storage only ever sees ciphertext (security/envelope.py) under random keys. A write is all or
nothing: the directory backend writes a temporary file beside the target, fsyncs and renames it; the
S3 backend's object appears only when its upload completes. A failed write leaves nothing behind.
"""
from __future__ import annotations

import errno
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

#: A storage key: the hex of a random UUID; anything else never reaches a path or a bucket.
_KEY_RE = re.compile(r"^[0-9a-f]{32}$")


class StorageError(Exception):
    """The store could not write, read or delete a file (disk full, network down); names no content."""


class StorageFull(StorageError):
    """No space left to write the file."""


def check_key(key: str) -> str:
    """Refuse anything but a storage key: no path, no separator, no dot."""
    if not _KEY_RE.match(key):
        raise ValueError("clave de almacenamiento no válida")
    return key


class Storage(Protocol):
    """What documents need from a store of encrypted files."""

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write the file `key` from `chunks` atomically; return the bytes written. StorageError on failure."""

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the stored bytes; FileNotFoundError when absent."""

    def delete(self, key: str) -> None:
        """Remove the file; absent is fine."""

    def exists(self, key: str) -> bool:
        """Whether the file is stored."""

    def keys(self) -> Iterator[str]:
        """Every stored key (for `files verify`: files without rows)."""


class DirectoryStorage:
    """Files under a directory, fanned out as ab/cd/<key> (DFI_FILES_DIR, default instance/files)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        target = self._path(key)
        written = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
        except OSError as exc:
            raise _storage_error(exc) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    written += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise _storage_error(exc) from None
        except BaseException:
            # An upload that failed half way (bad input, a bug, an interrupted request) leaves nothing.
            Path(tmp).unlink(missing_ok=True)
            raise
        return written

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise _storage_error(exc) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if path.is_file() and _KEY_RE.match(path.name):
                yield path.name


def _storage_error(exc: OSError) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull("no queda espacio en el almacenamiento de archivos")
    return StorageError(f"error del almacenamiento de archivos ({exc.__class__.__name__}, errno {exc.errno})")


class _ChunkReader(io.RawIOBase):
    """A file-like view of an iterator of byte strings (what boto3's upload_fileobj reads)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        self.consumed += size
        return size


class S3Storage:
    """Objects in one bucket of an S3-compatible store (MinIO, Ceph RGW, AWS); see docs/deployment.md."""

    def __init__(self, bucket: str, client: Any, prefix: str = "") -> None:
        self.bucket = bucket
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3Storage:
        """A client for DFI_S3_ENDPOINT_URL / DFI_S3_BUCKET / DFI_S3_ACCESS_KEY / DFI_S3_SECRET_KEY / DFI_S3_REGION."""
        client = boto3.client(
            "s3", endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            aws_access_key_id=config.get("S3_ACCESS_KEY") or None,
            aws_secret_access_key=config.get("S3_SECRET_KEY") or None,
            region_name=config.get("S3_REGION") or "us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3},
                          signature_version="s3v4"))
        return cls(str(config["S3_BUCKET"]), client, str(config.get("S3_PREFIX") or ""))

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        reader = _ChunkReader(chunks)
        try:
            # Multipart above 8 MiB; an interrupted multipart upload is aborted, never a visible object.
            self.client.upload_fileobj(io.BufferedReader(reader, 1024 * 1024), self.bucket, self._name(key),
                                       Config=TransferConfig(use_threads=False))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"error del almacenamiento S3 ({exc.__class__.__name__})") from None
        return reader.consumed

    def open(self, key: str) -> BinaryIO:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from None
            raise StorageError(f"error del almacenamiento S3 ({exc.__class__.__name__})") from None
        body: BinaryIO = answer["Body"]
        return body

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"error del almacenamiento S3 ({exc.__class__.__name__})") from None

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError:
            return False
        return True

    def keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                name = str(item["Key"])[len(self.prefix):]
                if _KEY_RE.match(name):
                    yield name


def storage_for(config: Mapping[str, Any], instance_path: str) -> Storage:
    """The configured storage: DFI_STORAGE_BACKEND = "directory" (default) or "s3"."""
    backend = str(config.get("STORAGE_BACKEND") or "directory")
    if backend == "s3":
        return S3Storage.from_config(config)
    if backend != "directory":
        raise ValueError(f"DFI_STORAGE_BACKEND={backend!r} no es válido; use directory o s3")
    return DirectoryStorage(Path(config.get("FILES_DIR") or Path(instance_path) / "files"))
