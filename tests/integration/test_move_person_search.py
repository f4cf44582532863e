"""Joining another household: the household is found by searching any member (name, CURP, folio, phone)."""
from __future__ import annotations

from dfi_casos.registry.models import Household
from tests import factories
from tests.conftest import csrf_token


def test_the_household_is_found_by_a_member_s_name_and_the_person_joins_it(client, db, login_as):
    user = login_as("caseworker", ["12"])
    wanted = factories.make_household(db, registered_by=user, members=2)
    head = factories.household_head(wanted)
    head.given_names, head.first_surname = "Zoraida", "Quintanilla"
    other = factories.make_household(db, registered_by=user, members=1)
    person = factories.make_person(db, registered_by=user)
    path = f"/registro/personas/{person.id}/hogar"
    page = client.post(path, data={"csrf_token": csrf_token(client, path), "q": "Zoraida Quintanilla",
                                   "buscar": "hogar"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "1 hogar encontrado." in html
    assert f'value="{wanted.id}"' in html and f'value="{other.id}"' not in html
    assert "Zoraida" not in page.request.url and 'method="get"' not in html  # the search stays out of URLs
    answer = client.post(path, data={"csrf_token": csrf_token(client, path), "q": "Zoraida Quintanilla",
                                     "household_id": str(wanted.id), "relationship": "spouse_or_partner"})
    assert answer.status_code == 302
    assert person.current_membership.household_id == wanted.id and db.get(Household, wanted.id).size == 3


def test_a_search_the_box_cannot_read_says_so_beside_it(client, db, login_as):
    user = login_as("caseworker", ["12"])
    person = factories.make_person(db, registered_by=user)
    path = f"/registro/personas/{person.id}/hogar"
    page = client.post(path, data={"csrf_token": csrf_token(client, path), "q": "12", "buscar": "hogar"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and 'id="q-error"' in html and 'aria-invalid="true"' in html
    assert "Escriba una CURP de 18 caracteres" in html


def test_without_a_search_the_latest_households_are_listed(client, db, login_as):
    user = login_as("caseworker", ["12"])
    household = factories.make_household(db, registered_by=user, members=1)
    person = factories.make_person(db, registered_by=user)
    html = client.get(f"/registro/personas/{person.id}/hogar").get_data(as_text=True)
    assert f'value="{household.id}"' in html and "encontrado" not in html
