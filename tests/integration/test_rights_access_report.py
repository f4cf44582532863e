"""The access report: everything held on the person, decrypted, with who accessed; PDF and JSON; audited."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.cases import services as cases
from dfi_casos.catalogs.enums import ArcoRight
from dfi_casos.rights import services
from dfi_casos.rights.models import ArcoChannel, IdentityDocument
from dfi_casos.security import audit
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token

GRO = "12"


def access_request(db, app, verified=True):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO], full_name="Supervisora Nombrada")
    household = factories.make_household(db, GRO, supervisor, members=2, notes="Nota del hogar reservada")
    person = household.current_memberships[0].person
    person.address = "Calle Reservada 12"
    case = cases.open_case(db, supervisor, household)
    factories.make_attachment(db, person, "person", supervisor, name="Constancia de Juana.pdf")
    audit.record_view(db, supervisor, "person", person.id, fields=["names"], state_code=GRO)
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    arco = services.register_request(db, liaison, app.config, services.RequestData(
        right=ArcoRight.ACCESS, channel=ArcoChannel.EMAIL, received_on=date(2026, 11, 2),
        description="Todo lo que tienen", person_id=person.id, identity_verified=verified,
        identity_document=IdentityDocument.INE if verified else None))
    return person, case, arco


def test_json_report_holds_every_field_decrypted_and_who_accessed(app, client, db, login_as):
    person, case, arco = access_request(db, app)
    login_as(Role.TRANSPARENCY, [GRO])
    response = client.get(f"/arco/{arco.id}/reporte.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data())
    assert data["persona"]["address"] == "Calle Reservada 12"
    assert data["persona"]["given_names"] == person.given_names
    assert not any(key.endswith("_enc") or key.endswith("_bidx") for key in data["persona"])
    assert data["hogares"][0]["hogar"]["notes"] == "Nota del hogar reservada"
    assert data["casos"][0]["folio"] == case.folio
    assert data["adjuntos"][0]["versiones"][0]["archivo"] == "Constancia de Juana.pdf"
    accesses = data["accesos"]["entradas"]
    assert any(a["rol"] == "Supervisor(a)" and a["oficina"] == "Oficina estatal: Guerrero" for a in accesses)
    assert "Supervisora Nombrada" not in response.get_data(as_text=True)  # names only when policy says so
    entry = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert entry.action == "export" and entry.object_type == "arco_access_report"
    assert str(person.id) in entry.details and "Calle" not in entry.details


def test_staff_names_when_the_policy_says_so(app, client, db, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "ARCO_REPORT_STAFF_NAMES", True)
    _, _, arco = access_request(db, app)
    login_as(Role.TRANSPARENCY, [GRO])
    assert "Supervisora Nombrada" in client.get(f"/arco/{arco.id}/reporte.json").get_data(as_text=True)


def test_pdf_report(app, client, db, login_as):
    _, _, arco = access_request(db, app)
    login_as(Role.TRANSPARENCY, [GRO])
    response = client.get(f"/arco/{arco.id}/reporte.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")


def test_no_report_before_identity_is_verified(app, client, db, login_as):
    _, _, arco = access_request(db, app, verified=False)
    login_as(Role.TRANSPARENCY, [GRO])
    assert client.get(f"/arco/{arco.id}/reporte.json").status_code == 404
    token = csrf_token(client, f"/arco/{arco.id}")
    assert "Acredite la identidad" in client.get(f"/arco/{arco.id}").get_data(as_text=True)
    assert token
