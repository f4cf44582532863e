"""Audit trail benchmark: cost of one append, per-request overhead, and verification speed, on SQLite and PostgreSQL.

Run from the project root: `python bench/audit.py [--entries 200000] [--requests 2000] [--backends sqlite,postgresql]`.
PostgreSQL: a scratch database on 127.0.0.1:5432 (user postgres, trust auth), dropped at the end.
Aims (issue 7): verify >= 100,000 entries/s; appending adds <= 1 ms per request at the median on PostgreSQL.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from dfi_casos import create_app  # noqa: E402
from dfi_casos.database import Base, scratch_postgres_database, utcnow  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.models import import_all_models  # noqa: E402
from dfi_casos.security import audit  # noqa: E402
from dfi_casos.security.audit import GENESIS_MAC, AuditEvent, compute_mac, verify_chain  # noqa: E402
from dfi_casos.security.crypto import generate_keyfile  # noqa: E402

PG_ADMIN_URL = os.environ.get("DFI_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    with scratch_postgres_database(PG_ADMIN_URL, "dfi_bench") as url:
        yield url


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def bench_requests(app, requests: int) -> None:
    """Alternate requests with and without an audit append; each request updates a row and commits."""
    with app.app_context():
        db.session.execute(text("INSERT INTO user_account (id, username, full_name, email, role, is_national, "
                                "state_codes, active, password_hash, created_at, failed_logins, session_version, "
                                "version) VALUES (1, 'bench', 'Bench', 'b@x', 'supervisor', true, '', true, 'x', "
                                ":now, 0, 1, 1)"), {"now": utcnow()})
        db.session.commit()
    plain: list[float] = []
    audited: list[float] = []
    appends: list[float] = []
    for number in range(requests * 2):
        with app.app_context():
            session = db.session
            started = time.perf_counter()
            # The request's own work: a real write, so both kinds of request pay a commit to disk.
            session.execute(text("UPDATE user_account SET failed_logins = failed_logins + 1 WHERE id = 1"))
            if number % 2:
                before = time.perf_counter()
                audit.record(session, action=audit.Action.VIEW, object_type="person", object_id=str(uuid.uuid4()),
                             details={"fields": ["curp", "names"]}, state_code="12")
                appends.append(time.perf_counter() - before)
            session.commit()
            (audited if number % 2 else plain).append(time.perf_counter() - started)
            db.session.remove()
    overhead = statistics.median(audited) - statistics.median(plain)
    print(f"  append (record() call):   median {ms(statistics.median(appends))}, "
          f"p99 {ms(statistics.quantiles(appends, n=100)[98])}")
    print(f"  request without audit:    median {ms(statistics.median(plain))}")
    print(f"  request with one append:  median {ms(statistics.median(audited))}")
    print(f"  overhead per request:     median {ms(overhead)}  (aim: <= 1 ms on PostgreSQL)")


def fill_chain(app, entries: int) -> None:
    """Write `entries` valid chained entries in bulk (same MACs record() would compute)."""
    key = app.extensions["dfi_keys"].audit_key
    with app.app_context():
        head = audit.chain_head(db.session())
        seq, prev_mac = head.seq, head.mac if head.seq else GENESIS_MAC
        start = utcnow()
        batch: list[dict[str, object]] = []
        for number in range(entries):
            seq += 1
            event = AuditEvent(seq=seq, occurred_at=start + timedelta(microseconds=number), actor_id=1,
                               actor_username="bench", actor_role="supervisor", actor_states="*", action="view",
                               object_type="person", object_id=str(uuid.uuid4()), object_state="12", folio=None,
                               outcome="ok", origin="127.0.0.1", details='{"fields":["curp","names"]}',
                               prev_mac=prev_mac)
            event.mac = compute_mac(key, prev_mac, seq, event)
            prev_mac = event.mac
            batch.append({column.key: getattr(event, column.key) for column in AuditEvent.__table__.columns})
            if len(batch) == 20_000:
                db.session.execute(insert(AuditEvent), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(AuditEvent), batch)
        db.session.commit()


def bench_verify(app) -> None:
    key = app.extensions["dfi_keys"].audit_key
    best = None
    for _ in range(2):
        with app.app_context():
            started = time.perf_counter()
            result = verify_chain(db.session(), key)
            elapsed = time.perf_counter() - started
            db.session.remove()
        assert result.ok, result.message
        best = elapsed if best is None else min(best, elapsed)
    assert best is not None
    print(f"  verify: {result.checked} entries in {best:.2f} s = {result.checked / best:,.0f} entries/s "
          f"(aim: >= 100,000/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    import_all_models()
    # Figures on a shared machine swing with its load; print it beside them.
    print(f"load average: {' '.join(f'{value:.2f}' for value in os.getloadavg())} on {os.cpu_count()} CPUs")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
            keyfile = Path(tmp) / "keys.json"
            generate_keyfile(keyfile)
            app = create_app({"ENV_NAME": "test", "DATABASE_URL": url, "INSTANCE_PATH": str(Path(tmp) / "instance"),
                              "KEYFILE": str(keyfile)})
            with app.app_context():
                Base.metadata.create_all(db.engine)
            print(f"{backend}:")
            if args.requests:
                bench_requests(app, args.requests)
            fill_chain(app, args.entries)
            bench_verify(app)
            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()
