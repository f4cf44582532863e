"""Synthetic registry at scale: N persons in households, with events and cases, through the import's batched path.

    python bench/seed.py N [--database-url URL] [--batch 500] [--bulk]

Each household is written as a field form would submit it and goes through the import's own
checks (`check_submission`) and batched registration (`register_households`): every sensitive
value encrypted, blind-indexed, duplicate-checked against the registry and audited (one entry
per batch). Resumable: households carry the instance id `seed:<seed>:<number>`, each batch
commits, and a rerun continues after the last household written. Prints persons per second.

`--bulk` (for 1,000,000 persons: the import path runs at ~100 persons/s) writes the same rows
with the same functions, minus what only matters for real input: no form parsing
(`check_submission`; the clean values are built directly, valid by construction), no duplicate
look-up against the registry (`find_similar_many`: synthetic persons are new; no duplicate
overrides are recorded), names combined from pools drawn once from Faker instead of a Faker call
per person. Every person still goes through the registry's rule and values (`check_person`,
`person_values`), `insert_values` (field encryption, blind indexes at the key file's bits: 17 for
1,000,000), the name tokens (`refresh_tokens`), consents, a case with its first transition, COPY on
PostgreSQL, and one audit entry per batch: the pages and searches cannot tell the two apart.
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

from sqlalchemy import func, insert, select, text  # noqa: E402

from dfi_casos import create_app  # noqa: E402
from dfi_casos.auth import services as accounts  # noqa: E402
from dfi_casos.auth.models import Role  # noqa: E402
from dfi_casos.catalogs.enums import DisplacementCause, EventType, RelationshipToHead, Stage  # noqa: E402
from dfi_casos.catalogs.geography import STATES  # noqa: E402
from dfi_casos.database import local_today  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.imports import commit as batch_path  # noqa: E402
from dfi_casos.imports.commit import Staged, register_households  # noqa: E402
from dfi_casos.imports.models import ImportedSubmission, ImportJob, JobStatus  # noqa: E402
from dfi_casos.imports.readers import Cell, MemberRow, Submission  # noqa: E402
from dfi_casos.imports.rows import check_submission  # noqa: E402
from dfi_casos.registry import rules as registry_rules  # noqa: E402
from dfi_casos.registry import services as registry  # noqa: E402
from dfi_casos.registry.curp import make_curp  # noqa: E402
from dfi_casos.registry.models import PERSON_NAME_TOKENS, Household, Person  # noqa: E402
from dfi_casos.security.bulk import insert_values  # noqa: E402
from dfi_casos.security.fields import current_keys  # noqa: E402

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


class Pools:
    """Names and phones drawn once from Faker; a person combines them with the household's generator."""

    def __init__(self, seed_value: int, size: int = 4000) -> None:  # 4000: ~1 s of Faker
        fake = Faker("es_MX")
        fake.seed_instance(seed_value)
        self.female = [fake.first_name_female() for _ in range(size)]
        self.male = [fake.first_name_male() for _ in range(size)]
        # two given names half the time, as in the field forms (and more distinct full names)
        self.surnames = sorted({fake.last_name() for _ in range(size * 4)})


def bulk_member(pools: Pools, rng: random.Random, state: str, relationship: str,
                surnames: tuple[str, str] | None, today: date) -> dict[str, Any]:
    """One member as `check_submission` leaves it (clean values): what `member_answers` gives, parsed."""
    sex = rng.choice(["female", "male"])
    names = pools.female if sex == "female" else pools.male
    given = rng.choice(names) if rng.random() < 0.5 else f"{rng.choice(names)} {rng.choice(names)}"
    first, second = surnames if surnames and relationship != "spouse_or_partner" else (
        rng.choice(pools.surnames), rng.choice(pools.surnames))
    age = rng.randint(0, 17) if relationship == "child" else rng.randint(18, 80)
    birth = today - timedelta(days=365 * age + rng.randint(0, 364))
    curp = None
    if rng.random() < 0.7:
        curp = make_curp(first, second, given, birth, "M" if sex == "female" else "H", CURP_CODES[state])
    phone = f"{rng.choice('2345679')}{rng.randrange(10**9):09d}" if relationship == "head" else None
    person = {"given_names": given, "first_surname": first, "second_surname": second, "registered_sex": sex,
              "birth_date": birth.isoformat(), "estimated_age": None, "birth_date_estimated": False, "curp": curp,
              "indigenous": rng.random() < 0.25, "afro_mexican": False, "speaks_spanish": True,
              "indigenous_languages": [], "disability": {}, "specific_needs": [], "documents_held": [],
              "phone": phone, "birth_state_code": None}
    return {"where": "", "person": person, "relationship": relationship,
            "consent": {"registration": True, "statistics": rng.random() < 0.8, "method": "signed", "witness": None}}


