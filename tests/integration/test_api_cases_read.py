"""Case endpoints, reading: list with cursor and filters, one case as its page, services, referrals (#21)."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dfi_casos.cases import services
from dfi_casos.catalogs.enums import AssistanceType, ServiceStatus, Stage
from dfi_casos.security import access
from dfi_casos.security.access import Permission, Role
from tests import factories
from tests.integration.api_support import api_token, audit_entries


@pytest.fixture
def case_with_records(db: Session) -> object:
    """An open case of Guerrero with a service (with notes) and a referral sent with consent."""
    owner = factories.make_user(db, Role.CASEWORKER, ["12"])
    household = factories.make_case_household(db, owner, "12")
    case = factories.make_case(db, owner, household=household)
    institution = factories.make_institution(db, "Instituto de Vivienda")
    head = factories.household_head(household)
    factories.make_sharing_consent(db, head, institution, owner)
    services.add_service(db, owner, case, assistance_type=AssistanceType.FOOD, provided_on=date(2026, 11, 2),
                         status=ServiceStatus.DELIVERED, notes="despensa entregada en el albergue")
    services.add_referral(db, owner, case, institution_id=institution.id, need=AssistanceType.SHELTER,
                          due_on=date.today() + timedelta(days=10), notes="urge vivienda temporal")
    db.flush()
    return case


def test_read_case_as_its_page_shows_it(client: FlaskClient, db: Session, case_with_records: object) -> None:
    case = case_with_records
    headers, account = api_token(db)
    answer = client.get(f"/api/v1/casos/{case.id}", headers=headers)  # type: ignore[attr-defined]
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert answer.headers["ETag"] == f'"{case.version}"'  # type: ignore[attr-defined]
    assert body["folio"] == case.folio and body["version"] == case.version  # type: ignore[attr-defined]
    assert body["stage"] == "assistance" and body["subject_type"] == "household"
    assert body["subject"].startswith("Hogar de Juana Prueba")
    assert [s["notes"] for s in body["services"]] == ["despensa entregada en el albergue"]
    assert body["services"][0]["assistance_type"] == "food" and body["services"][0]["next_statuses"] == []
    assert body["referrals"][0]["institution"] == "Instituto de Vivienda"
    assert body["referrals"][0]["text"] == "urge vivienda temporal"
    assert [e["kind"] for e in body["history"]].count("stage") == 1
    # A supervisor's token may act on the case: the page's next actions are offered.
    assert "request_approval" in body["next_actions"] and "assign" in body["next_actions"]
    # The same "view" audit entry as the case page, under the token's service account.
    views = [e for e in audit_entries(db, account.id, "view") if e.object_id == str(case.id)]  # type: ignore[attr-defined]
    assert len(views) == 1
    fields = json.loads(views[0].details)["fields"]
    assert "case_service.notes" in fields and "person.given_names" in fields


def test_list_pages_with_a_cursor_and_filters(client: FlaskClient, db: Session) -> None:
    owner = factories.make_user(db, Role.CASEWORKER, ["12"])
    cases = [factories.make_case(db, owner) for _ in range(3)]
    services.change_stage(db, owner, cases[0], Stage.ATTENTION)
    factories.make_case(db, state="16")  # Michoacán: never listed for a Guerrero token
    headers, account = api_token(db)
    first = client.get("/api/v1/casos?limit=2", headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    page = first.get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    second = client.get(f"/api/v1/casos?limit=2&cursor={page['next_cursor']}", headers=headers).get_json()
    listed = {item["folio"] for item in page["items"] + second["items"]}
    assert listed == {c.folio for c in cases} and second["next_cursor"] is None
    assert "total" not in page
    attention = client.get("/api/v1/casos?stage=attention", headers=headers).get_json()
    assert [item["folio"] for item in attention["items"]] == [cases[0].folio]
    by_folio = client.get(f"/api/v1/casos?folio={cases[1].folio.lower()}", headers=headers).get_json()
    assert [item["id"] for item in by_folio["items"]] == [str(cases[1].id)]
    assert audit_entries(db, account.id, "view"), "a list that shows names writes a view entry"
    assert client.get("/api/v1/casos?flag=cualquiera", headers=headers).get_json()["items"] == []


def test_cursor_of_another_size_and_bad_filters_answer_422_with_fields(client: FlaskClient, db: Session) -> None:
    owner = factories.make_user(db, Role.CASEWORKER, ["12"])
    for _ in range(2):
        factories.make_case(db, owner)
    headers, _account = api_token(db)
    cursor = client.get("/api/v1/casos?limit=1", headers=headers).get_json()["next_cursor"]
    refused = client.get(f"/api/v1/casos?limit=5&cursor={cursor}", headers=headers)
    assert refused.status_code == 422 and refused.get_json()["code"] == "invalid"
    assert "cursor" in refused.get_json()["fields"]
    bad = client.get("/api/v1/casos?stage=nowhere&state=Guerrero", headers=headers)
    assert bad.status_code == 422
    assert {"stage", "state"} <= set(bad.get_json()["fields"])


def test_case_of_another_state_is_404_and_audited(client: FlaskClient, db: Session) -> None:
    foreign = factories.make_case(db, state="16")
    headers, account = api_token(db, state="12")
    for path in (f"/api/v1/casos/{foreign.id}", f"/api/v1/casos/{foreign.id}/servicios",
                 f"/api/v1/casos/{foreign.id}/canalizaciones", "/api/v1/casos/no-es-un-id"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404, path
        assert answer.get_json()["code"] == "not_found"
        assert foreign.folio not in answer.get_data(as_text=True)
    denied = audit_entries(db, account.id, "access_denied")
    assert any(e.object_id == str(foreign.id) for e in denied)
    listed = client.get("/api/v1/casos", headers=headers).get_json()
    assert foreign.folio not in {item["folio"] for item in listed["items"]}


def test_token_without_the_group_or_the_role_is_403_and_no_token_401(client: FlaskClient, db: Session,
                                                                     case_with_records: object) -> None:
    case = case_with_records
    path = f"/api/v1/casos/{case.id}"  # type: ignore[attr-defined]
    indicators_only, _a = api_token(db, groups=("indicators:read",))
    answer = client.get(path, headers=indicators_only)
    assert answer.status_code == 403 and answer.get_json()["code"] == "forbidden_group"
    auditor, _b = api_token(db, role=Role.AUDITOR, groups=("cases:read",))
    assert client.get(path, headers=auditor).status_code == 403
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer dfi_000000000000_" + "x" * 43}).status_code == 401


def test_free_text_never_leaves_for_a_role_without_its_permission(client: FlaskClient, db: Session,
                                                                  case_with_records: object,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    case = case_with_records
    headers, _account = api_token(db, role=Role.SUPERVISOR)
    # A role that reads cases but records nothing on them (as an observer role would be).
    reduced = access.ROLE_PERMISSIONS[Role.SUPERVISOR] - {Permission.RECORD_SERVICES}
    monkeypatch.setitem(access.ROLE_PERMISSIONS, Role.SUPERVISOR, reduced)
    answer = client.get(f"/api/v1/casos/{case.id}", headers=headers)  # type: ignore[attr-defined]
    assert answer.status_code == 200, answer.get_data(as_text=True)
    text = answer.get_data(as_text=True)
    assert "despensa entregada" not in text and "urge vivienda" not in text
    body = answer.get_json()
    assert all("notes" not in s for s in body["services"]) and all("text" not in r for r in body["referrals"])
    assert all("text" not in e for e in body["history"])
    listed = client.get(f"/api/v1/casos/{case.id}/servicios", headers=headers).get_json()  # type: ignore[attr-defined]
    assert listed["items"] and "notes" not in listed["items"][0]
