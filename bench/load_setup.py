"""Prepare a database for bench/load.sh: migrate, seed N persons (0: use it as it is), accounts, sample ids.

Prints shell assignments (USERNAME, CW_USERNAME, PASSWORD, CURP, NAME, CASE_ID, PERSONS) for load.sh
to eval. The accounts are a Guerrero supervisor (case list, dashboard, searches, case page) and a
Guerrero caseworker who owns 25 open cases (Mis casos).
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import current_app  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from bench.seed import bulk_seed  # noqa: E402
from dfi_casos import create_app, migrate  # noqa: E402
from dfi_casos.auth import services as accounts  # noqa: E402
from dfi_casos.auth.models import Role  # noqa: E402
from dfi_casos.cases.models import Case, CaseStatus  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.registry.models import Person  # noqa: E402

USERNAME = "bench.supervisora.gro"
CW_USERNAME = "bench.capturista.gro"
PASSWORD = "medicion de carga con gunicorn"  # noqa: S105 - a throwaway account of a benchmark database
STATE = "12"
MY_CASES = 25


def _account(username: str, full_name: str, role: Role) -> int:
    user = accounts.find_user(db.session, username)
    if user is None:
        user = accounts.create_user(db.session, current_app.config, None, accounts.AccountData(
            username=username, full_name=full_name, email=f"{username}@dfi.local", role=role, is_national=False,
            states=[STATE], password=PASSWORD))
        db.session.commit()
    return int(user.id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("persons", type=int, help="0: no seeding, measure the registry as it is")
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    app = create_app({"ENV_NAME": "development", "DATABASE_URL": args.database_url, "DEMO_MODE": False})
    migrate.upgrade(app, "head")
    if args.persons:
        bulk_seed(app, args.persons, batch=200, seed_value=2026)  # same rows as the import path (see seed.py)
    with app.app_context():
        _account(USERNAME, "Supervisora de medición", Role.SUPERVISOR)
        caseworker = _account(CW_USERNAME, "Capturista de medición", Role.CASEWORKER)
        owned = db.session.scalar(select(func.count()).select_from(Case).where(Case.owner_id == caseworker)) or 0
        if owned < MY_CASES:
            ids = db.session.scalars(select(Case.id).where(Case.state_code == STATE, Case.status == CaseStatus.OPEN)
                                     .order_by(Case.created_at.desc()).limit(MY_CASES)).all()
            db.session.execute(update(Case).where(Case.id.in_(ids)).values(owner_id=caseworker))
            db.session.commit()
        case_id = db.session.scalar(select(Case.id).where(Case.state_code == STATE).order_by(Case.folio).limit(1))
        curp = name = None
        for person in db.session.scalars(select(Person).where(Person.state_code == STATE,
                                                               Person.curp_bidx.is_not(None)).limit(5)):
            curp, name = person.curp, f"{person.given_names} {person.first_surname}"
            if curp:
                break
        persons = db.session.scalar(select(func.count()).select_from(Person))
    for key, value in {"USERNAME": USERNAME, "CW_USERNAME": CW_USERNAME, "PASSWORD": PASSWORD, "CURP": curp or "",
                       "NAME": name or "", "CASE_ID": str(case_id), "PERSONS": str(persons)}.items():
        print(f"{key}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
