"""Auditor screens: territory of the trail, filters, record history, user activity, chain status, CSV export."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from dfi_casos.database import utcnow
from dfi_casos.security import audit
from dfi_casos.security.audit import Action, AuditEvent
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def two_states(db):
    """A caseworker in Chiapas and one in Guerrero, each of whom viewed a record of their state."""
    chiapas = factories.make_user(db, role="caseworker", states=["07"], full_name="Nombre Reservado Chiapas")
    guerrero = factories.make_user(db, role="caseworker", states=["12"], full_name="Nombre Reservado Guerrero")
    audit.record_view(db, chiapas, "person", "persona-chis", fields=["names"], state_code="07")
    audit.record_view(db, guerrero, "person", "persona-gro", fields=["names"], state_code="12",
                      folio="DFI-GRO-2026-000001")
    audit.record_search(db, guerrero, "person_by_curp", ["persona-gro"])
    return chiapas, guerrero


def body(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "administrator"])
def test_only_auditors_reach_the_audit_screens(client, login_as, role):
    login_as(role, None)
    for path in ["/auditoria/", "/auditoria/cadena", "/auditoria/exportar"]:
        assert client.get(path).status_code == 404


@pytest.mark.parametrize(("role", "shown"), [("auditor", True), ("supervisor", False), ("caseworker", False),
                                             ("administrator", False)])
def test_navigation_offers_auditoria_to_auditors_only(client, login_as, role, shown):
    login_as(role, ["07"])
    assert (">Auditoría<" in body(client.get("/"))) is shown


def test_state_auditor_sees_entries_of_their_territory_only(client, login_as, two_states):
    login_as("auditor", ["07"])
    page = body(client.get("/auditoria/"))
    assert "persona-chis" in page
    assert "persona-gro" not in page and "DFI-GRO-2026-000001" not in page


def test_national_auditor_sees_every_entry(client, login_as, two_states):
    login_as("auditor", None)
    page = body(client.get("/auditoria/"))
    assert "persona-chis" in page and "persona-gro" in page and "DFI-GRO-2026-000001" in page


def test_audit_pages_show_usernames_never_full_names(client, login_as, two_states):
    chiapas, guerrero = two_states
    login_as("auditor", None)
    page = body(client.get("/auditoria/"))
    assert chiapas.username in page and guerrero.username in page
    assert "Nombre Reservado" not in page


def test_filter_by_action_user_record_and_dates(client, login_as, two_states):
    chiapas, guerrero = two_states
    login_as("auditor", None)
    searches = body(client.get("/auditoria/?action=search"))
    assert "person_by_curp" in searches and "persona-chis" not in searches
    by_user = body(client.get(f"/auditoria/?actor={chiapas.id}"))
    assert "persona-chis" in by_user and "persona-gro" not in by_user
    by_username = body(client.get(f"/auditoria/?actor={guerrero.username}&action=view"))
    assert "persona-gro" in by_username and "persona-chis" not in by_username
    by_folio = body(client.get("/auditoria/?record=DFI-GRO-2026-000001"))
    assert "persona-gro" in by_folio and "persona-chis" not in by_folio
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert "persona-chis" not in body(client.get(f"/auditoria/?since={tomorrow}"))
    assert "persona-chis" in body(client.get(f"/auditoria/?until={tomorrow}"))


def test_invalid_filter_is_a_spanish_form_error(client, login_as):
    login_as("auditor", None)
    response = client.get("/auditoria/?since=ayer")
    assert response.status_code == 400 and "Revise los campos marcados" in body(response)


def test_consulting_the_trail_is_audited_with_filter_names_not_values(client, db, login_as, two_states):
    auditor = login_as("auditor", None)
    client.get("/auditoria/?record=DFI-GRO-2026-000001&action=view")
    entry = db.scalars(select(AuditEvent).where(AuditEvent.action == Action.AUDIT_VIEW)
                       .order_by(AuditEvent.seq.desc())).first()
    assert entry.actor_id == auditor.id
    details = json.loads(entry.details)
    assert details["filters"] == ["record", "action"] and "DFI-GRO" not in entry.details


def test_record_history_shows_views_and_searches_that_returned_it(client, login_as, two_states):
    _, guerrero = two_states
    login_as("auditor", ["12"])
    page = body(client.get("/auditoria/registro/person/persona-gro"))
    assert "Quién ha visto este registro" in page
    assert guerrero.username in page and "Búsqueda" in page and "Consulta" in page


def test_record_history_of_another_territory_is_not_found_and_audited(client, db, login_as, two_states):
    auditor = login_as("auditor", ["07"])
    assert client.get("/auditoria/registro/person/persona-gro").status_code == 404
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == Action.ACCESS_DENIED)).all()
    assert any(e.actor_id == auditor.id and e.object_id == "persona-gro" for e in denied)


def test_user_activity_lists_what_the_account_did(client, login_as, two_states):
    chiapas, _ = two_states
    login_as("auditor", ["07"])
    page = body(client.get(f"/auditoria/usuario/{chiapas.id}"))
    assert f"Actividad de {chiapas.username}" in page and "persona-chis" in page


def test_user_activity_of_another_territory_is_not_found(client, login_as, two_states):
    _, guerrero = two_states
    login_as("auditor", ["07"])
    assert client.get(f"/auditoria/usuario/{guerrero.id}").status_code == 404
    assert client.get("/auditoria/usuario/987654").status_code == 404


def test_chain_status_verifies_and_reports_tampering(client, db, login_as, two_states):
    login_as("auditor", None)
    page = client.get("/auditoria/cadena")
    assert page.status_code == 200 and "Cabeza actual" in body(page)
    token = csrf_token(client, "/auditoria/cadena")
    assert "Íntegra" in body(client.post("/auditoria/cadena", data={"csrf_token": token}))
    db.execute(text("UPDATE audit_event SET object_id = 'otra' WHERE seq = 2"))
    tampered = body(client.post("/auditoria/cadena", data={"csrf_token": token}))
    assert "Alterada" in tampered and "la entrada 2 fue modificada" in tampered
    verified = db.scalars(select(AuditEvent).where(AuditEvent.action == Action.AUDIT_VERIFY)).all()
    assert [e.outcome for e in verified] == ["ok", "failed"]


def test_csv_export_holds_the_filtered_entries_and_is_audited(client, db, login_as, two_states):
    auditor = login_as("auditor", ["12"])
    response = client.get("/auditoria/exportar?action=view")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert [row["object_id"] for row in rows] == ["persona-gro"]
    assert rows[0]["folio"] == "DFI-GRO-2026-000001" and "Nombre Reservado" not in body(response)
    exported = db.scalars(select(AuditEvent).where(AuditEvent.action == Action.AUDIT_EXPORT)).one()
    assert exported.actor_id == auditor.id and json.loads(exported.details)["count"] == 1


def test_csv_export_defuses_cells_that_look_like_formulas(client, db, login_as):
    login_as("auditor", None)
    audit.record(db, action=Action.ACCESS_DENIED, object_type="endpoint", object_id="=HYPERLINK(1)")
    rows = list(csv.DictReader(io.StringIO(body(client.get("/auditoria/exportar")))))
    assert "'=HYPERLINK(1)" in [row["object_id"] for row in rows]


def test_record_history_treats_wildcards_in_the_id_literally(client, login_as, two_states):
    login_as("auditor", None)
    assert client.get("/auditoria/registro/person/persona%25").status_code == 404
    assert client.get("/auditoria/registro/person/" + "x" * 300).status_code == 404


def test_the_trail_is_paginated_newest_first(app, client, db, login_as):
    login_as("auditor", None)
    for number in range(app.config["PAGE_SIZE"] + 5):
        audit.record(db, action=Action.VIEW, object_type="person", object_id=f"pagina-{number:03d}")
    first = body(client.get("/auditoria/?action=view"))
    assert "pagina-029" in first and "pagina-000" not in first and "Siguientes" in first
    second = body(client.get("/auditoria/?action=view&page=2"))
    assert "pagina-000" in second and "pagina-029" not in second and "Anteriores" in second
