"""Every registry and catalog route, for every role of Chiapas, against records of Guerrero."""
from __future__ import annotations

import pytest

from dfi_casos.auth.models import Role
from dfi_casos.institutions import services as institutions
from tests import factories
from tests.conftest import csrf_token

HOME_STATE, FOREIGN_STATE = "07", "12"
PREFIXES = ("registry.", "institutions.")


def log_in(client, username):
    response = client.post("/login", data={"csrf_token": csrf_token(client), "username": username,
                                           "password": factories.PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_no_registry_route_serves_or_shows_records_of_another_state(app, client, db, role):
    records = factories.registry_foreign_records(db, FOREIGN_STATE)
    user = factories.make_user(db, role=role, states=[HOME_STATE])
    log_in(client, user.username)
    problems = []
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(PREFIXES)]
    assert len(rules) > 20
    for rule in rules:
        url = rule.build({name: records[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in ("GET", "POST") if rule.arguments else ():
            if method not in (rule.methods or ()):
                continue
            data = {"csrf_token": csrf_token(client, "/account/password")} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            body = response.get_data(as_text=True)
            if response.status_code != 404:
                problems.append(f"{method} {url} as {role.value}: {response.status_code}")
            leaked = [v for v in factories.PLANTED_SENSITIVE if v in body]
            if leaked:
                problems.append(f"{method} {url} as {role.value}: shows {leaked}")
    for path in ("/registro/hogares", "/registro/personas", "/registro/eventos", "/registro/comunidades",
                 "/admin/instituciones/"):
        body = client.get(path).get_data(as_text=True)
        if any(v in body for v in factories.PLANTED_SENSITIVE) or records["person_id"] in body:
            problems.append(f"GET {path} as {role.value} lists a foreign record")
    assert not problems, "\n".join(problems)


def test_administrator_edits_national_institutions_but_not_those_of_another_state(client, db, login_as):
    from sqlalchemy import select

    from dfi_casos.registry.models import Institution

    records = factories.registry_foreign_records(db, FOREIGN_STATE)
    institutions.ensure_default_institutions(db)
    national = db.scalars(select(Institution).where(Institution.code == "ceav")).one()
    login_as("administrator", [HOME_STATE])
    assert client.get(f"/admin/instituciones/{national.id}").status_code == 200
    assert client.get(f"/admin/instituciones/{records['institution_id']}").status_code == 404
    path = "/admin/instituciones/nueva"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "code": "dif_gro_x",
                                       "name": "DIF Guerrero", "state_code": FOREIGN_STATE, "active": "y"})
    assert response.status_code == 400 and "entidades de su adscripción" in response.get_data(as_text=True)
