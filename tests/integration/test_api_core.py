"""The JSON API's foundation (#21): bearer tokens of service accounts, the envelope, ETag/If-Match, cursors."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dfi_casos.api import tokens
from dfi_casos.api.models import ApiToken
from dfi_casos.auth.models import User
from dfi_casos.database import utcnow
from dfi_casos.security.access import Role
from dfi_casos.security.audit import AuditEvent
from tests import factories

ALL_GROUPS = list(tokens.GROUPS)


def make_token(db: Any, state: str = "12", role: Role = Role.SUPERVISOR, groups: list[str] | None = None,
               days: int = 30) -> tuple[ApiToken, str]:
    admin = factories.make_user(db, role=Role.ADMINISTRATOR, states=None)
    account = tokens.create_service_account(db, admin, username=f"svc-{state}-{secrets.token_hex(4)}",
                                            full_name="Kobo", email="kobo@example.org", state_code=state)
    issued = tokens.issue_token(db, admin, account, label="Kobo", role=role, state_code=state,
                                groups=ALL_GROUPS if groups is None else groups, days=days)
    db.commit()  # only releases the test's savepoint: a refused request's rollback keeps the token
    return issued


def bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


def test_openapi_document_is_public_3_1_and_lists_persons(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/personas/{person_id}" in document["paths"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "set-cookie" not in {k.lower() for k in response.headers.keys()}
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/personas" in page.get_data(as_text=True)


def test_a_call_without_a_valid_token_is_401_in_the_envelope(client: Any, db: Any) -> None:
    for headers in ({}, bearer("nope"), bearer("dfi_0123456789ab_" + "a" * 43)):
        response = client.get("/api/v1/personas", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["code"] == "unauthorized"
        assert "Set-Cookie" not in response.headers


def test_token_reads_its_state_only_and_every_read_is_audited_under_the_account(client: Any, db: Any) -> None:
    token, text = make_token(db, "12")
    mine = factories.make_person(db, state="12")
    theirs = factories.make_person(db, state="07")
    listed = client.get("/api/v1/personas", headers=bearer(text))
    assert listed.status_code == 200, listed.get_data(as_text=True)
    ids = {item["id"] for item in listed.get_json()["items"]}
    assert str(mine.id) in ids and str(theirs.id) not in ids
    read = client.get(f"/api/v1/personas/{mine.id}", headers=bearer(text))
    assert read.status_code == 200 and read.headers["ETag"] == f'"{mine.version}"'
    assert read.get_json()["given_names"] == mine.given_names
    assert "Set-Cookie" not in read.headers
    foreign = client.get(f"/api/v1/personas/{theirs.id}", headers=bearer(text))
    assert foreign.status_code == 404 and foreign.get_json()["code"] == "not_found"
    entries = db.scalars(select(AuditEvent).where(AuditEvent.actor_id == token.account_id)).all()
    actions = [(e.action, e.object_type, e.object_id) for e in entries]
    assert ("view", "person", str(mine.id)) in actions
    assert ("access_denied", "person", str(theirs.id)) in actions


def test_token_group_and_role_are_enforced(client: Any, db: Any) -> None:
    _token, text = make_token(db, "12", groups=["cases:read"])
    assert client.get("/api/v1/personas", headers=bearer(text)).get_json()["code"] == "forbidden_group"
    _token, text = make_token(db, "12", role=Role.AUDITOR, groups=["registry:read"])
    response = client.get("/api/v1/personas", headers=bearer(text))
    assert response.status_code == 403 and response.get_json()["code"] == "forbidden_role"


def test_revoked_and_expired_tokens_are_refused(client: Any, db: Any) -> None:
    token, text = make_token(db, "12")
    assert client.get("/api/v1/personas", headers=bearer(text)).status_code == 200
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    assert client.get("/api/v1/personas", headers=bearer(text)).status_code == 401
    token.expires_at = utcnow() + timedelta(days=1)
    admin = factories.make_user(db, role=Role.ADMINISTRATOR, states=None)
    tokens.revoke_token(db, admin, token.id)
    assert client.get("/api/v1/personas", headers=bearer(text)).status_code == 401


def test_the_secret_is_stored_hashed_only(db: Any) -> None:
    token, text = make_token(db, "12")
    secret = text[len(f"dfi_{token.prefix}_"):]
    assert token.secret_hash == tokens.secret_hash(secret) and secret not in token.secret_hash
    assert text.startswith(f"dfi_{token.prefix}_")


def test_an_api_token_opens_no_html_screen_and_a_service_account_cannot_log_in(client: Any, db: Any) -> None:
    token, text = make_token(db, "12")
    response = client.get("/registro/personas", headers=bearer(text))
    assert response.status_code == 302 and "/login" in response.location
    account = db.get(User, token.account_id)
    login = client.post("/login", data={"csrf_token": _csrf(client), "username": account.username,
                                        "password": factories.PASSWORD})
    assert login.status_code != 302


def _csrf(client: Any) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client)


def test_update_needs_if_match_and_refuses_a_stale_one(client: Any, db: Any) -> None:
    _token, text = make_token(db, "12")
    person = factories.make_person(db, state="12")
    read = client.get(f"/api/v1/personas/{person.id}", headers=bearer(text))
    body = {k: v for k, v in read.get_json().items()
            if k in ("given_names", "first_surname", "second_surname", "birth_date")}
    body["given_names"] = "Otra"
    missing = client.put(f"/api/v1/personas/{person.id}", json=body, headers=bearer(text))
    assert missing.status_code == 428 and missing.get_json()["code"] == "precondition_required"
    stale = client.put(f"/api/v1/personas/{person.id}", json=body,
                       headers={**bearer(text), "If-Match": f'"{person.version + 5}"'})
    assert stale.status_code == 412 and stale.get_json()["code"] == "stale"
    saved = client.put(f"/api/v1/personas/{person.id}", json=body,
                       headers={**bearer(text), "If-Match": read.headers["ETag"]})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json()["given_names"] == "Otra" and saved.headers["ETag"] != read.headers["ETag"]


def test_invalid_body_answers_422_with_field_errors(client: Any, db: Any) -> None:
    _token, text = make_token(db, "12")
    response = client.post("/api/v1/personas", json={"given_names": ""}, headers=bearer(text))
    assert response.status_code == 422
    assert {"given_names", "first_surname", "state_code"} <= set(response.get_json()["fields"])


def test_create_person_then_read_it_back(client: Any, db: Any) -> None:
    _token, text = make_token(db, "12")
    created = client.post("/api/v1/personas", headers=bearer(text), json={
        "given_names": "Ana", "first_surname": "Pérez", "state_code": "12", "registered_sex": "female"})
    assert created.status_code == 201, created.get_data(as_text=True)
    read = client.get(created.headers["Location"], headers=bearer(text))
    assert read.status_code == 200 and read.get_json()["first_surname"] == "Pérez"
    foreign = client.post("/api/v1/personas", headers=bearer(text), json={
        "given_names": "Ana", "first_surname": "Pérez", "state_code": "07"})
    assert foreign.status_code == 422 and "state_code" in foreign.get_json()["fields"]


def test_cursor_pages_have_no_total_and_tampered_cursors_are_refused(client: Any, db: Any) -> None:
    _token, text = make_token(db, "12")
    for _ in range(3):
        factories.make_person(db, state="12")
    first = client.get("/api/v1/personas?limit=2", headers=bearer(text)).get_json()
    assert set(first) == {"items", "next_cursor"} and len(first["items"]) == 2 and first["next_cursor"]
    second = client.get(f"/api/v1/personas?limit=2&cursor={first['next_cursor']}", headers=bearer(text))
    assert second.status_code == 200
    seen = {i["id"] for i in first["items"]} & {i["id"] for i in second.get_json()["items"]}
    assert not seen
    bad = client.get(f"/api/v1/personas?limit=3&cursor={first['next_cursor']}", headers=bearer(text))
    assert bad.status_code == 422 and bad.get_json()["code"] == "invalid"


@pytest.mark.usefixtures("rate_limits_on")
def test_each_token_is_rate_limited(client: Any, db: Any, app: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    _token, text = make_token(db, "12")
    statuses = [client.get("/api/v1/personas", headers=bearer(text)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.get("/api/v1/personas", headers=bearer(text))
    assert limited.get_json()["code"] == "rate_limited" and "Retry-After" in limited.headers
    _other, other_text = make_token(db, "12")
    assert client.get("/api/v1/personas", headers=bearer(other_text)).status_code == 200


def test_schema_names_are_unique_across_the_api() -> None:
    """The document names schemas by class name (clients generate classes from them): no two may share one."""
    import sys
    from collections import defaultdict

    from pydantic import BaseModel

    import dfi_casos.api as api

    for name in api.ENDPOINT_MODULES:
        __import__(name)
    owners: dict[str, set[str]] = defaultdict(set)
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("dfi_casos.api"):
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module_name:
                    owners[value.__name__].add(module_name)
    assert {name: mods for name, mods in owners.items() if len(mods) > 1} == {}


@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/", "/api/v1/no-existe", "/api/v1/personas/x/y/z"])
def test_a_path_under_the_prefix_that_matches_no_route_is_a_json_404(client: Any, db: Any, path: str) -> None:
    # Unmatched URLs belong to no blueprint: without the app-level claim they reached the login redirect,
    # whose session (a null one on /api/v1) refused to be written: a 500 in HTML.
    for headers in ({}, bearer(make_token(db))):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.is_json and response.get_json()["code"] == "not_found"
        assert "Set-Cookie" not in response.headers


def test_a_method_a_route_does_not_take_is_a_json_405(client: Any, db: Any) -> None:
    response = client.delete("/api/v1/openapi.json", headers=bearer(make_token(db)))
    assert response.status_code == 405
    assert response.is_json and response.get_json()["message"]
