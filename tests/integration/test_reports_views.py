"""Report pages: supervisors only, scope of their territory, suppression on screen, audited exports."""
from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from dfi_casos.security.audit import AuditEvent
from tests import report_fixture

PERIOD_ARGS = "desde=2026-10&hasta=2026-11"


@pytest.mark.parametrize("path", ["/reportes/", "/reportes/personas", "/reportes/carga", "/reportes/personas.csv"])
def test_caseworkers_do_not_see_reports(client, db, login_as, path):
    login_as("caseworker", ["12"])
    assert client.get(path).status_code in (403, 404)


@pytest.mark.parametrize("key", ["personas", "casos", "servicios", "carga"])
def test_each_indicator_page_renders_for_a_supervisor_and_is_audited(client, db, login_as, key):
    report_fixture.build(db)
    login_as("supervisor", ["12"])
    response = client.get(f"/reportes/{key}?{PERIOD_ARGS}")
    assert response.status_code == 200
    assert db.scalar(select(func.count()).where(AuditEvent.object_type == f"report_{key}")) == 1


def test_a_state_supervisor_cannot_ask_for_another_state(client, db, login_as):
    login_as("supervisor", ["12"])
    response = client.get(f"/reportes/personas?{PERIOD_ARGS}&entidad=07")
    assert response.status_code == 400
    assert "válid" in response.get_data(as_text=True).lower()


def test_an_inverted_period_is_refused_in_spanish_next_to_the_field(client, db, login_as):
    login_as("supervisor", ["12"])
    response = client.get("/reportes/personas?desde=2026-11&hasta=2026-10")
    assert response.status_code == 400
    assert "El mes final no puede ser anterior al inicial." in response.get_data(as_text=True)


def test_export_is_suppressed_and_audited_with_its_filters(client, db, login_as):
    report_fixture.build(db)
    login_as("supervisor", ["12"])
    response = client.get(f"/reportes/personas.csv?{PERIOD_ARGS}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    identity = rows.index(["Característica", "Nuevas en el periodo", "Acumuladas al cierre del periodo"])
    # Guerrero: 3 indigenous women in G1, no Afro-Mexican among new persons, 1 Afro-Mexican girl in G2
    assert rows[identity + 3] == ["Se reconoce afromexicana", "<5", "<5"]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.object_type == "report_personas" and event.object_state == "12"
    details = json.loads(event.details)
    assert details["filters"] == {"desde": "2026-10-01", "hasta": "2026-11-30", "entidad": "12"}
    assert details["threshold"] == 5


def test_caseload_is_not_exportable(client, db, login_as):
    login_as("supervisor", ["12"])
    assert client.get("/reportes/carga.csv").status_code == 404
