"""The same storage tests on the directory backend and on the S3 backend (moto's S3 server, started by .ci/)."""
from __future__ import annotations

import os
import socket
import uuid

import boto3
import pytest
from botocore.config import Config

from dfi_casos.documents.storage import DirectoryStorage, S3Storage, StorageError, storage_for

S3_ENDPOINT = os.environ.get("DFI_TEST_S3_ENDPOINT", "http://127.0.0.1:9000")


def s3_reachable() -> bool:
    host, _, port = S3_ENDPOINT.split("//", 1)[1].partition(":")
    try:
        with socket.create_connection((host, int(port or 80)), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(params=["directory", "s3"])
def store(request, tmp_path):
    if request.param == "directory":
        yield DirectoryStorage(tmp_path / "files")
        return
    if not s3_reachable():
        pytest.fail(f"no hay servidor S3 en {S3_ENDPOINT}: ejecute `bash .ci/ensure-services.sh` (inicia moto)")
    client = boto3.client("s3", endpoint_url=S3_ENDPOINT, aws_access_key_id="prueba", aws_secret_access_key="prueba",
                          region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
    bucket = f"dfi-prueba-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    yield S3Storage(bucket, client, prefix="archivos/")
    for key in list(S3Storage(bucket, client, prefix="archivos/").keys()):
        client.delete_object(Bucket=bucket, Key="archivos/" + key)
    client.delete_bucket(Bucket=bucket)


def key() -> str:
    return uuid.uuid4().hex


def test_put_open_exists_delete(store):
    name = key()
    written = store.put(name, [b"cifrado-", b"x" * 100_000])
    assert written == 100_008 and store.exists(name)
    with store.open(name) as handle:
        assert handle.read() == b"cifrado-" + b"x" * 100_000
    assert name in set(store.keys())
    store.delete(name)
    assert not store.exists(name) and name not in set(store.keys())
    store.delete(name)  # deleting twice is fine


def test_a_large_file_goes_through_in_parts(store):
    name = key()
    chunk = os.urandom(1024 * 1024)
    assert store.put(name, (chunk for _ in range(9))) == 9 * len(chunk)  # above S3's 8 MiB multipart threshold
    with store.open(name) as handle:
        assert handle.read(len(chunk)) == chunk


def test_a_write_that_fails_half_way_leaves_nothing(store):
    name = key()

    def chunks():
        yield b"y" * 200_000
        raise ConnectionResetError("interrumpido")

    with pytest.raises((StorageError, ConnectionResetError)):
        store.put(name, chunks())
    assert not store.exists(name) and name not in set(store.keys())


def test_a_missing_file_is_file_not_found(store):
    with pytest.raises(FileNotFoundError):
        store.open(key())


@pytest.mark.parametrize("bad", ["../../etc/passwd", "a/b", "", "ABCDEF", "0" * 31 + "/"])
def test_only_storage_keys_reach_a_path_or_bucket(store, bad):
    with pytest.raises(ValueError):
        store.put(bad, [b"x"])


def test_the_configured_backend(tmp_path):
    assert isinstance(storage_for({"FILES_DIR": str(tmp_path)}, str(tmp_path)), DirectoryStorage)
    s3 = storage_for({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ENDPOINT_URL": S3_ENDPOINT,
                      "S3_ACCESS_KEY": "k", "S3_SECRET_KEY": "s"}, str(tmp_path))
    assert isinstance(s3, S3Storage) and s3.bucket == "b"
    with pytest.raises(ValueError):
        storage_for({"STORAGE_BACKEND": "ftp"}, str(tmp_path))
