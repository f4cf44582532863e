"""Forms people can finish: a refused form's address also answers GET."""
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
