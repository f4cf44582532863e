"""Households (with members), events and communities over /api/v1: the registry's services, scope and locks."""
from __future__ import annotations

from typing import Any

from tests import factories
from tests.integration.test_api_core import bearer, make_token


def test_register_a_household_with_members_then_read_and_update_it(client: Any, db: Any) -> None:
    _token, text = make_token(db, "12")
    created = client.post("/api/v1/hogares", headers=bearer(text), json={
        "state_code": "12", "notes": "Llegaron en camión",
        "members": [{"person": {"given_names": "Rosa", "first_surname": "Luna"}, "relationship": "head"},
                    {"person": {"given_names": "Iván", "first_surname": "Luna"}, "relationship": "child"}]})
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["size"] == 2 and {m["given_names"] for m in body["members"]} == {"Rosa", "Iván"}
    read = client.get(created.headers["Location"], headers=bearer(text))
    assert read.status_code == 200 and read.get_json()["notes"] == "Llegaron en camión"
    changed = client.put(created.headers["Location"], headers={**bearer(text), "If-Match": read.headers["ETag"]},
                         json={"state_code": "12", "notes": "Actualizado"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.get_json()["notes"] == "Actualizado"
    again = client.put(created.headers["Location"], headers={**bearer(text), "If-Match": read.headers["ETag"]},
                       json={"state_code": "12", "notes": "Pisaría el cambio"})
    assert again.status_code == 412
    listed = client.get("/api/v1/hogares", headers=bearer(text)).get_json()
    assert body["id"] in {item["id"] for item in listed["items"]}


def test_a_household_needs_exactly_one_head(client: Any, db: Any) -> None:
    _token, text = make_token(db, "12")
    response = client.post("/api/v1/hogares", headers=bearer(text), json={
        "state_code": "12", "members": [{"person": {"given_names": "A", "first_surname": "B"},
                                         "relationship": "child"}]})
    assert response.status_code == 422 and "members" in response.get_json()["fields"]


def test_events_and_communities_round_trip_and_stay_in_their_state(client: Any, db: Any) -> None:
    _token, text = make_token(db, "12")
    event = client.post("/api/v1/eventos", headers=bearer(text), json={
        "event_type": "mass", "started_on": "2026-01-10", "origin_state_code": "12", "state_code": "12",
        "causes": ["generalized_violence"], "narrative": "Amenazas"})
    assert event.status_code == 201, event.get_data(as_text=True)
    community = client.post("/api/v1/comunidades", headers=bearer(text), json={
        "name": "El Durazno", "kind": "locality", "state_code": "12", "event_ids": [event.get_json()["id"]]})
    assert community.status_code == 201, community.get_data(as_text=True)
    assert community.get_json()["event_ids"] == [event.get_json()["id"]]
    listed = client.get("/api/v1/eventos", headers=bearer(text)).get_json()["items"]
    assert listed and all("narrative" not in item for item in listed)
    foreign = factories.make_event(db, state="07")
    assert client.get(f"/api/v1/eventos/{foreign.id}", headers=bearer(text)).status_code == 404
    read = client.get(community.headers["Location"], headers=bearer(text))
    updated = client.put(community.headers["Location"], headers={**bearer(text), "If-Match": read.headers["ETag"]},
                         json={"name": "El Durazno Viejo", "kind": "locality", "state_code": "12"})
    assert updated.status_code == 200 and updated.get_json()["event_ids"] == []
