"""Synthetic registry at scale: N persons in households, with events and cases, through the services.

    python bench/seed.py N [--database-url URL] [--batch 200]

Everything goes through the same service layer as the app, so every sensitive value is
encrypted, blind-indexed and audited. Resumable: households are numbered, each batch commits,
and a rerun continues after the last household written. Prints persons per second.
"""
from __future__ import annotations

import argparse
import random
import secrets
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import click
from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dfi_casos import create_app  # noqa: E402
from dfi_casos.auth import services as accounts  # noqa: E402
from dfi_casos.auth.models import Role  # noqa: E402
from dfi_casos.catalogs.enums import (  # noqa: E402
    DisplacementCause,
    EventType,
    RegisteredSex,
    RelationshipToHead,
    Stage,
)
from dfi_casos.catalogs.geography import STATES  # noqa: E402
from dfi_casos.database import local_today  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.registry import services as registry  # noqa: E402
from dfi_casos.registry.curp import make_curp  # noqa: E402
from dfi_casos.registry.models import Household  # noqa: E402

BENCH_USER = "bench.nacional"
#: States with most registered DFI in Mexico weigh more (Guerrero, Chiapas, Michoacán, Oaxaca, ...).
STATE_WEIGHTS = {"12": 20, "07": 18, "16": 12, "20": 10, "25": 8, "32": 6, "08": 6, "14": 5, "28": 5, "15": 4}
#: Household sizes 1..8, roughly Mexico's distribution (mean ≈ 3.6).
SIZE_WEIGHTS = [12, 20, 22, 21, 13, 7, 3, 2]
STAGE_WEIGHTS = {Stage.PREVENTION: 5, Stage.ASSISTANCE: 40, Stage.ATTENTION: 35, Stage.DURABLE_SOLUTIONS: 20}
HOUSEHOLDS_PER_EVENT = 40


def bench_actor(session, config):
    user = accounts.find_user(session, BENCH_USER)
    if user is None:
        user = accounts.create_user(session, config, None, accounts.AccountData(
            username=BENCH_USER, full_name="Carga sintética (bench)", email="bench@dfi.local",
            role=Role.SUPERVISOR, is_national=True, states=[], password=secrets.token_urlsafe(24)))  # never logs in
        session.flush()
    return user


def person_data(fake: Faker, rng: random.Random, state_code: str, relationship: RelationshipToHead,
                head_surnames: tuple[str, str] | None):
    sex = rng.choice([RegisteredSex.FEMALE, RegisteredSex.MALE])
    given = fake.first_name_female() if sex == RegisteredSex.FEMALE else fake.first_name_male()
    first, second = head_surnames if head_surnames and relationship != RelationshipToHead.SPOUSE_OR_PARTNER \
        else (fake.last_name(), fake.last_name())
    age = rng.randint(0, 17) if relationship == RelationshipToHead.CHILD else rng.randint(18, 80)
    birth = local_today() - timedelta(days=365 * age + rng.randint(0, 364))
    state = next(s for s in STATES if s.inegi_code == state_code)
    curp = make_curp(first, second, given, birth, sex.curp_letter, state.curp_code) if rng.random() < 0.7 else None
    return registry.PersonData(
        given_names=given, first_surname=first, second_surname=second, curp=curp, birth_date=birth,
        registered_sex=sex, phone=fake.msisdn()[:10] if relationship == RelationshipToHead.HEAD else None,
        indigenous=rng.random() < 0.25, speaks_spanish=True, birth_state_code=state_code,
    )


#: One Faker for the run (building one costs ~2 ms); reseeded per household so a resumed run
#: writes the same households it would have written.
FAKE = Faker("es_MX")


