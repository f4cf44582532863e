"""What every page costs before its own work: the account and its session row, read in one statement.

The user loader runs before each page (Flask-Login); the account (active, not revoked) and this
browser's session row (open, unexpired) used to be two statements, now one join. The session row's
`last_seen_at` is written at most once a minute (sessions.TOUCH_EVERY), so a page read within the minute
writes nothing for it. The checks the join replaces are kept by test_sessions_server_side.py.
"""
from __future__ import annotations

from dfi_casos.auth.models import Role, UserSession


def _identity_statements(log) -> list[str]:
    return [s for s in log.statements if "user_account" in s or "user_session" in s]


def test_a_page_reads_the_account_and_its_session_in_one_statement(client, db, login_as, count_statements) -> None:
    login_as(Role.CASEWORKER, ["12"])
    assert client.get("/cuenta/idioma").status_code == 200  # the session row was just touched
    db.expire_all()
    with count_statements() as log:
        assert client.get("/cuenta/idioma").status_code == 200
    identity = _identity_statements(log)
    assert len(identity) == 1, identity
    assert identity[0].startswith("SELECT") and "JOIN user_session" in identity[0]


def test_a_revoked_session_still_signs_the_page_out(client, db, login_as) -> None:
    login_as(Role.CASEWORKER, ["12"])
    assert client.get("/cuenta/idioma").status_code == 200
    for row in db.query(UserSession).all():
        row.ended_at = row.last_seen_at
    db.flush()
    db.expire_all()
    response = client.get("/cuenta/idioma")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
