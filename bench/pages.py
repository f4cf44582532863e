"""Page cost in-process: each main page through the app's test client, timed, counted and profiled.

    python bench/pages.py --database-url URL [--repeat 30] [--profile]

Runs with the registry's own key file (DFI_KEYFILE) on a database prepared by bench/load_setup.py
(the Guerrero supervisor and caseworker). For each page: wall p50/p99, CPU time of the process
p50 (what the request costs Python, unaffected by other processes waiting for the same cores),
SQL statements and the time spent in them (before/after_cursor_execute), and with --profile
the functions where the CPU time goes (cProfile, cumulative, top entries of the app and libraries).
The plain page is /bench/plain (session, headers, base template, 50 rows; no decryption, no audit).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, func, select  # noqa: E402

from bench.load_setup import CW_USERNAME, PASSWORD, STATE, USERNAME  # noqa: E402
from dfi_casos import create_app  # noqa: E402
from dfi_casos.cases.models import Case  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.registry.models import Person  # noqa: E402

CSRF = re.compile(r'name="(?:[a-z]+-)?csrf_token" type="hidden" value="([^"]+)"')


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _login(app: Any, username: str) -> Any:
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    app = create_app({"ENV_NAME": "development", "DEMO_MODE": False, "DATABASE_URL": args.database_url,
                      "BENCH_ROUTES": True, "RATELIMIT_ENABLED": False, "MFA_REQUIRED_ROLES": []})
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.state_code == STATE).order_by(Case.folio).limit(1))
        person = db.session.scalars(select(Person).where(Person.state_code == STATE,
                                                         Person.curp_bidx.is_not(None)).limit(1)).first()
        curp, name = person.curp, f"{person.given_names} {person.first_surname}"
        total = db.session.scalar(select(func.count()).select_from(Person)) or 0
    supervisor, caseworker = _login(app, USERNAME), _login(app, CW_USERNAME)
    token = CSRF.search(supervisor.get("/busqueda/").get_data(as_text=True)).group(1)

    def search(q: str) -> Any:
        return lambda: supervisor.post("/busqueda/", data={"rapida-csrf_token": token, "buscar": "rapida",
                                                           "rapida-q": q})

    pages = {
        "página simple": lambda: supervisor.get("/bench/plain"),
        "lista de casos": lambda: supervisor.get("/casos/lista"),
        "Mis casos": lambda: caseworker.get("/casos/"),
        "página de un caso": lambda: supervisor.get(f"/casos/{case_id}"),
        "búsqueda por CURP": search(curp),
        "búsqueda por nombre": search(name),
        "tablero (inicio)": lambda: supervisor.get("/"),
    }
    sql: list[float] = []
    started: list[float] = []

    def before(*_a: Any) -> None:
        started.append(time.perf_counter())

    def after(*_a: Any) -> None:
        sql.append(time.perf_counter() - started.pop())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    print(f"Registro: {total:,} personas; carga de la máquina {os.getloadavg()[0]:.1f}; {args.repeat} peticiones "
          "por página tras 3 de calentamiento")
    print("| página | reloj p50 | reloj p99 | CPU p50 | sentencias SQL | tiempo en SQL p50 |")
    print("|---|---|---|---|---|---|")
    profiles = {}
    for label, request in pages.items():
        for _ in range(3):
            assert request().status_code == 200, label
        wall, cpu, counts, in_sql = [], [], [], []
        profiler = cProfile.Profile() if args.profile else None
        for _ in range(args.repeat):
            sql.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = request()
            if profiler:
                profiler.disable()
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            counts.append(len(sql))
            in_sql.append(sum(sql) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        print(f"| {label} | {_pct(wall, .5):.1f} ms | {_pct(wall, .99):.1f} ms | {_pct(cpu, .5):.1f} ms | "
              f"{statistics.median(counts):.0f} | {_pct(in_sql, .5):.1f} ms |")
        profiles[label] = profiler
    for label, profiler in profiles.items():
        if profiler is None:
            continue
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
        print(f"\n### {label}: funciones con más tiempo propio ({args.repeat} peticiones)\n")
        lines = [line for line in out.getvalue().splitlines() if re.match(r"\s*[\d/]+\s+\d+\.\d+", line)]
        print("| llamadas | propio (s) | acumulado (s) | función |\n|---|---|---|---|")
        for line in lines[:12]:
            parts = line.split(None, 5)
            where = re.sub(r".*/(site-packages|dfi_casos)/", r"\1/", parts[5])
            print(f"| {parts[0]} | {parts[1]} | {parts[3]} | `{where}` |")


if __name__ == "__main__":
    main()
