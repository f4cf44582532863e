"""Rectification: an edit made on the normal form with ?arco=<id> is linked to the request and listed on it."""
from __future__ import annotations

from datetime import date

from dfi_casos.auth.models import Role
from dfi_casos.catalogs.enums import ArcoRight
from dfi_casos.rights import services
from dfi_casos.rights.models import ArcoChannel
from tests import factories
from tests.conftest import csrf_token
from tests.html_forms import forms_of

GRO = "12"


def form_fields(html: str) -> dict[str, str]:
    """The person form's fields as the browser would post them (the form that carries `arco`)."""
    return next(f.data() for f in forms_of(html, "/") if "arco" in f.names())


def test_edit_with_the_request_id_is_listed_on_the_request(app, client, db, login_as):
    supervisor = login_as(Role.SUPERVISOR, [GRO])
    person = factories.make_person(db, GRO, registered_by=supervisor, second_surname="Lopes")
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    arco = services.register_request(db, liaison, app.config, services.RequestData(
        right=ArcoRight.RECTIFICATION, channel=ArcoChannel.EMAIL, received_on=date(2026, 11, 2),
        description="Mi apellido es López", person_id=person.id))
    page = client.get(f"/registro/personas/{person.id}/editar?arco={arco.id}")
    data = form_fields(page.get_data(as_text=True))
    assert data["arco"] == str(arco.id)
    data["second_surname"] = "López"
    response = client.post(f"/registro/personas/{person.id}/editar", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    rows = services.rectifications_of(db, arco)
    assert len(rows) == 1 and "second_surname" in rows[0].fields and rows[0].role == "Supervisor(a)"


def test_an_unrelated_request_id_is_refused(app, client, db, login_as):
    supervisor = login_as(Role.SUPERVISOR, [GRO])
    person = factories.make_person(db, GRO, registered_by=supervisor)
    other = factories.make_person(db, GRO, registered_by=supervisor)
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    arco = services.register_request(db, liaison, app.config, services.RequestData(
        right=ArcoRight.RECTIFICATION, channel=ArcoChannel.EMAIL, received_on=date(2026, 11, 2),
        description="x", person_id=other.id))
    data = form_fields(client.get(f"/registro/personas/{person.id}/editar?arco={arco.id}").get_data(as_text=True))
    data["second_surname"] = "Otra"
    response = client.post(f"/registro/personas/{person.id}/editar", data=data)
    assert response.status_code == 400
    assert "no corresponde a esta persona" in response.get_data(as_text=True)
    assert csrf_token
