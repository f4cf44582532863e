"""A person's page shows their household's open case; no second open case per subject; households offered by name."""
from __future__ import annotations

import pytest

from dfi_casos.cases import lists
from dfi_casos.cases import services as cases
from dfi_casos.cases.workflow import CaseAlreadyOpen
from dfi_casos.catalogs.enums import Stage
from tests import factories
from tests.conftest import csrf_token

GRO = "12"


def body(response):
    return response.get_data(as_text=True)


def test_person_whose_household_has_an_open_case_sees_that_case_and_no_offer_to_open_another(client, db, login_as):
    user = login_as("caseworker", [GRO])
    household = factories.make_household(db, state=GRO, registered_by=user)
    case = factories.make_case(db, owner=user, household=household)
    member = household.current_memberships[1].person
    html = body(client.get(f"/registro/personas/{member.id}"))
    assert case.folio in html and "Caso abierto de su hogar" in html
    assert "Sin casos abiertos" not in html and "Abrir caso" not in html


def test_a_subject_with_an_open_case_cannot_get_a_second_one(db):
    user = factories.make_user(db, "caseworker", [GRO])
    household = factories.make_household(db, state=GRO, registered_by=user)
    first = cases.open_case(db, user, household, stage=Stage.ASSISTANCE)
    with pytest.raises(CaseAlreadyOpen, match=first.folio):
        cases.open_case(db, user, household, stage=Stage.ASSISTANCE)
    assert len(lists.cases_of_subject(db, user, first.subject_type, household.id)) == 1


def test_opening_a_second_case_over_http_says_why_and_writes_nothing(client, db, login_as):
    user = login_as("caseworker", [GRO])
    household = factories.make_household(db, state=GRO, registered_by=user)
    first = factories.make_case(db, owner=user, household=household)
    path = f"/casos/nuevo/hogar/{household.id}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "stage": "assistance"})
    assert response.status_code == 400
    assert f"Este hogar ya tiene un caso abierto ({first.folio})" in body(response)
    assert len(lists.cases_of_subject(db, user, first.subject_type, household.id)) == 1


def test_households_to_move_into_are_named_by_head_and_place_and_exclude_the_current_one(client, db, login_as):
    user = login_as("caseworker", [GRO])
    own = factories.make_household(db, state=GRO, registered_by=user)
    other = factories.make_household(db, state=GRO, registered_by=user, municipality_code="12029")
    person = own.current_memberships[1].person
    html = body(client.get(f"/registro/personas/{person.id}/hogar"))
    select = html.split('name="household_id"', 1)[1].split("</select>", 1)[0]
    assert f'value="{other.id}"' in select and f'value="{own.id}"' not in select
    assert f"Hogar de {other.head.full_name()} · Chilpancingo de los Bravo, Guerrero" in select
    assert str(other.id)[:8] + "<" not in select


def test_household_list_shows_each_household_open_case_with_its_stage_and_days(client, db, login_as):
    user = login_as("caseworker", [GRO])
    household = factories.make_household(db, state=GRO, registered_by=user)
    case = factories.make_case(db, owner=user, household=household)
    html = body(client.get("/registro/hogares"))
    row = html.split(f"/registro/hogares/{household.id}", 1)[1].split("</tr>", 1)[0]
    assert case.folio in row and "Asistencia · 0 días" in row
