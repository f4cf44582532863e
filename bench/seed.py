"""Synthetic registry at scale: N persons in households, with events and cases, through the import's batched path.

    python bench/seed.py N [--database-url URL] [--batch 500]

Each household is written as a field form would submit it and goes through the import's own
checks (`check_submission`) and batched registration (`register_households`): every sensitive
value encrypted, blind-indexed, duplicate-checked against the registry and audited (one entry
per batch). Resumable: households carry the instance id `seed:<seed>:<number>`, each batch
commits, and a rerun continues after the last household written. Prints persons per second.
"""
from __future__ import annotations

import argparse
import random
import secrets
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from dfi_casos import create_app  # noqa: E402
from dfi_casos.auth import services as accounts  # noqa: E402
from dfi_casos.auth.models import Role  # noqa: E402
from dfi_casos.catalogs.enums import DisplacementCause, Stage  # noqa: E402
from dfi_casos.catalogs.geography import STATES  # noqa: E402
from dfi_casos.database import local_today  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.imports.commit import Staged, register_households  # noqa: E402
from dfi_casos.imports.models import ImportedSubmission, ImportJob, JobStatus  # noqa: E402
from dfi_casos.imports.readers import Cell, MemberRow, Submission  # noqa: E402
from dfi_casos.imports.rows import check_submission  # noqa: E402
from dfi_casos.registry.curp import make_curp  # noqa: E402
from dfi_casos.registry.models import Person  # noqa: E402

BENCH_USER = "bench.nacional"
#: States with most registered DFI in Mexico weigh more (Guerrero, Chiapas, Michoacán, Oaxaca, ...).
STATE_WEIGHTS = {"12": 20, "07": 18, "16": 12, "20": 10, "25": 8, "32": 6, "08": 6, "14": 5, "28": 5, "15": 4}
#: Household sizes 1..8, roughly Mexico's distribution (mean ≈ 3.6).
SIZE_WEIGHTS = [12, 20, 22, 21, 13, 7, 3, 2]
STAGE_WEIGHTS = {Stage.PREVENTION: 5, Stage.ASSISTANCE: 55, Stage.ATTENTION: 40}
HOUSEHOLDS_PER_EVENT = 40
CURP_CODES = {s.inegi_code: s.curp_code for s in STATES}

#: One Faker for the run (building one costs ~2 ms); reseeded per household so a resumed run
#: writes the same households it would have written.
FAKE = Faker("es_MX")


def bench_actor(session: Any, config: Any) -> Any:
    user = accounts.find_user(session, BENCH_USER)
    if user is None:
        user = accounts.create_user(session, config, None, accounts.AccountData(
            username=BENCH_USER, full_name="Carga sintética (bench)", email="bench@dfi.local",
            role=Role.SUPERVISOR, is_national=True, states=[], password=secrets.token_urlsafe(24)))  # never logs in
        session.flush()
    return user


def member_answers(fake: Faker, rng: random.Random, state: str, relationship: str,
                   surnames: tuple[str, str] | None) -> dict[str, Any]:
    """One person as the field form records them (choice names, ISO dates)."""
    sex = rng.choice(["female", "male"])
    given = fake.first_name_female() if sex == "female" else fake.first_name_male()
    first, second = surnames if surnames and relationship != "spouse_or_partner" else (fake.last_name(),
                                                                                        fake.last_name())
    age = rng.randint(0, 17) if relationship == "child" else rng.randint(18, 80)
    birth = local_today() - timedelta(days=365 * age + rng.randint(0, 364))
    answers = {"nombre": given, "primer_apellido": first, "segundo_apellido": second, "parentesco": relationship,
               "sexo": sex, "conoce_fecha": "si", "fecha_nacimiento": birth.isoformat(),
               "indigena": "si" if rng.random() < 0.25 else "no", "habla_espanol": "si",
               "consentimiento_registro": "si", "consentimiento_estadisticas": "si" if rng.random() < 0.8 else "no",
               "metodo_consentimiento": "signed"}
    if rng.random() < 0.7:
        answers["curp"] = make_curp(first, second, given, birth, "M" if sex == "female" else "H", CURP_CODES[state])
    if relationship == "head":
        answers["telefono"] = fake.msisdn()[:10]
    return answers


