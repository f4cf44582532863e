"""Login attempts are rate-limited per client address, with counters shared through Redis."""
from __future__ import annotations

import random

import pytest
import redis

from tests.conftest import build_app

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def client_address():
    """A client address of this test only, so counters of other runs never meet it."""
    connection = redis.Redis.from_url(REDIS_URL)
    connection.ping()  # `make test` starts Redis; a missing server must fail loudly, not skip
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"
    yield address
    for pattern in (f"LIMITS:*/{address}/*", "LIMITS:*/127.9.9.9/*"):
        for key in connection.scan_iter(pattern):
            connection.delete(key)
    connection.close()


def test_login_limit_is_shared_between_workers(backend, request, tmp_path, keyfile, client_address):
    settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL, "LOGIN_RATE_LIMIT": "3 per minute",
                "WTF_CSRF_ENABLED": False}
    first, second = (build_app(backend, request, tmp_path / name, keyfile, **settings) for name in ("w1", "w2"))
    attempt = {"username": "nadie", "password": "no importa cual"}
    environ = {"REMOTE_ADDR": client_address}
    statuses = [first.test_client().post("/login", data=attempt, environ_base=environ).status_code
                for _ in range(2)]
    statuses += [second.test_client().post("/login", data=attempt, environ_base=environ).status_code
                 for _ in range(2)]
    assert statuses == [401, 401, 401, 429]  # the second worker counted the first worker's attempts
    limited = second.test_client().post("/login", data=attempt, environ_base=environ)
    assert "Demasiados intentos" in limited.get_data(as_text=True)
    other_client = second.test_client().post("/login", data=attempt, environ_base={"REMOTE_ADDR": "127.9.9.9"})
    assert other_client.status_code == 401
    for app in (first, second):
        with app.app_context():
            from dfi_casos.extensions import db

            db.engine.dispose()
