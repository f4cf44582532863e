"""Indicator endpoints (#21): the statistics pages' tables as published (suppressed), scoped, audited."""
from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dfi_casos.security.access import Role
from tests import report_fixture
from tests.integration.api_support import api_token, audit_entries

PERIOD = "desde=2026-10&hasta=2026-11"


def _row(body: dict, label: str) -> list[str]:
    return next(row for table in body["tables"] for row in table["rows"] if row[0] == label)


def test_published_tables_never_carry_a_small_count(client: FlaskClient, db: Session) -> None:
    report_fixture.build(db)
    headers, account = api_token(db, groups=("indicators:read",))
    answer = client.get(f"/api/v1/indicadores/personas?{PERIOD}", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    # Guerrero has 1 to 3 Afro-Mexican persons in the period: published as the mark, as in the CSV export.
    assert _row(body, "Se reconoce afromexicana") == ["Se reconoce afromexicana", "<5", "<5"]
    assert body["period"] == {"desde": "2026-10-01", "hasta": "2026-11-30", "entidad": "12"}
    assert "5" in body["suppression"]
    views = audit_entries(db, account.id, "view")
    assert [e.object_type for e in views] == ["report_personas"] and views[0].object_state == "12"
    assert json.loads(views[0].details)["fields"] == sorted({t["name"] for t in body["tables"]})


@pytest.mark.parametrize("key", ["casos", "servicios", "mapa"])
def test_every_published_page_answers(client: FlaskClient, db: Session, key: str) -> None:
    report_fixture.build(db)
    headers, _account = api_token(db, groups=("indicators:read",))
    answer = client.get(f"/api/v1/indicadores/{key}?{PERIOD}", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["key"] == key and answer.get_json()["tables"]


def test_filters_out_of_territory_or_malformed_are_422_with_the_field(client: FlaskClient,
                                                                           db: Session) -> None:
    headers, _account = api_token(db, groups=("indicators:read",))
    other_state = client.get(f"/api/v1/indicadores/personas?{PERIOD}&entidad=07", headers=headers)
    assert other_state.status_code == 422 and "entidad" in other_state.get_json()["fields"]
    inverted = client.get("/api/v1/indicadores/personas?desde=2026-11&hasta=2026-10", headers=headers)
    assert inverted.status_code == 422
    assert inverted.get_json()["fields"]["hasta"] == ["El mes final no puede ser anterior al inicial."]
    malformed = client.get("/api/v1/indicadores/personas?desde=octubre", headers=headers)
    assert malformed.status_code == 422 and "desde" in malformed.get_json()["fields"]


def test_tokens_without_the_group_or_the_role_are_refused(client: FlaskClient, db: Session) -> None:
    cases_only, _a = api_token(db, groups=("cases:read",))
    assert client.get("/api/v1/indicadores/personas", headers=cases_only).status_code == 403
    caseworker, _b = api_token(db, role=Role.CASEWORKER, groups=("indicators:read",))
    answer = client.get("/api/v1/indicadores/personas", headers=caseworker)
    assert answer.status_code == 403 and answer.get_json()["code"] == "forbidden_role"
    assert client.get("/api/v1/indicadores/personas").status_code == 401