def household_answers(number: int, seed: int) -> dict[str, Any]:
    """A household submission: its answers, its members' answers and its instance id (deterministic)."""
    rng = random.Random(seed * 1_000_003 + number)
    FAKE.seed_instance(seed * 1_000_003 + number)
    # a mass event brings its households to one state: the state follows the event
    event_rng = random.Random(f"{seed}-{number // HOUSEHOLDS_PER_EVENT}")
    state = event_rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()))[0]
    size = rng.choices(range(1, 9), weights=SIZE_WEIGHTS)[0]
    head = member_answers(FAKE, rng, state, "head", None)
    members = [head] + [member_answers(FAKE, rng, state, "spouse_or_partner" if i == 1 else "child",
                                       (head["primer_apellido"], head["segundo_apellido"])) for i in range(1, size)]
    answers = {"estado": state, "tipo_evento": "mass", "estado_origen": state,
               "fecha_evento": (date(2026, 1, 1) + timedelta(days=event_rng.randint(0, 300))).isoformat(),
               "causas": event_rng.choice(list(DisplacementCause)[:6]).value}
    return {"uuid": f"seed:{seed}:{number}", "answers": answers, "members": members}


def submission(item: dict[str, Any]) -> Submission:
    def cells(answers: dict[str, Any]) -> dict[str, Cell]:
        return {name: Cell(value) for name, value in answers.items()}

    return Submission(item["uuid"], f"hogar {item['uuid']}", cells(item["answers"]),
                      [MemberRow(f"{item['uuid']}/{i}", cells(m)) for i, m in enumerate(item["members"], start=1)])


def seed(app: Any, target_persons: int, batch: int, seed_value: int) -> None:
    with app.app_context():
        actor = bench_actor(db.session, app.config)
        done_households = db.session.scalar(select(func.count()).select_from(ImportedSubmission).where(
            ImportedSubmission.instance_id.like(f"seed:{seed_value}:%"))) or 0
        done_persons = db.session.scalar(select(func.count()).select_from(Person)) or 0
        job = ImportJob(id=uuid.uuid4(), created_by_id=actor.id, source="bench/seed.py", status=JobStatus.RUNNING,
                        include_duplicates=True, households_total=0, persons_total=0, households_valid=0,
                        persons_valid=0, households_done=0, persons_done=0, events={}, state_codes=[])
        job.duplicate_reason = "carga sintética"
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    print(f"Reanudando: {done_households} hogares y {done_persons} personas ya registrados.")
    catalog = app.extensions["municipalities"]
    started, written, number = time.perf_counter(), 0, done_households
    with click.progressbar(length=target_persons, label="Personas", show_pos=True) as bar:
        bar.update(min(done_persons, target_persons))
        while done_persons + written < target_persons:
            with app.app_context():
                actor = accounts.find_user(db.session, BENCH_USER)
                job = db.session.get(ImportJob, job_id)
                job.stage = random.Random(number).choices(list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values()))[0]
                items = []
                while len(items) < batch and done_persons + written + sum(len(i.clean["members"]) for i in items) \
                        < target_persons:
                    checked = check_submission(submission(household_answers(number, seed_value)), catalog,
                                               local_today())
                    assert checked.ok, checked.issues  # synthetic data is valid by construction
                    items.append(Staged(checked.instance_id, {"where": checked.where, **checked.clean}))
                    number += 1
                result = register_households(db.session, actor, job, items)
                db.session.commit()
                written += len(result.persons)
                bar.update(len(result.persons))
                db.session.remove()
    elapsed = time.perf_counter() - started
    rate = written / elapsed if elapsed else 0.0
    print(f"Escritas {written} personas en {number - done_households} hogares en {elapsed:.1f} s: "
          f"{rate:,.0f} personas/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("persons", type=int)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batch", type=int, default=500, help="hogares por transacción")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    overrides = {"ENV_NAME": "development", "DEMO_MODE": False}
    if args.database_url:
        overrides["DATABASE_URL"] = args.database_url
    app = create_app(overrides)
    seed(app, args.persons, args.batch, args.seed)


if __name__ == "__main__":
    main()
