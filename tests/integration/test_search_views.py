"""The search page: one box for CURP, folio, phone or name; scope respected; audited without terms; never a 500."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token

CURP = "HEGG560427MVZRRL04"


@pytest.fixture
def people(db):
    registrar = factories.make_user(db, Role.CASEWORKER, ["12"])
    here = factories.make_person(db, "12", registrar, given_names="María Guadalupe", first_surname="Hernández",
                                 second_surname="Valdés", birth_date=date(1956, 4, 27), curp=CURP,
                                 phone="7441234567")
    there = factories.make_person(db, "07", given_names="Yesenia", first_surname="Quintero",
                                  second_surname="López", birth_date=date(1990, 1, 1))
    return here, there


def _search(client, **fields):
    token = csrf_token(client, "/busqueda/")
    data = {"rapida-csrf_token": token, "detalle-csrf_token": token, "buscar": "rapida", **fields}
    return client.post("/busqueda/", data=data)


@pytest.mark.parametrize("typed", [
    "ma. gpe. hernandez baldes", "Hernández Valdés 1956", "hegg 560427 mvzrrl04", "744 123 4567",
    "María Guadalupe Hernández 27/04/1956",
])
def test_one_box_finds_by_name_curp_or_phone(client, login_as, people, typed) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    page = _search(client, **{"rapida-q": typed}).get_data(as_text=True)
    assert "María Guadalupe Hernández Valdés" in page


def test_results_show_age_municipality_household_and_case_columns(client, login_as, people) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    page = _search(client, **{"rapida-q": CURP}).get_data(as_text=True)
    for header in ("Edad", "Municipio", "Hogar", "Caso abierto"):
        assert header in page


def test_a_match_out_of_scope_shows_only_the_notice(client, login_as, people) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    page = _search(client, **{"rapida-q": "Yesenia Quintero López"}).get_data(as_text=True)
    assert "Hay un registro similar en otro territorio." in page and "Quintero" not in page.split("Resultados")[1]


def test_the_detailed_form_searches_surname_and_year(client, login_as, people) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    token = csrf_token(client, "/busqueda/")
    response = client.post("/busqueda/", data={"detalle-csrf_token": token, "rapida-csrf_token": token,
                                               "buscar": "detalle", "detalle-first_surname": "Baldez",
                                               "detalle-birth_year": "1956"})
    assert "María Guadalupe Hernández Valdés" in response.get_data(as_text=True)


def test_a_caseworker_finds_a_case_by_folio(client, login_as, db) -> None:
    caseworker = login_as(Role.CASEWORKER, ["12"])
    case = factories.make_case(db, caseworker, "12")
    page = _search(client, **{"rapida-q": case.folio.lower()}).get_data(as_text=True)
    assert "por folio" in page and case.folio in page


def test_every_search_is_audited_without_its_terms(client, login_as, db, people) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    _search(client, **{"rapida-q": "Hernández Valdés 1956"})
    entry = db.scalars(select(AuditEvent).where(AuditEvent.action == "search").order_by(AuditEvent.seq.desc())).first()
    details = json.loads(entry.details)
    assert details["kind"] == "name" and str(people[0].id) in details["ids"]
    assert "Hern" not in entry.details and "1956" not in entry.details


@pytest.mark.parametrize(("typed", "message"), [
    ("   ", "Escriba qué buscar"),
    ("A", "dos letras"),
    ("Ana " + "x" * 196, "demasiado largo"),
    ("x" * 201, "Máximo 200 caracteres"),
    ("'; DROP TABLE person; --", "Hay un registro similar|No se encontró"),
    ("<script>alert(1)</script> López", "No se encontró"),
    ("HEGG560427MVZRRL0", "CURP|No se encontró|dos letras|nombre"),
    ("31/02/1990 López", "no existe"),
])
def test_bad_input_gets_a_spanish_message_never_a_500(client, login_as, people, typed, message) -> None:
    import re

    login_as(Role.SUPERVISOR, ["12"])
    response = _search(client, **{"rapida-q": typed})
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert re.search(message, page), page[-2000:]
    assert "<script>alert(1)</script>" not in page


def test_search_terms_never_go_in_the_url(client, login_as, people) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    page = client.get("/busqueda/").get_data(as_text=True)
    assert 'method="post"' in page and 'method="get"' not in page.lower()
