"""Keyset cursors of the API lists (#21): a page starts after the last row's sort key, whatever came in meanwhile."""
from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dfi_casos.api.common import seal_cursor
from tests import factories
from tests.integration.api_support import api_token

REGISTRY_GROUPS = ("registry:read", "registry:write", "cases:read")
SAME_MOMENT = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)

#: path -> a factory of one record of the list, in Guerrero.
LISTS: dict[str, Any] = {
    "/api/v1/personas": lambda db: factories.make_person(db, state="12"),
    "/api/v1/hogares": lambda db: factories.make_household(db, state="12", members=1),
    "/api/v1/eventos": lambda db: factories.make_event(db, state="12"),
    "/api/v1/comunidades": lambda db: factories.make_community(db, state="12"),
    "/api/v1/casos": lambda db: factories.make_case(db, state="12"),
    "/api/v1/casos?sort=dias": lambda db: factories.make_case(db, state="12"),
    "/api/v1/casos?sort=folio": lambda db: factories.make_case(db, state="12"),
}


def _walk(client: FlaskClient, path: str, headers: dict[str, str], limit: int) -> list[list[str]]:
    """Every page of a list, following next_cursor: the ids of each page."""
    pages: list[list[str]] = []
    cursor: str | None = None
    separator = "&" if "?" in path else "?"
    while True:
        url = f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor must move forward"


@pytest.mark.parametrize("path", list(LISTS))
def test_walking_every_page_returns_each_row_once(client: FlaskClient, db: Session, path: str) -> None:
    records = [LISTS[path](db) for _ in range(5)]
    for record in records[:3]:
        # Rows that share the first sort key: the id alone orders them, and no page boundary loses one.
        record.created_at = SAME_MOMENT
    db.flush()
    headers, _account = api_token(db, groups=REGISTRY_GROUPS)
    pages = _walk(client, path, headers, limit=2)
    walked = [item for page in pages for item in page]
    assert len(walked) == len(set(walked)) == 5
    assert set(walked) == {str(r.id) for r in records}
    assert walked == _walk(client, path, headers, limit=100)[0], "pages follow the list's own order"


@pytest.mark.parametrize("path", ["/api/v1/personas", "/api/v1/comunidades", "/api/v1/casos"])
def test_a_row_inserted_before_the_cursor_neither_repeats_nor_hides_a_row(client: FlaskClient, db: Session,
                                                                          path: str) -> None:
    make = LISTS[path]
    before = [make(db) for _ in range(4)]
    headers, _account = api_token(db, groups=REGISTRY_GROUPS)
    first = client.get(f"{path}?limit=2", headers=headers).get_json()
    # Newest first (or "Comunidad 0..." by name): the new row sorts before the rows already shown.
    inserted = make(db) if path != "/api/v1/comunidades" else factories.make_community(db, state="12", name="AAA")
    db.commit()
    rest = client.get(f"{path}?limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    last = client.get(f"{path}?limit=2&cursor={rest['next_cursor']}", headers=headers).get_json() \
        if rest["next_cursor"] else {"items": [], "next_cursor": None}
    walked = [i["id"] for i in first["items"] + rest["items"] + last["items"]]
    assert sorted(walked) == sorted(str(r.id) for r in before), "each earlier row exactly once"
    assert str(inserted.id) not in walked and last["next_cursor"] is None


def _forged(app: Flask, payload: Any) -> str:
    """A cursor sealed with the app's key around a payload the API never writes."""
    with app.app_context():
        return seal_cursor(payload)


def test_tampered_foreign_and_malformed_cursors_answer_the_envelope(client: FlaskClient, db: Session,
                                                                     app: Flask) -> None:
    for _ in range(3):
        factories.make_person(db, state="12")
    headers, _account = api_token(db, groups=REGISTRY_GROUPS)
    cursor = client.get("/api/v1/personas?limit=1", headers=headers).get_json()["next_cursor"]
    naive = {"k": "persons", "l": 1, "a": [["t", "2026-01-01T00:00:00"], ["u", "0" * 32]]}
    recent_cases = client.get("/api/v1/casos?limit=1", headers=headers).get_json()["next_cursor"] or cursor
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    refused = [
        f"/api/v1/personas?limit=1&cursor={tampered}",
        f"/api/v1/hogares?limit=1&cursor={cursor}",  # another list's cursor
        f"/api/v1/personas?limit=1&cursor={_forged(app, {'k': 'persons', 'l': 1, 'a': [['t', 'ayer'], ['u', 'x']]})}",
        f"/api/v1/personas?limit=1&cursor={_forged(app, {'k': 'persons', 'l': 1, 'a': [['q', 1], ['u', 2]]})}",
        f"/api/v1/personas?limit=1&cursor={_forged(app, {'k': 'persons', 'l': 1, 'a': 'todo'})}",
        f"/api/v1/personas?limit=1&cursor={_forged(app, ['persons', 1])}",
        f"/api/v1/personas?limit=1&cursor={_forged(app, naive)}",
        f"/api/v1/casos?limit=1&sort=folio&cursor={recent_cases}",  # a cursor of another order
    ]
    for url in refused:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 422, (url, answer.get_data(as_text=True))
        body = answer.get_json()
        assert body["code"] == "invalid" and "cursor" in body["fields"]


def test_the_openapi_document_describes_the_cursor(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/personas", "/api/v1/hogares", "/api/v1/eventos", "/api/v1/comunidades", "/api/v1/casos"):
        parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        assert "next_cursor" in parameters["cursor"]["description"], path
        assert "limit" in parameters


def test_a_cursor_does_not_show_its_sort_key(client: FlaskClient, db: Session) -> None:
    """Communities are listed by name: the cursor carries the last name shown, encrypted (cursors go in URLs)."""
    for name in ("Comunidad Cursor Alfa", "Comunidad Cursor Beta"):
        factories.make_community(db, state="12", name=name)
    headers, _account = api_token(db, groups=REGISTRY_GROUPS)
    cursor = client.get("/api/v1/comunidades?limit=1", headers=headers).get_json()["next_cursor"]
    assert cursor
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert b"Comunidad" not in raw and b"Cursor" not in raw and b"persons" not in raw
    assert b"communities" not in raw
