"""The printable case file: a PDF of what the user may see, CONFIDENCIAL with who printed it, audited as an export."""
from __future__ import annotations

import json

import pytest
from flask import render_template
from sqlalchemy import select

from dfi_casos.database import utcnow
from dfi_casos.documents import casefile
from dfi_casos.security.audit import AuditEvent
from tests import factories


def test_caseworker_prints_own_case_and_the_print_is_audited_as_export(app, client, db, login_as):
    user = login_as("caseworker", ["12"])
    case = factories.make_case(db, owner=user, state="12")
    factories.make_attachment(db, case, "case", user, name="acta.pdf")
    response = client.get(f"/documentos/casos/{case.id}/expediente.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.data.startswith(b"%PDF") and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"].startswith("no-store")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    entry = db.scalars(select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.actor_id == user.id)
                       .order_by(AuditEvent.seq.desc())).first()
    details = json.loads(entry.details)
    assert details["kind"] == "case_file" and details["ids"] == [str(case.id)] and details["pages"] >= 1
    assert entry.object_state == "12"


def test_the_case_page_offers_the_print_only_with_the_permission(app, client, db, login_as):
    user = login_as("caseworker", ["12"])
    case = factories.make_case(db, owner=user, state="12")
    assert f"/documentos/casos/{case.id}/expediente.pdf" in client.get(f"/casos/{case.id}").get_data(as_text=True)


def test_a_case_of_another_state_or_of_another_caseworker_is_not_printed(app, client, db, login_as):
    other = factories.make_user(db, "caseworker", ["12"])
    colleague_case = factories.make_case(db, owner=other, state="12")
    foreign_case = factories.make_case(db, state="07")
    login_as("caseworker", ["12"])
    assert client.get(f"/documentos/casos/{colleague_case.id}/expediente.pdf").status_code == 404
    assert client.get(f"/documentos/casos/{foreign_case.id}/expediente.pdf").status_code == 404


@pytest.mark.parametrize("role", ["auditor", "administrator"])
def test_roles_without_the_permission_cannot_print(app, client, db, login_as, role):
    case = factories.make_case(db, state="12")
    login_as(role, None)
    assert client.get(f"/documentos/casos/{case.id}/expediente.pdf").status_code == 404


def test_the_pdf_says_confidencial_who_printed_it_and_counts_pages(app, db):

    owner = factories.make_user(db, "caseworker", ["12"], full_name="Rosa Imprimió Prueba")
    case = factories.make_case(db, owner=owner, state="12")
    with app.test_request_context():
        built = casefile.build(db, owner, case, idle_days=30, printed_at=utcnow())
        html = render_template("documents/case_file.html", file=built, case=case, record=built.record)
    assert "CONFIDENCIAL" in html and "Impreso por Rosa Imprimió Prueba" in html
    assert 'counter(page) " de " counter(pages)' in html


def test_the_case_file_prints_the_plan_in_force_not_the_draft(app, db):
    from datetime import timedelta

    from dfi_casos.cases import plans
    from dfi_casos.catalogs.enums import IascCriterion
    from dfi_casos.database import local_today

    owner = factories.make_user(db, "caseworker", ["12"])
    supervisor = factories.make_user(db, "supervisor", ["12"], full_name="Laura Aprobó Prueba")
    case = factories.make_case(db, owner=owner, state="12")
    institution = factories.make_institution(db, "Registro Civil de Prueba")
    plan = plans.start_revision(db, owner, case)
    goal = plans.add_goal(db, owner, case, plan, "Reponer las actas de nacimiento", IascCriterion.DOCUMENTATION, None)
    plans.add_action(db, owner, case, goal, "Acompañar al Registro Civil", local_today() + timedelta(days=7), None,
                     institution.id)
    plans.submit(db, owner, case, plan, "Acordado con la familia")
    plans.decide(db, supervisor, case, plan, True, None)
    draft = plans.start_revision(db, owner, case)
    plans.add_goal(db, owner, case, draft, "Meta aún en borrador", IascCriterion.HOUSING_LAND_PROPERTY, None)
    db.expire_all()  # as a new request reads it
    with app.test_request_context():
        built = casefile.build(db, owner, case, idle_days=30, printed_at=utcnow())
        html = render_template("documents/case_file.html", file=built, case=case, record=built.record)
    assert "Plan del caso" in html and "Revisión 1" in html and "Laura Aprobó Prueba" in html
    assert "Reponer las actas de nacimiento" in html and "Acompañar al Registro Civil" in html
    assert "Registro Civil de Prueba" in html and "Meta aún en borrador" not in html
