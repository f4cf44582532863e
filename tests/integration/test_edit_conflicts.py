"""Two people saving one record at the same moment (PostgreSQL, real transactions): the loser always gets the
conflict message naming what changed, never a 500 — for every form that carries a version.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from dfi_casos.auth.models import User
from dfi_casos.database import scratch_postgres_database
from dfi_casos.demo import DEMO_PASSWORD
from dfi_casos.extensions import db
from dfi_casos.registry.models import Community, DisplacementEvent, Household, Institution, Person
from tests.concurrency import release_together
from tests.conftest import demo_app
from tests.html_forms import forms_of

ROUNDS = 3
#: The field each save changes: the first of these the form has.
EDITABLE = ("notes", "narrative", "address", "full_name", "name", "second_surname")


@pytest.fixture(scope="module")
def conflict_app(backend, request, tmp_path_factory, keyfile):
    if backend != "postgresql":
        pytest.skip("prueba específica de PostgreSQL; en SQLite las escrituras ya van en fila")
    with scratch_postgres_database(request.getfixturevalue("pg_database_url"), "dfi_conflict") as url:
        app = demo_app(url, tmp_path_factory.mktemp("conflict"), keyfile, WTF_CSRF_ENABLED=False)
        yield app
        with app.app_context():
            db.engine.dispose()


def signed_in(app, username):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def edit_paths(app) -> dict[str, tuple[str, tuple[str, str]]]:
    """Every versioned edit form of the demo in Guerrero: {name: (path, the two people who save it)}."""
    with app.app_context():
        s = db.session
        household = s.scalar(select(Household.id).where(Household.state_code == "12").limit(1))
        person = s.scalar(select(Person.id).where(Person.state_code == "12").limit(1))
        event = s.scalar(select(DisplacementEvent.id).where(DisplacementEvent.origin_state_code == "12").limit(1))
        community = s.scalar(select(Community.id).limit(1))
        institution = s.scalar(select(Institution.id).limit(1))
        account = s.scalar(select(User.id).where(User.username == "capturista.gro"))
        db.session.remove()
    editors = ("supervisora.gro", "supervisor2.gro")
    admins = ("admin.gro", "admin.gro")
    return {
        "household": (f"/registro/hogares/{household}/editar", editors),
        "person": (f"/registro/personas/{person}/editar", editors),
        "event": (f"/registro/eventos/{event}/editar", editors),
        "community": (f"/registro/comunidades/{community}/editar", editors),
        "institution": (f"/admin/instituciones/{institution}", admins),
        "account": (f"/admin/users/{account}", admins),
    }


def versioned_form(client, path):
    page = client.get(path)
    assert page.status_code == 200, path
    form = next(f for f in forms_of(page.get_data(as_text=True), path) if "version" in f.data())
    name = next(n for n in EDITABLE if n in form.data())
    return form, name


def save_both_at_once(app, path, people, round_no):
    clients = [signed_in(app, username) for username in people]
    opened = [versioned_form(client, path) for client in clients]  # both open the same version
    bodies = [{**form.data(), name: f"{form.data()[name][:150]} cambio {round_no}-{i}"}
              for i, (form, name) in enumerate(opened)]
    return release_together(2, lambda i: clients[i].post(opened[i][0].action, data=bodies[i]))


@pytest.mark.postgresql
@pytest.mark.parametrize("kind", ["household", "person", "event", "community", "institution", "account"])
def test_the_loser_of_two_simultaneous_saves_gets_the_conflict_message(conflict_app, kind):
    path, people = edit_paths(conflict_app)[kind]
    for round_no in range(ROUNDS):
        answers = save_both_at_once(conflict_app, path, people, round_no)
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses in ([302, 400], [302, 409]), (kind, statuses)
        loser = next(answer for answer in answers if answer.status_code != 302).get_data(as_text=True)
        assert "modificó" in loser, kind
        if kind != "account":  # registry records keep their history: the message names who changed what
            assert "cambió:" in loser and "no se pudo determinar" not in loser, loser
