"""PostgreSQL: with the documented grants, the application's role can append and read the trail, nothing more."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from dfi_casos.security import audit
from dfi_casos.security.audit_cli import app_role_grants

FORBIDDEN = [
    "UPDATE audit_event SET outcome = 'ok'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
]


@pytest.fixture
def app_role(app, backend):
    """A throwaway login role with the documented grants; dropped afterwards (roles are cluster-wide)."""
    url = make_url(app.config["DATABASE_URL"])
    role = f"dfi_app_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        for statement in app_role_grants(role):
            connection.execute(text(statement))
    engine = create_engine(url.set(username=role, password=None))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


@pytest.mark.postgresql
def test_application_role_appends_and_reads_but_cannot_update_or_delete_entries(app, app_role):
    with app_role.connect() as connection, app.app_context():
        transaction = connection.begin()
        session = Session(bind=connection)
        entry = audit.record(session, action=audit.Action.LOGIN)
        assert connection.execute(text("SELECT count(*) FROM audit_event WHERE seq = :seq"),
                                  {"seq": entry.seq}).scalar_one() == 1
        for statement in FORBIDDEN:
            with pytest.raises(ProgrammingError, match="permission denied"), connection.begin_nested():
                connection.execute(text(statement))
        # Other tables keep normal DML.
        connection.execute(text("UPDATE user_account SET failed_logins = failed_logins WHERE id = -1"))
        connection.execute(text("DELETE FROM user_account WHERE id = -1"))
        session.close()
        transaction.rollback()  # nothing of this test stays in the database