def household_data(number: int, seed: int, event_id):
    rng = random.Random(seed * 1_000_003 + number)
    fake = FAKE
    fake.seed_instance(seed * 1_000_003 + number)
    state_code = rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()))[0]
    size = rng.choices(range(1, 9), weights=SIZE_WEIGHTS)[0]
    head = person_data(fake, rng, state_code, RelationshipToHead.HEAD, None)
    members = [registry.MemberData(person=head, relationship=RelationshipToHead.HEAD)]
    for index in range(1, size):
        relationship = RelationshipToHead.SPOUSE_OR_PARTNER if index == 1 else RelationshipToHead.CHILD
        person = person_data(fake, rng, state_code, relationship, (head.first_surname, head.second_surname or ""))
        members.append(registry.MemberData(person=person, relationship=relationship))
    return state_code, rng, registry.HouseholdData(state_code=state_code, municipality_code=None, members=members,
                                                   event_id=event_id)


def event_for(session, actor, state_code: str, number: int, cache: dict):
    key = (state_code, number // HOUSEHOLDS_PER_EVENT)
    if key not in cache:
        rng = random.Random(f"{key[0]}-{key[1]}")
        cache[key] = registry.register_event(session, actor, registry.EventData(
            event_type=EventType.MASS, started_on=date(2026, 1, 1) + timedelta(days=rng.randint(0, 300)),
            origin_state_code=state_code, state_code=state_code,
            causes=[rng.choice(list(DisplacementCause)[:6])],
            estimated_households=HOUSEHOLDS_PER_EVENT, estimated_persons=HOUSEHOLDS_PER_EVENT * 4)).id
    return cache[key]


def open_case_for(session, actor, household, rng: random.Random) -> None:
    from dfi_casos.cases import services as cases

    stage = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
    if stage != Stage.DURABLE_SOLUTIONS:
        cases.open_case(session, actor, household, stage=stage)
        return
    # durable solutions is entered only with a supervisor's approval: open in atención and ask for it
    case = cases.open_case(session, actor, household, stage=Stage.ATTENTION)
    cases.request_approval(session, actor, case, Stage.DURABLE_SOLUTIONS, None, "Carga sintética")


def seed(app, target_persons: int, batch: int, seed_value: int) -> None:
    from sqlalchemy import func, select

    with app.app_context():
        actor = bench_actor(db.session, app.config)
        db.session.commit()
        done_households = db.session.scalar(
            select(func.count()).select_from(Household).where(Household.registered_by_id == actor.id)) or 0
        done_persons = db.session.scalar(select(func.count()).select_from(registry.Person)) or 0
    print(f"Reanudando: {done_households} hogares y {done_persons} personas ya registrados.")
    events: dict = {}
    started, written = time.perf_counter(), 0
    number = done_households
    with click.progressbar(length=target_persons, label="Personas", show_pos=True) as bar:
        bar.update(min(done_persons, target_persons))
        while done_persons + written < target_persons:
            with app.app_context():
                actor = accounts.find_user(db.session, BENCH_USER)
                for _ in range(batch):
                    if done_persons + written >= target_persons:
                        break
                    state_code, rng, data = household_data(number, seed_value, None)
                    data.event_id = event_for(db.session, actor, state_code, number, events)
                    try:
                        household = registry.register_household(db.session, actor, data)
                    except registry.DuplicatesFound:
                        household = registry.register_household(db.session, actor, data,
                                                                duplicate_reason="carga sintética")
                    open_case_for(db.session, actor, household, rng)
                    written += len(data.members)
                    bar.update(len(data.members))
                    number += 1
                db.session.commit()
                db.session.remove()
    elapsed = time.perf_counter() - started
    rate = written / elapsed if elapsed else 0.0
    print(f"Escritas {written} personas en {number - done_households} hogares en {elapsed:.1f} s: "
          f"{rate:,.0f} personas/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("persons", type=int)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batch", type=int, default=200, help="hogares por transacción")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    overrides = {"ENV_NAME": "development", "DEMO_MODE": False}
    if args.database_url:
        overrides["DATABASE_URL"] = args.database_url
    app = create_app(overrides)
    seed(app, args.persons, args.batch, args.seed)


if __name__ == "__main__":
    main()
