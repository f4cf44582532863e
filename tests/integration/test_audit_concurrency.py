"""Concurrent appends from separate connections never fork the chain (advisory lock / BEGIN IMMEDIATE)."""
from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.orm import Session

from dfi_casos.database import make_engine
from dfi_casos.security import audit

WRITERS, APPENDS = 4, 15


def test_concurrent_writers_build_one_unbroken_chain(app):
    engine = make_engine(app.config["DATABASE_URL"])
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with app.app_context():
                for _ in range(APPENDS):
                    with Session(bind=engine) as session, session.begin():
                        audit.record(session, action=audit.Action.VIEW, object_type="person", object_id="p")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        with Session(bind=engine) as session:
            result = audit.verify_chain(session, app.extensions["dfi_keys"].audit_key)
        assert result.ok and result.checked == WRITERS * APPENDS
    finally:
        # These entries were committed for real: remove them so no other test sees them.
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_event"))
        engine.dispose()
