"""Login attempts are rate-limited per client address, with counters shared through Redis.

Two separate processes play two workers: only a shared store (Redis) lets the second one see
the first one's attempts.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import json, sys
from dfi_casos import create_app
from dfi_casos.database import Base
from dfi_casos.extensions import db
from dfi_casos.models import import_all_models
import_all_models()
app = create_app({"ENV_NAME": "test", "RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": False})
with app.app_context():
    Base.metadata.create_all(db.engine)
client = app.test_client()
address, attempts = sys.argv[1], int(sys.argv[2])
statuses = []
for _ in range(attempts):
    response = client.post("/login", data={"username": "nadie", "password": "no importa cual"},
                           environ_base={"REMOTE_ADDR": address})
    statuses.append([response.status_code, "Demasiados intentos" in response.get_data(as_text=True)])
print(json.dumps(statuses))
"""


@pytest.fixture
def client_address():
    """A client address of this test only, so counters of other runs never meet it."""
    connection = redis.Redis.from_url(REDIS_URL)
    connection.ping()  # `make test` starts Redis; a missing server must fail loudly, not skip
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"
    yield address
    for key in connection.scan_iter(f"LIMITS:*/{address}/*"):
        connection.delete(key)
    connection.close()


def _worker(tmp_path: Path, keyfile: Path, name: str, address: str, attempts: int) -> list[list]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DFI_RATELIMIT_STORAGE_URI": REDIS_URL,
           "DFI_LOGIN_RATE_LIMIT": "3 per minute", "DFI_KEYFILE": str(keyfile),
           "DFI_DATABASE_URL": f"sqlite:///{tmp_path / name}.sqlite3", "DFI_INSTANCE_PATH": str(tmp_path / name)}
    done = subprocess.run([sys.executable, "-c", WORKER, address, str(attempts)], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_login_limit_is_shared_between_worker_processes(tmp_path, keyfile, client_address):
    first = _worker(tmp_path, keyfile, "w1", client_address, 2)
    second = _worker(tmp_path, keyfile, "w2", client_address, 2)
    assert [status for status, _ in first] == [401, 401]
    assert second[0][0] == 401
    assert second[1] == [429, True]  # the second worker counted the first worker's attempts, in Spanish
