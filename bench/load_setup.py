"""Prepare a database for bench/load.sh: migrate, seed N persons, a login account, sample ids.

Prints shell assignments (USERNAME, PASSWORD, CURP, CASE_ID) for load.sh to eval.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from bench.seed import seed  # noqa: E402
from dfi_casos import create_app, migrate  # noqa: E402
from dfi_casos.auth import services as accounts  # noqa: E402
from dfi_casos.auth.models import Role  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402

USERNAME = "bench.supervisora.gro"
PASSWORD = "medicion de carga con gunicorn"  # noqa: S105 - a throwaway account of a benchmark database
STATE = "12"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("persons", type=int)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    app = create_app({"ENV_NAME": "development", "DATABASE_URL": args.database_url, "DEMO_MODE": False})
    migrate.upgrade(app, "head")
    with app.app_context():
        if accounts.find_user(db.session, USERNAME) is None:
            accounts.create_user(db.session, app.config, None, accounts.AccountData(
                username=USERNAME, full_name="Supervisora de medición", email="bench@dfi.local",
                role=Role.SUPERVISOR, is_national=False, states=[STATE], password=PASSWORD))
            db.session.commit()
    seed(app, args.persons, batch=200, seed_value=2026)
    from dfi_casos.cases.models import Case
    from dfi_casos.registry.models import Person

    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.state_code == STATE).limit(1))
        curp = None
        for person in db.session.scalars(select(Person).where(Person.state_code == STATE,
                                                               Person.curp_bidx.is_not(None)).limit(5)):
            curp = person.curp
            if curp:
                break
    print(f"USERNAME={shlex.quote(USERNAME)}")
    print(f"PASSWORD={shlex.quote(PASSWORD)}")
    print(f"CURP={shlex.quote(curp or '')}")
    print(f"CASE_ID={shlex.quote(str(case_id))}")


if __name__ == "__main__":
    main()
