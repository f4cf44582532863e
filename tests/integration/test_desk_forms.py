"""Forms people can finish: a refused form's address also answers GET; the search shows one kind's fields."""
from __future__ import annotations

from tests import factories
from tests.conftest import csrf_token

GRO = "12"


def body(response):
    return response.get_data(as_text=True)


def test_a_refused_new_member_comes_back_at_an_address_that_also_answers_get(client, db, login_as):
    user = login_as("caseworker", [GRO])
    household = factories.make_household(db, state=GRO, registered_by=user)
    path = f"/registro/hogares/{household.id}/integrantes"
    refused = client.post(path, data={"csrf_token": csrf_token(client, f"/registro/hogares/{household.id}")})
    assert refused.status_code == 400 and 'class="form-summary"' in body(refused)
    again = client.get(path)
    assert again.status_code == 200 and 'name="given_names"' in body(again)


def test_a_refused_consent_comes_back_at_an_address_that_also_answers_get(client, db, login_as):
    user = login_as("caseworker", [GRO])
    person = factories.make_person(db, state=GRO, registered_by=user)
    path = f"/registro/personas/{person.id}/consentimientos"
    refused = client.post(path, data={"csrf_token": csrf_token(client, f"/registro/personas/{person.id}")})
    assert refused.status_code == 400
    again = client.get(path)
    assert again.status_code == 200 and 'name="scope"' in body(again)


def test_search_form_groups_each_kind_of_search_with_its_own_fields(client, login_as):
    login_as("caseworker", [GRO])
    html = body(client.get("/registro/busqueda"))
    groups = {kind: html.split(f'data-kind="{kind}"', 1)[1].split("</div>\n  <", 1)[0]
              for kind in ("curp", "name_dob", "phone")}
    assert 'name="curp"' in groups["curp"] and 'name="birth_date"' not in groups["curp"]
    assert 'name="given_names"' in groups["name_dob"] and 'name="birth_date"' in groups["name_dob"]
    assert 'name="phone"' in groups["phone"] and 'name="curp"' not in groups["phone"]
    assert "data-search-form" in html
