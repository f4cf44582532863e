"""bench/seed.py --bulk writes what the import's batched path writes: the pages and searches can't tell them apart.

The same household (clean values) goes once through `register_households` and once through the
bulk helpers; every person must carry the same plaintexts, blind index values and name tokens,
the same consents and membership, and be found by the quick search (CURP and name) like an
imported one.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from bench import seed as bench_seed
from dfi_casos.auth.models import Role
from dfi_casos.database import local_today
from dfi_casos.imports import commit as batch_path
from dfi_casos.imports.models import ImportJob, JobStatus
from dfi_casos.registry.models import PERSON_NAME_TOKENS, Consent, Household, HouseholdMembership, Person
from dfi_casos.security.fields import blind_indexes, encrypted_fields
from tests import factories
from tests.conftest import csrf_token


def _job(db: Any, actor: Any) -> ImportJob:
    job = ImportJob(id=uuid.uuid4(), created_by_id=actor.id, source="prueba", status=JobStatus.RUNNING,
                    include_duplicates=True, households_total=0, persons_total=0, households_valid=0,
                    persons_valid=0, households_done=0, persons_done=0, events={}, state_codes=[])
    job.duplicate_reason = "prueba"
    db.add(job)
    db.flush()
    return job


def _bulk(db: Any, actor: Any, job: ImportJob, clean: dict[str, Any], instance: str) -> list[uuid.UUID]:
    rows, tokens = batch_path.Batch(), []
    event_id = bench_seed.bulk_event(db, actor, clean)
    bench_seed.bulk_add_household(rows, tokens, actor, job, batch_path.Staged(instance, clean), event_id, local_today())
    batch_path._add_cases(db, rows, actor, bench_seed.Stage.ASSISTANCE, local_today())
    batch_path._write(db, rows)
    bench_seed.write_tokens(db, tokens)
    batch_path._audit_batch(db, actor, job, rows)
    return [row["id"] for row in rows.persons]


def _person_ids(db: Any, household_id: Any) -> list[uuid.UUID]:
    return list(db.scalars(select(HouseholdMembership.person_id).where(
        HouseholdMembership.household_id == household_id).order_by(HouseholdMembership.id)))


def test_bulk_rows_equal_the_import_path(db) -> None:
    actor = factories.make_user(db, Role.SUPERVISOR, None)
    job = _job(db, actor)
    pools = bench_seed.Pools(7, size=40)
    # a household with a CURP and a phone somewhere (70 % of persons carry a CURP, every head a phone)
    number = next(n for n in range(200) if len(bench_seed.bulk_household(pools, n, 7, local_today())[1]["members"]) > 2
                  and any(m["person"]["curp"] for m in bench_seed.bulk_household(pools, n, 7, local_today())[1]
                          ["members"]))
    _, clean = bench_seed.bulk_household(pools, number, 7, local_today())
    imported = batch_path.register_households(db, actor, job, [batch_path.Staged("a", clean)])
    imported_ids = [row["id"] for row in imported.persons]
    bulk_ids = _bulk(db, actor, job, clean, "b")
    db.flush()
    db.expire_all()
    assert len(bulk_ids) == len(imported_ids) == len(clean["members"])
    fields = [field.name for field in encrypted_fields(Person)]
    indexes = [index.column_attr for index in blind_indexes(Person)]
    ciphertexts = {field.column_attr for field in encrypted_fields(Person)}
    plain = [c.key for c in Person.__table__.columns if c.key not in ciphertexts | set(indexes)
             and c.key not in ("id", "created_at", "updated_at")]
    for a_id, b_id in zip(imported_ids, bulk_ids, strict=True):
        a, b = db.get(Person, a_id), db.get(Person, b_id)
        assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}
        assert {i: getattr(a, i) for i in indexes} == {i: getattr(b, i) for i in indexes}
        assert any(getattr(b, i) is not None for i in indexes)
        assert {c: getattr(a, c) for c in plain} == {c: getattr(b, c) for c in plain}
        tokens = [set(db.scalars(select(PERSON_NAME_TOKENS.token_col).where(PERSON_NAME_TOKENS.owner_col == pid)))
                  for pid in (a_id, b_id)]
        assert tokens[0] and tokens[0] == tokens[1]
        scopes = [sorted(str(c.scope) for c in db.scalars(select(Consent).where(Consent.person_id == pid)))
                  for pid in (a_id, b_id)]
        assert scopes[0] == scopes[1]
    households = [db.scalar(select(HouseholdMembership.household_id).where(HouseholdMembership.person_id == pid))
                  for pid in (imported_ids[0], bulk_ids[0])]
    assert [set(_person_ids(db, h)) for h in households] == [set(imported_ids), set(bulk_ids)]
    assert db.get(Household, households[1]).event_id is not None


def test_bulk_persons_found_by_the_quick_search(client, db, login_as) -> None:
    user = login_as(Role.SUPERVISOR)
    job = _job(db, user)
    pools = bench_seed.Pools(11, size=40)
    number = next(n for n in range(200)
                  if bench_seed.bulk_household(pools, n, 11, local_today())[1]["members"][0]["person"]["curp"])
    _, clean = bench_seed.bulk_household(pools, number, 11, local_today())
    _bulk(db, user, job, clean, "c")
    db.commit()
    head = clean["members"][0]["person"]
    token = csrf_token(client, "/busqueda/")
    for typed in (head["curp"], f"{head['given_names']} {head['first_surname']}"):
        page = client.post("/busqueda/", data={"rapida-csrf_token": token, "buscar": "rapida", "rapida-q": typed})
        assert page.status_code == 200
        assert head["first_surname"] in page.get_data(as_text=True), typed
