"""Time every indicator page and the monthly report on PostgreSQL, and say where the time goes.

    python bench/reports.py --database-url postgresql+psycopg://postgres@127.0.0.1/dfi_bench [--persons N]

Migrates, seeds up to N persons with bench/seed.py (resumable; 0 = use what is there), then times each
page's read model (what the view calls: queries, suppression, charts) for a national supervisor and for
Guerrero's, median of --repeat runs, and the monthly report (build + PDF). Prints Markdown tables.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from bench.seed import bench_actor, seed  # noqa: E402
from dfi_casos import create_app, migrate  # noqa: E402
from dfi_casos.database import local_today  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.registry import services as registry  # noqa: E402
from dfi_casos.registry.models import Person  # noqa: E402
from dfi_casos.reports import assistance, cases, monthly, pages, persons  # noqa: E402
from dfi_casos.reports.cli import CommandLinePrincipal  # noqa: E402
from dfi_casos.reports.filters import default_filter, month_filter  # noqa: E402

ZONE = ZoneInfo("America/Mexico_City")


def timed(fn: Callable[[], Any], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--persons", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    app = create_app({"ENV_NAME": "development", "DEMO_MODE": False, "DATABASE_URL": args.database_url})
    migrate.upgrade(app, "head")
    if args.persons:
        seed(app, args.persons, 200, 2026)
    with app.test_request_context():
        session = db.session
        national = bench_actor(session, app.config)
        session.commit()
        guerrero = CommandLinePrincipal(["12"])
        catalog = registry.municipalities()
        today = local_today()
        size = session.scalar(select(func.count()).select_from(Person))
        print(f"\n{size:,} personas; mediana de {args.repeat} corridas, ms\n")
        print("| lectura | nacional | Guerrero |\n|---|---|---|")
        rows: list[tuple[str, Callable[[Any, Any], Any]]] = [
            ("página personas y hogares", lambda u, f: pages.persons_page(session, u, f, catalog, 5)),
            ("  · cubo (sexo, edad, identidad, evento, origen)", lambda u, f: persons.person_cube(session, u, f)),
            ("  · discapacidad", lambda u, f: persons.disability_table(session, u, f)),
            ("  · causas", lambda u, f: persons.cause_table(session, u, f)),
            ("  · hogares", lambda u, f: persons.households(session, u, f)),
            ("página mapa (origen)", lambda u, f: pages.map_page(session, u, f, 5, "origen")),
            ("página mapa (registro)", lambda u, f: pages.map_page(session, u, f, 5, "registro")),
            ("página casos", lambda u, f: pages.cases_page(session, u, f, 5, ZONE)),
            ("  · tiempo en etapa", lambda u, f: cases.time_in_stage(session, u, f)),
            ("  · entradas y salidas", lambda u, f: cases.stage_flows(session, u, f, ZONE)),
            ("página servicios y canalizaciones", lambda u, f: pages.assistance_page(session, u, f, 5, today)),
            ("  · tiempos de respuesta", lambda u, f: assistance.response_times(session, u, f)),
            ("página carga de trabajo", lambda u, f: pages.caseload_page(session, u, f, today)),
        ]
        f = default_filter(today)
        for label, fn in rows:
            figures = [timed(lambda u=u, fn=fn: fn(u, f), args.repeat) for u in (national, guerrero)]
            print(f"| {label} | {figures[0]:.0f} | {figures[1]:.0f} |")
        month = today.replace(day=1)

        def report(u: Any, state: str | None) -> None:
            built = monthly.build(session, u, month, state, catalog, 5, ZONE, today)
            monthly.to_pdf(session, None, built, 5, today.isoformat())

        figures = [timed(lambda: report(national, None), args.repeat),
                   timed(lambda: report(guerrero, "12"), args.repeat)]
        print(f"| informe mensual (construir + PDF) | {figures[0]:.0f} | {figures[1]:.0f} |")
        one = month_filter(month, None)
        built = monthly.build(session, national, one.start, None, catalog, 5, ZONE, today)
        start = time.perf_counter()
        monthly.to_pdf(session, None, built, 5, today.isoformat())
        print(f"| · de ello, maquetar el PDF (WeasyPrint) | {(time.perf_counter() - start) * 1000:.0f} | |")
        db.session.rollback()


if __name__ == "__main__":
    main()