def bulk_household(pools: Pools, number: int, seed_value: int, today: date) -> tuple[int, dict[str, Any]]:
    """(event number, clean values) of household `number`: same states, sizes and events as `household_answers`."""
    rng = random.Random(seed_value * 1_000_003 + number)
    event_number = number // HOUSEHOLDS_PER_EVENT
    event_rng = random.Random(f"{seed_value}-{event_number}")
    state = event_rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()))[0]
    size = rng.choices(range(1, 9), weights=SIZE_WEIGHTS)[0]
    head = bulk_member(pools, rng, state, "head", None, today)
    surnames = (head["person"]["first_surname"], head["person"]["second_surname"])
    members = [head] + [bulk_member(pools, rng, state, "spouse_or_partner" if i == 1 else "child", surnames, today)
                        for i in range(1, size)]
    event = {"event_type": EventType.MASS.value,
             "started_on": (date(2026, 1, 1) + timedelta(days=event_rng.randint(0, 300))).isoformat(),
             "origin_state_code": state, "origin_municipality_code": None, "origin_locality": None,
             "causes": [event_rng.choice(list(DisplacementCause)[:6]).value], "cause_other": None}
    return event_number, {"state_code": state, "municipality_code": None, "notes": None,
                          "interview_date": today.isoformat(), "event": event, "members": members}


def bulk_event(session: Any, actor: Any, clean: dict[str, Any]) -> uuid.UUID:
    """The household's event, registered through the typed path (a few thousand per million persons)."""
    event = clean["event"]
    data = registry.EventData(
        event_type=EventType(event["event_type"]), started_on=date.fromisoformat(event["started_on"]),
        origin_state_code=event["origin_state_code"], state_code=clean["state_code"],
        causes=[DisplacementCause(c) for c in event["causes"]], origin_municipality_code=None,
        origin_locality=None, cause_other=None, estimated_households=None, estimated_persons=None)
    return registry.register_event(session, actor, data).id


def bulk_add_household(rows: Any, tokens: list[dict[str, Any]], actor: Any, job: Any, item: Staged,
                       event_id: uuid.UUID, today: date) -> None:
    """`commit._add_household` for a new household, with the name token rows computed here.

    The same steps and functions for the household, each member (`person_data`, `check_person`,
    `person_values`, `insert_values`), the membership and the consents; but the import path also
    builds a transient `Person` per member for `refresh_tokens` (its constructor encrypts every field
    again) and inserts the tokens with executemany: together two thirds of the bulk seed's time. Here
    the same token values (`PERSON_NAME_TOKENS.values_for`, what the flush hook and `refresh_tokens`
    compute) go to a list that `write_tokens` COPYs.
    """
    clean = item.clean
    state = clean["state_code"]
    household_id = uuid.uuid4()
    rows.households.append(insert_values(Household, household_id, {
        "state_code": state, "municipality_code": clean.get("municipality_code"), "event_id": event_id,
        "community_id": None, "notes": clean.get("notes"), "registered_by_id": actor.id}))
    taken_on = date.fromisoformat(clean["interview_date"])
    keys = current_keys()
    owner, token = PERSON_NAME_TOKENS.owner_col.name, PERSON_NAME_TOKENS.token_col.name
    for member in clean["members"]:
        data = batch_path.person_data(member["person"])
        registry_rules.check_person(data, state)
        values = registry_rules.person_values(data)
        person_id = uuid.uuid4()
        rows.fields.update(registry_rules.filled_fields(values))
        rows.persons.append(insert_values(Person, person_id, {**values, "state_code": state,
                                                              "registered_by_id": actor.id}))
        tokens.extend({owner: person_id, token: value} for value in sorted(
            PERSON_NAME_TOKENS.values_for(keys, [values.get(name) for name in PERSON_NAME_TOKENS.inputs])))
        rows.memberships.append({"household_id": household_id, "person_id": person_id,
                                 "relationship_to_head": RelationshipToHead(member["relationship"]),
                                 "present": True, "joined_on": today, "left_on": None, "left_reason": None,
                                 "recorded_by_id": actor.id})
        batch_path._add_consents(rows, actor, person_id, state, member["consent"], taken_on)
    rows.submissions.append({"instance_id": item.instance_id, "household_id": household_id, "job_id": job.id})


