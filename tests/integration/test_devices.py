"""The devices page: each open session with its last use, and closing any one of them."""
from __future__ import annotations

from dfi_casos.auth.models import UserSession
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def sign_in(client, user, agent):
    return client.post("/login", data={"csrf_token": csrf_token(client), "username": user.username,
                                       "password": factories.PASSWORD}, headers={"User-Agent": agent})


def test_the_devices_page_lists_each_open_session_with_its_last_use(app, client, db, login_as):
    user = login_as("caseworker", ["12"])
    phone = app.test_client()
    sign_in(phone, user, FIREFOX)
    page = client.get("/cuenta/dispositivos").get_data(as_text=True)
    assert "Firefox en Windows" in page and "este dispositivo" in page
    assert page.count("Cerrar") >= 2


def test_closing_another_device_ends_that_session_only(app, client, db, login_as):
    user = login_as("caseworker", ["12"])
    phone = app.test_client()
    sign_in(phone, user, FIREFOX)
    row = db.query(UserSession).filter_by(user_id=user.id, device_label="Firefox en Windows").one()
    response = client.post(f"/cuenta/dispositivos/{row.id}/cerrar",
                           data={"csrf_token": csrf_token(client, "/cuenta/dispositivos")})
    assert response.status_code == 302
    assert phone.get("/").status_code == 302
    assert client.get("/").status_code == 200
    assert db.query(AuditEvent).filter_by(action="session_revoked", object_id=str(row.id)).count() == 1


def test_a_session_of_someone_else_cannot_be_closed_and_looks_absent(app, client, db, login_as):
    other = factories.make_user(db, role="caseworker", states=["12"])
    sign_in(app.test_client(), other, FIREFOX)
    row = db.query(UserSession).filter_by(user_id=other.id).one()
    login_as("caseworker", ["12"])
    response = client.post(f"/cuenta/dispositivos/{row.id}/cerrar",
                           data={"csrf_token": csrf_token(client, "/cuenta/dispositivos")})
    assert response.status_code == 404
    db.refresh(row)
    assert row.ended_at is None
