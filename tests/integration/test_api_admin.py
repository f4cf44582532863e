"""Administrators' API access screens (#21): service accounts, tokens shown once, revocation; CSRF and territory."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from dfi_casos.api.models import ApiToken
from dfi_casos.auth.models import User
from dfi_casos.security.access import Role
from tests.conftest import csrf_token

TOKEN_RE = re.compile(r"dfi_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def test_an_administrator_creates_a_service_account_issues_a_token_once_and_revokes_it(
        client: Any, db: Any, login_as: Any) -> None:
    login_as(Role.ADMINISTRATOR, ["12"])
    created = client.post("/admin/api/cuentas/nueva", data={
        "csrf_token": csrf_token(client, "/admin/api/cuentas/nueva"), "username": "kobo-gro",
        "full_name": "KoboToolbox Guerrero", "email": "kobo@gro.gob.mx", "state_code": "12"})
    assert created.status_code == 302, created.get_data(as_text=True)
    account = db.scalars(select(User).where(User.username == "kobo-gro")).one()
    assert account.is_service_account
    form_path = f"/admin/api/cuentas/{account.id}/tokens/nuevo"
    issued = client.post(form_path, data={
        "csrf_token": csrf_token(client, form_path), "label": "Kobo Guerrero", "role": "caseworker",
        "state_code": "12", "groups": ["registry:read", "registry:write"], "days": "30"})
    page = issued.get_data(as_text=True)
    assert issued.status_code == 200 and "no se volverá a mostrar" in page
    text = TOKEN_RE.search(page).group(0)
    listing = client.get("/admin/api").get_data(as_text=True)
    assert "Kobo Guerrero" in listing and text not in listing
    assert client.get("/api/v1/personas", headers={"Authorization": f"Bearer {text}"}).status_code == 200
    token = db.scalars(select(ApiToken).where(ApiToken.account_id == account.id)).one()
    revoked = client.post(f"/admin/api/tokens/{token.id}/revocar",
                          data={"csrf_token": csrf_token(client, "/admin/api")})
    assert revoked.status_code == 302
    assert client.get("/api/v1/personas", headers={"Authorization": f"Bearer {text}"}).status_code == 401


def test_the_forms_need_csrf_and_a_state_administrator_stays_in_territory(
        client: Any, db: Any, login_as: Any) -> None:
    login_as(Role.ADMINISTRATOR, ["12"])
    without = client.post("/admin/api/cuentas/nueva", data={
        "username": "kobo-x", "full_name": "X", "email": "x@x.mx", "state_code": "12"})
    assert without.status_code == 400
    elsewhere = client.post("/admin/api/cuentas/nueva", data={
        "csrf_token": csrf_token(client, "/admin/api/cuentas/nueva"), "username": "kobo-chis",
        "full_name": "X", "email": "x@x.mx", "state_code": "07"})
    assert elsewhere.status_code == 400
    assert db.scalars(select(User).where(User.username.in_(["kobo-x", "kobo-chis"]))).all() == []


def test_only_administrators_reach_the_screens(client: Any, db: Any, login_as: Any) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    assert client.get("/admin/api").status_code == 404
