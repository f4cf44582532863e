"""Every case route, for every role of Chiapas, against a case of Guerrero: refused, audited, nothing shown."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.cases.models import Case
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token

HOME_STATE, FOREIGN_STATE = "07", "12"


def log_in(client, username):
    response = client.post("/login", data={"csrf_token": csrf_token(client), "username": username,
                                           "password": factories.PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_no_case_route_serves_or_shows_a_case_of_another_state(app, client, db, role):
    records = factories.case_foreign_records(db, FOREIGN_STATE)
    user = factories.make_user(db, role=role, states=[HOME_STATE])
    log_in(client, user.username)
    problems = []
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("cases.")]
    assert len(rules) > 12
    for rule in rules:
        url = rule.build({name: records[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in ("GET", "POST"):
            if method not in (rule.methods or ()):
                continue
            data = {"csrf_token": csrf_token(client, "/account/password")} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            body = response.get_data(as_text=True)
            where = f"{method} {url} as {role.value}"
            if response.status_code >= 500 or (rule.arguments and response.status_code != 404):
                problems.append(f"{where}: {response.status_code}")
            leaked = [v for v in factories.CASES_PLANTED if v in body or records["case_id"] in body]
            if leaked:
                problems.append(f"{where}: shows {leaked}")
    assert not problems, "\n".join(problems)
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied",
                                                 AuditEvent.actor_id == user.id)).all()
    assert denied, "refusals are audited"


def test_folio_search_does_not_find_a_case_of_another_state(client, db, login_as):
    records = factories.case_foreign_records(db, FOREIGN_STATE)
    login_as("supervisor", [HOME_STATE])
    folio = db.get(Case, uuid.UUID(records["case_id"])).folio
    response = client.get("/casos/lista", query_string={"folio": folio})
    assert response.status_code == 404 and records["case_id"] not in response.get_data(as_text=True)