def write_tokens(session: Any, tokens: list[dict[str, Any]]) -> None:
    table = PERSON_NAME_TOKENS.table
    if session.connection().dialect.name == "postgresql":
        batch_path._copy(session, table, tokens)
    elif tokens:
        session.execute(insert(table), tokens)


def bulk_seed(app: Any, target_persons: int, batch: int, seed_value: int) -> None:
    """`seed` without form parsing, duplicate look-ups or per-person Faker (see the module's text)."""
    with app.app_context():
        actor = bench_actor(db.session, app.config)
        done_households = db.session.scalar(select(func.count()).select_from(ImportedSubmission).where(
            ImportedSubmission.instance_id.like(f"seed:{seed_value}:%"))) or 0
        done_persons = db.session.scalar(select(func.count()).select_from(Person)) or 0
        job = ImportJob(id=uuid.uuid4(), created_by_id=actor.id, source="bench/seed.py --bulk",
                        status=JobStatus.RUNNING, include_duplicates=True, households_total=0, persons_total=0,
                        households_valid=0, persons_valid=0, households_done=0, persons_done=0, events={},
                        state_codes=[])
        job.duplicate_reason = "carga sintética"
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    print(f"Reanudando: {done_households} hogares y {done_persons} personas ya registrados.")
    pools = Pools(seed_value)
    today = local_today()
    events: dict[int, uuid.UUID] = {}
    started, written, number = time.perf_counter(), 0, done_households
    with click.progressbar(length=target_persons, label="Personas", show_pos=True) as bar:
        bar.update(min(done_persons, target_persons))
        while done_persons + written < target_persons:
            with app.app_context():
                actor = accounts.find_user(db.session, BENCH_USER)
                job = db.session.get(ImportJob, job_id)
                stage = random.Random(number).choices(list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values()))[0]
                rows, tokens = batch_path.Batch(), []
                count = 0
                while len(rows.households) < batch and done_persons + written + count < target_persons:
                    event_number, clean = bulk_household(pools, number, seed_value, today)
                    if event_number not in events:
                        events[event_number] = bulk_event(db.session, actor, clean)
                    bulk_add_household(rows, tokens, actor, job, Staged(f"seed:{seed_value}:{number}", clean),
                                       events[event_number], today)
                    count += len(clean["members"])
                    number += 1
                batch_path._add_cases(db.session, rows, actor, stage, today)
                batch_path._write(db.session, rows)  # rows.named is empty: the tokens are written below
                write_tokens(db.session, tokens)
                batch_path._audit_batch(db.session, actor, job, rows)
                db.session.commit()
                written += len(rows.persons)
                bar.update(len(rows.persons))
                db.session.remove()
    elapsed = time.perf_counter() - started
    rate = written / elapsed if elapsed else 0.0
    print(f"Escritas {written} personas en {number - done_households} hogares en {elapsed:.1f} s: "
          f"{rate:,.0f} personas/s")
    with app.app_context():
        if db.session.connection().dialect.name == "postgresql":
            # freshly loaded tables: without statistics the planner guesses 3 rows and nests loops
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("persons", type=int)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batch", type=int, default=500, help="hogares por transacción")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--bulk", action="store_true",
                        help="sin lectura de formularios, búsqueda de duplicados ni Faker por persona (1M en minutos)")
    args = parser.parse_args()
    overrides = {"ENV_NAME": "development", "DEMO_MODE": False}
    if args.database_url:
        overrides["DATABASE_URL"] = args.database_url
    app = create_app(overrides)
    (bulk_seed if args.bulk else seed)(app, args.persons, args.batch, args.seed)


if __name__ == "__main__":
    main()
