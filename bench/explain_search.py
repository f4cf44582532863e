"""EXPLAIN (ANALYZE, BUFFERS) of every statement the quick search sends for a CURP and for a name (PostgreSQL).

    python bench/explain_search.py --database-url URL [--state 12]

As a supervisor of the state (bench/load_setup.py's account), takes a CURP and a name of a person
of that state, runs `registry.finder.find` once to warm, then once recording each statement, and
prints each statement with its plan (actual rows, time, buffers). For docs/performance.md.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, select  # noqa: E402

from bench.load_setup import STATE, USERNAME, _account  # noqa: E402
from dfi_casos import create_app  # noqa: E402
from dfi_casos.auth import services as accounts  # noqa: E402
from dfi_casos.auth.models import Role  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.registry import finder  # noqa: E402
from dfi_casos.registry.models import Person  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    app = create_app({"ENV_NAME": "development", "DATABASE_URL": args.database_url, "DEMO_MODE": False})
    with app.app_context():
        _account(USERNAME, "Supervisora de medición", Role.SUPERVISOR)
        user = accounts.find_user(db.session, USERNAME)
        person = db.session.scalars(select(Person).where(Person.state_code == STATE, Person.curp_bidx.is_not(None))
                                    .order_by(Person.id).limit(1)).one()
        for label, typed in (("CURP", person.curp), ("nombre", f"{person.given_names} {person.first_surname}")):
            finder.find(db.session, user, finder.interpret(typed))  # warm
            seen: list[tuple[str, Any]] = []

            def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool,
                       seen: list[tuple[str, Any]] = seen) -> None:
                seen.append((statement, parameters))

            connection = db.session.connection()
            event.listen(connection.engine, "before_cursor_execute", record)
            try:
                outcome = finder.find(db.session, user, finder.interpret(typed))
            finally:
                event.remove(connection.engine, "before_cursor_execute", record)
            print(f"\n## búsqueda por {label}: {len(outcome.hits)} visibles, {outcome.hidden} fuera del alcance,"
                  f" {len(seen)} sentencias")
            for statement, parameters in seen:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                print("\n```\n" + " ".join(statement.split())[:600])
                rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
                print("\n".join(row[0] for row in rows) + "\n```")
        db.session.rollback()


if __name__ == "__main__":
    main()
