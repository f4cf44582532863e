"""The main flows leave their audit entries, and no credential or personal value in entries or logs."""
from __future__ import annotations

import json
import logging

from sqlalchemy import select

from dfi_casos.security import audit
from dfi_casos.security.audit import Action, AuditEvent
from tests import factories
from tests.conftest import csrf_token

WRONG_PASSWORD = "frase-secreta-equivocada-7731"
NEW_PASSWORD = "contraseña-de-la-cuenta-nueva-5521"
NEW_FULL_NAME = "Eulalia Confidencial Ramírez"
NEW_EMAIL = "eulalia.confidencial@prueba.gob.mx"
SEARCH_TERM = "Juana Buscada Hernández"


def post_login(client, username, password):
    return client.post("/login", data={"csrf_token": csrf_token(client), "username": username, "password": password})


def run_main_flows(client, db):
    admin = factories.make_user(db, role="administrator", states=None)
    auditor = factories.make_user(db, role="auditor", states=None)
    assert post_login(client, admin.username, WRONG_PASSWORD).status_code == 401
    for _ in range(5):
        post_login(client, "sin.cuenta", WRONG_PASSWORD)
    assert post_login(client, admin.username, factories.PASSWORD).status_code == 302
    token = csrf_token(client, "/admin/users/new")
    created = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "eulalia.nueva", "full_name": NEW_FULL_NAME, "email": NEW_EMAIL,
        "role": "caseworker", "states": ["12"], "active": "y", "password": NEW_PASSWORD})
    assert created.status_code == 302
    account = db.scalars(select(audit.AuditEvent).where(AuditEvent.action == Action.USER_CREATE)
                         .order_by(AuditEvent.seq.desc())).first()
    client.get(f"/admin/users/{account.object_id}")
    client.post("/logout", data={"csrf_token": token})
    # A service that searched by name would record only the kind and the results.
    audit.record_search(db, admin, "person_by_name", ["id-1", "id-2"])
    assert post_login(client, auditor.username, factories.PASSWORD).status_code == 302
    client.get(f"/auditoria/?actor={admin.id}&action=login")
    client.get(f"/auditoria/usuario/{admin.id}")
    client.get("/auditoria/exportar")
    client.post("/auditoria/cadena", data={"csrf_token": csrf_token(client, "/auditoria/cadena")})


def stored_text(entry):
    """Every column as text, with JSON escapes undone so accented values would show as themselves."""
    values = [str(getattr(entry, column.key)) for column in AuditEvent.__table__.columns]
    return " ".join(values) + " " + json.dumps(json.loads(entry.details), ensure_ascii=False)


def test_main_flows_leave_their_entries(client, db):
    run_main_flows(client, db)
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {Action.LOGIN, Action.LOGIN_FAILED, Action.LOGOUT, Action.USER_CREATE, Action.VIEW, Action.SEARCH,
            Action.AUDIT_VIEW, Action.AUDIT_EXPORT, Action.AUDIT_VERIFY} <= actions


def test_no_credential_personal_value_or_search_term_in_entries_or_logs(client, db, caplog):
    caplog.set_level(logging.DEBUG)
    run_main_flows(client, db)
    secrets = [WRONG_PASSWORD, NEW_PASSWORD, factories.PASSWORD, NEW_FULL_NAME, NEW_EMAIL, SEARCH_TERM]
    entries = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert len(entries) > 10
    for entry in entries:
        stored = stored_text(entry)
        assert not [s for s in secrets if s.lower() in stored.lower()], f"entrada {entry.seq}: {stored}"
    logged = caplog.text.lower()
    assert not [s for s in secrets if s.lower() in logged]
