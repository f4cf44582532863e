"""Import benchmark: a Kobo XLSX of ~10,000 persons against a registry of N, validated then committed.

    python bench/imports.py [--registry 100000] [--persons 10000] [--database-url URL]

Without --database-url it creates (and drops) its own PostgreSQL database on 127.0.0.1:5432.
The registry is seeded through the same batched path (bench/seed.py). The file holds realistic
households (mean ≈ 3.6 persons), about 2 % of them with a person already in the registry (flagged
as possible duplicates and left out) and about 1 % with an invalid CURP. Prints: file size, time of
the validation report, commit persons per second, and the process's peak memory.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text  # noqa: E402

from bench.seed import BENCH_USER, household_answers, seed  # noqa: E402
from dfi_casos import create_app, migrate  # noqa: E402
from dfi_casos.auth import services as accounts  # noqa: E402
from dfi_casos.catalogs.enums import Stage  # noqa: E402
from dfi_casos.database import scratch_postgres_database  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.imports import jobs  # noqa: E402
from dfi_casos.imports.validation import validate_upload  # noqa: E402
from dfi_casos.registry.models import Person  # noqa: E402
from tests.import_files import kobo_xlsx  # noqa: E402

REGISTRY_SEED, FILE_SEED = 2026, 7


def build_file(persons: int) -> bytes:
    """Households of the file; every 50th carries a registry person, every 100th a wrong check digit."""
    items, total, number = [], 0, 0
    while total < persons:
        item = household_answers(number, FILE_SEED)
        if number % 50 == 25:
            item["members"][0] = household_answers(number, REGISTRY_SEED)["members"][0]
        if number % 100 == 10 and item["members"][0].get("curp"):
            curp = item["members"][0]["curp"]
            item["members"][0]["curp"] = curp[:17] + str((int(curp[17]) + 1) % 10)
        item["uuid"] = str(uuid.UUID(int=FILE_SEED << 64 | number))
        items.append(item)
        total += len(item["members"])
        number += 1
    return kobo_xlsx(items)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(backend_pid: int) -> tuple[float, float]:
    """CPU time used so far by this process and by its PostgreSQL backend (same machine): a figure the
    machine's other load does not inflate, unlike wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    return usage.ru_utime + usage.ru_stime, (int(fields[11]) + int(fields[12])) / ticks


def measured(label: str, backend_pid: int, work: Any) -> Any:
    wall, (client, server) = time.perf_counter(), cpu_seconds(backend_pid)
    result = work()
    after_client, after_server = cpu_seconds(backend_pid)
    elapsed = time.perf_counter() - wall
    print(f"  {label}: {elapsed:.1f} s de reloj; CPU {after_client - client:.1f} s en Python y "
          f"{after_server - server:.1f} s en PostgreSQL.")
    return elapsed, after_client - client, after_server - server, result


def run(url: str, registry_size: int, persons: int) -> None:
    app = create_app({"ENV_NAME": "development", "DATABASE_URL": url, "DEMO_MODE": False})
    migrate.upgrade(app, "head")
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(Person)) or 0
    if have < registry_size:
        seed(app, registry_size, batch=500, seed_value=REGISTRY_SEED)
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(Person)) or 0
    data = build_file(persons)
    print(f"Registro: {have:,} personas. Archivo Kobo XLSX: {len(data) / 1e6:.1f} MB. "
          f"Memoria antes de validar: {peak_mib():.0f} MiB.")
    with app.app_context():
        actor = accounts.find_user(db.session, BENCH_USER)
        backend = db.session.scalar(text("SELECT pg_backend_pid()"))
        validated, _, _, job = measured("validación", backend, lambda: validate_upload(
            db.session, actor, "kobo.xlsx", data, app.extensions["municipalities"]))
        db.session.commit()
        print(f"Informe de validación: {job.households_total:,} hogares, {job.persons_total:,} personas en "
              f"{validated:.1f} s ({job.households_valid:,} hogares válidos). Memoria pico: {peak_mib():.0f} MiB.")
        jobs.confirm(db.session, actor, job, Stage.ASSISTANCE, None, False, None)
        db.session.commit()
        backend = db.session.scalar(text("SELECT pg_backend_pid()"))
        elapsed, client, server, _ = measured("confirmación", backend, lambda: jobs.work_on(db.session, job.id))
        db.session.refresh(job)
        done = job.persons_done
        print(f"Confirmación: {done:,} personas en {job.households_done:,} hogares en {elapsed:.1f} s: "
              f"{done / elapsed:,.0f} personas/s de reloj ({job.status.label}); por segundo de CPU: "
              f"{done / client:,.0f} en Python, {done / server:,.0f} en PostgreSQL, {done / (client + server):,.0f} "
              f"sumando ambos. Memoria pico: {peak_mib():.0f} MiB.")
    print(f"Carga del sistema al terminar: {os.getloadavg()[0]:.1f} (2 núcleos).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=int, default=100_000, help="personas en el registro")
    parser.add_argument("--persons", type=int, default=10_000, help="personas en el archivo")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url, args.registry, args.persons)
        return
    server = os.environ.get("DFI_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    with scratch_postgres_database(server, "dfi_bench_imports") as url:
        run(url, args.registry, args.persons)


if __name__ == "__main__":
    main()
