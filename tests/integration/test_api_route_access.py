"""Every /api/v1 route, for a token of every role of Chiapas with every endpoint group, against Guerrero's records.

Like tests/integration/test_route_access.py (which walks the screens with a browser session and
finds every API route refused with 401): the walk reads `app.url_map`, so an API route added
later is covered without editing this file, and an argument it cannot fill fails the test.
"""
from __future__ import annotations

import pytest

from dfi_casos import scope
from dfi_casos.api import tokens
from dfi_casos.security.access import Role
from tests import factories
from tests.integration.test_route_access import FOREIGN_STATE, HOME_STATE, database_snapshot, url_for_rule

#: A token of every role; the account and the token are of Chiapas.
ROLES = list(Role)


def api_token(db, role: Role, state: str) -> str:
    admin = factories.make_user(db, role=Role.ADMINISTRATOR, states=None)
    account = tokens.create_service_account(db, admin, username=f"svc-walk-{role.value}-{state}",
                                            full_name="Recorrido", email="recorrido@example.org", state_code=state)
    _token, text = tokens.issue_token(db, admin, account, label="recorrido", role=role, state_code=state,
                                      groups=list(tokens.GROUPS), days=1)
    db.commit()  # only releases the test's savepoint: a refused request's rollback keeps the token
    return text


def refused(status: int, loaded: list[tuple[str, str]]) -> bool:
    """Not served: forbidden or not found; a refused body (422, 428, 412) only when no record was loaded."""
    return status in (403, 404) or (status in (412, 422, 428) and not loaded)


@pytest.mark.parametrize("role", ROLES)
def test_no_api_route_serves_records_of_another_state(app, client, db, role):
    records = factories.foreign_records(db, FOREIGN_STATE)
    headers = {"Authorization": f"Bearer {api_token(db, role, HOME_STATE)}", "If-Match": '"1"'}
    loaded: list[tuple[str, str]] = []

    def on_load(object_type: str, object_id: object) -> None:
        loaded.append((object_type, str(object_id)))

    problems: list[str] = []
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")]
    assert any(rule.arguments for rule in rules)
    scope.record_loaded.connect(on_load)
    try:
        for rule in sorted(rules, key=lambda r: r.rule):
            url = url_for_rule(rule, records)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                before = database_snapshot(db) if rule.arguments else None
                loaded.clear()
                response = client.open(url, method=method, headers=headers,
                                       json={} if method in ("POST", "PUT", "PATCH") else None)
                where = f"{method} {url} as {role.value} token"
                text = response.get_data().decode("utf-8", errors="replace")
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                if rule.arguments and not refused(response.status_code, loaded):
                    problems.append(f"{where}: served ({response.status_code}) what it must refuse")
                if before is not None and database_snapshot(db) != before:
                    problems.append(f"{where}: changed data of another territory")
                leaked = [value for value in factories.PLANTED_SENSITIVE if value in text]
                if leaked:
                    problems.append(f"{where}: shows {leaked}")
                if "Set-Cookie" in response.headers:
                    problems.append(f"{where}: set a cookie")
    finally:
        scope.record_loaded.disconnect(on_load)
    assert not problems, "\n".join(problems)
