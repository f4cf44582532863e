"""Name search at scale: latency of a name query and recall on realistic misspellings (PostgreSQL).

    python bench/search.py run --database-url URL [--queries 400] [--per-kind 150]

Works on any registry at head, e.g. one filled by `bench/seed.py N` (households, events, cases and
audit through the import's batched path, which also writes the name tokens). Run it with the
registry's own key file (DFI_KEYFILE): the tokens are HMACs under its keys.

Prints p50/p99 of `find_by_name` in-process (SQL + decrypting the names of at most 50 candidates + ranking
+ loading the 10 best whole),
the candidates decrypted, and recall@10 / precision@1 per kind of variant (bench/search_variants.py).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_variants import KINDS, make_variants  # noqa: E402
from seed import BENCH_USER  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from dfi_casos import create_app  # noqa: E402
from dfi_casos.auth import services as accounts  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.registry import name_search  # noqa: E402
from dfi_casos.registry.models import Person  # noqa: E402
from dfi_casos.scope import scoped as scope_query  # noqa: E402


def _sample(session, size: int, rng: random.Random) -> list[tuple]:
    total = session.scalar(select(func.count()).select_from(Person)) or 0
    ids = session.scalars(select(Person.id).order_by(Person.id).offset(rng.randrange(max(total - size, 1)))
                          .limit(size * 3)).all()
    picked = rng.sample(list(ids), min(size, len(ids)))
    persons = name_search.load_persons(session, picked)
    return [(p.id, p.given_names or "", p.first_surname or "", p.second_surname, p.birth_date) for p in persons]


def _server_times(session, sample, scoped) -> list[float]:
    """Execution time of the candidate query as PostgreSQL reports it: the database's share, without queueing."""
    times = []
    for _pid, given, first, _second, _birth in sample:
        tokens = name_search.tokens_of(name_search.NameQuery(given_names=given, first_surname=first))
        stmt = name_search.candidate_statement(tokens, scoped)
        sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        plan = session.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)).scalar_one()  # noqa: S608 - our SQL
        times.append(float(plan[0]["Execution Time"]))
    return times


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(app, queries: int, per_kind: int, seed_value: int) -> None:
    rng = random.Random(seed_value)
    with app.app_context():
        actor = accounts.find_user(db.session, BENCH_USER)
        total = db.session.scalar(select(func.count()).select_from(Person))
        print(f"Registro: {total:,} personas; carga de la máquina: {os.getloadavg()[0]:.1f}")

        def scoped(stmt):
            return scope_query(stmt, Person, actor)

        sample = _sample(db.session, queries, rng)
        timings, cpu, decrypted = [], [], []
        for _pid, given, first, _second, _birth in sample:  # first surname + given name, as typed
            query = name_search.NameQuery(given_names=given, first_surname=first)
            db.session.expunge_all()
            started, started_cpu = time.perf_counter(), time.process_time()
            # what find_by_name does: rank on the names alone, load whole only the 10 kept
            [ranked] = name_search.ranked_candidates(db.session, query, [scoped])
            name_search.load_hits(db.session, ranked[:10], scoped)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            decrypted.append(len(ranked))
        server = _server_times(db.session, sample[:100], scoped)
        print(f"Consulta de candidatos en PostgreSQL (EXPLAIN ANALYZE, 100 búsquedas): p50 "
              f"{_percentile(server, 0.5):.2f} ms, p99 {_percentile(server, 0.99):.2f} ms")
        print(f"Nombre + primer apellido, {len(timings)} búsquedas: p50 {_percentile(timings, 0.5):.1f} ms, "
              f"p99 {_percentile(timings, 0.99):.1f} ms (CPU del proceso: p50 {_percentile(cpu, 0.5):.1f} ms, "
              f"p99 {_percentile(cpu, 0.99):.1f} ms), candidatos descifrados: media "
              f"{statistics.mean(decrypted):.1f}, máximo {max(decrypted)}")

        population = _sample(db.session, max(per_kind * 4, 400), rng)
        variants = make_variants(population, rng, per_kind)
        for with_year in (True, False):
            found, first_hit, by_kind, noise = 0, 0, {k: [0, 0] for k in KINDS}, []
            for variant in variants:
                query = name_search.NameQuery(given_names=variant.given_names, first_surname=variant.first_surname,
                                              second_surname=variant.second_surname,
                                              birth_year=variant.birth_year if with_year else None)
                db.session.expunge_all()
                hits = name_search.find_by_name(db.session, query, scoped, limit=10)
                ids = [h.person.id for h in hits]
                hit = variant.person_id in ids
                found += hit
                first_hit += bool(ids) and ids[0] == variant.person_id
                by_kind[variant.kind][0] += hit
                by_kind[variant.kind][1] += 1
                noise.append(sum(1 for h in hits if h.person.id != variant.person_id and h.score >= 90))
            label = "con año de nacimiento" if with_year else "sin año de nacimiento"
            print(f"Recall@10 {label}: {found / len(variants):.1%} de {len(variants)} variantes; "
                  f"precisión@1 {first_hit / len(variants):.1%}; otros resultados con puntaje ≥ 90 por búsqueda: "
                  f"{statistics.mean(noise):.2f}")
            print("   " + ", ".join(f"{k} {v[0] / v[1]:.0%} ({v[1]})" for k, v in by_kind.items() if v[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--per-kind", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    app = create_app({"ENV_NAME": "development", "DEMO_MODE": False, "DATABASE_URL": args.database_url})
    run(app, args.queries, args.per_kind, args.seed)


if __name__ == "__main__":
    main()
