"""Sessions live on the server: logout ends the one session everywhere its cookie was copied."""
from __future__ import annotations

from dfi_casos.auth.models import UserSession
from tests import factories
from tests.conftest import csrf_token


def copy_of_cookie(app, client):
    """A second browser holding a copy of `client`'s session cookie, as a thief would."""
    thief = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
    return thief


def post_login(client, username):
    return client.post("/login", data={"csrf_token": csrf_token(client), "username": username,
                                       "password": factories.PASSWORD})


def test_a_cookie_copied_before_logout_no_longer_opens_pages(app, client, login_as):
    user = login_as("caseworker", ["12"])
    thief = copy_of_cookie(app, client)
    assert user.full_name in thief.get("/").get_data(as_text=True)  # the copy works while the session is open
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    after = thief.get("/")
    assert after.status_code == 302 and after.location.startswith("/login")


def test_logout_leaves_the_users_other_devices_signed_in(app, client, login_as):
    user = login_as("caseworker", ["12"])
    other_device = app.test_client()
    assert post_login(other_device, user.username).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert other_device.get("/").status_code == 200


def test_the_database_keeps_a_hash_of_the_session_token_not_the_token(app, client, db, login_as):
    user = login_as("caseworker", ["12"])
    with client.session_transaction() as cookie_session:
        token = cookie_session["sid"]
    rows = db.query(UserSession).filter_by(user_id=user.id).all()
    assert len(rows) == 1 and rows[0].token_hash != token and token not in rows[0].token_hash


def test_an_ended_session_stays_ended_when_its_cookie_is_replayed_later(app, client, db, login_as):
    login_as("caseworker", ["12"])
    thief = copy_of_cookie(app, client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    for _ in range(2):
        assert thief.get("/").status_code == 302
    assert db.query(UserSession).filter(UserSession.ended_at.is_(None)).count() == 0
