"""Merge pages over HTTP: side-by-side comparison, values chosen per field, undo by a second supervisor."""
from __future__ import annotations

from datetime import date

import pytest

from dfi_casos.auth.models import Role
from dfi_casos.registry import merge
from dfi_casos.registry.models import Person
from tests import factories
from tests.conftest import csrf_token


def _pair(db):
    registrar = factories.make_user(db, Role.CASEWORKER, ["12"])
    one = factories.make_person(db, "12", registrar, given_names="Yesenia", first_surname="Valdés",
                                birth_date=date(1990, 5, 1))
    other = factories.make_person(db, "12", registrar, given_names="Llesenia", first_surname="Baldez",
                                  birth_date=date(1990, 5, 1), phone="7441234567")
    return one, other


def test_a_supervisor_compares_and_merges_choosing_values(client, login_as, db) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    one, other = _pair(db)
    url = f"/fusion/personas/{one.id}/{other.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Yesenia" in page and "Llesenia" in page and "744" in page
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "survivor_version": one.version,
                                      "absorbed_version": other.version, "take_phone": "absorbed",
                                      "reason": "Es la misma persona"})
    assert response.status_code == 302
    assert db.get(Person, other.id).merged_into_id == one.id and db.get(Person, one.id).phone == "7441234567"


def test_merging_without_a_reason_shows_the_message_and_changes_nothing(client, login_as, db) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    one, other = _pair(db)
    url = f"/fusion/personas/{one.id}/{other.id}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "survivor_version": one.version,
                                      "absorbed_version": other.version, "reason": " "})
    assert response.status_code == 400 and "motivo" in response.get_data(as_text=True)
    assert db.get(Person, other.id).merged_into_id is None


def test_a_stale_version_is_refused(client, login_as, db) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    one, other = _pair(db)
    url = f"/fusion/personas/{one.id}/{other.id}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "survivor_version": one.version - 1,
                                      "absorbed_version": other.version, "reason": "Es la misma persona"})
    assert response.status_code == 400 and "cambió" in response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "state"), [(Role.CASEWORKER, "12"), (Role.SUPERVISOR, "07")])
def test_caseworkers_and_other_states_get_404(client, login_as, db, role, state) -> None:
    one, other = _pair(db)
    login_as(role, [state])
    assert client.get(f"/fusion/personas/{one.id}/{other.id}").status_code == 404


def test_the_supervisor_who_merged_cannot_undo(client, login_as, db) -> None:
    me = login_as(Role.SUPERVISOR, ["12"])
    one, other = _pair(db)
    log = merge.merge(db, me, merge.PERSON, one.id, other.id, [], "Es la misma persona", (one.version, other.version))
    page = client.get(f"/fusion/{log.id}").get_data(as_text=True)
    assert "Otra supervisora o supervisor" in page and "Deshacer la fusión" not in page


def test_a_second_supervisor_undoes_from_the_merge_page(client, login_as, db) -> None:
    first = factories.make_user(db, Role.SUPERVISOR, ["12"])
    one, other = _pair(db)
    log = merge.merge(db, first, merge.PERSON, one.id, other.id, [], "Es la misma persona",
                      (one.version, other.version))
    login_as(Role.SUPERVISOR, ["12"])
    assert "Deshacer la fusión" in client.get(f"/fusion/{log.id}").get_data(as_text=True)
    client.post(f"/fusion/{log.id}/deshacer", data={"csrf_token": csrf_token(client, f"/fusion/{log.id}")})
    assert db.get(Person, other.id).merged_into_id is None


def test_households_are_merged_from_the_household_page(client, login_as, db) -> None:
    supervisor = login_as(Role.SUPERVISOR, ["12"])
    one = factories.make_household(db, "12", supervisor, members=2)
    other = factories.make_household(db, "12", supervisor, members=1)
    page = client.get(f"/fusion/hogares/{one.id}").get_data(as_text=True)
    assert str(other.id) in page
    response = client.post(f"/fusion/hogares/{one.id}", data={
        "csrf_token": csrf_token(client, f"/fusion/hogares/{one.id}"), "other_id": str(other.id)})
    assert response.status_code == 302 and f"/fusion/hogares/{one.id}/{other.id}" in response.location


def test_a_tombstone_redirects_to_the_survivor(client, login_as, db) -> None:
    me = login_as(Role.SUPERVISOR, ["12"])
    one, other = _pair(db)
    merge.merge(db, me, merge.PERSON, one.id, other.id, [], "Es la misma persona", (one.version, other.version))
    response = client.get(f"/registro/personas/{other.id}")
    assert response.status_code == 302 and str(one.id) in response.location


def test_the_household_page_offers_the_merge_to_supervisors_only(client, login_as, db) -> None:
    supervisor = login_as(Role.SUPERVISOR, ["12"])
    household = factories.make_household(db, "12", supervisor, members=1)
    assert "Fusionar con otro registro" in client.get(f"/registro/hogares/{household.id}").get_data(as_text=True)


def test_the_survivor_page_lists_the_record_merged_into_it(client, login_as, db) -> None:
    me = login_as(Role.SUPERVISOR, ["12"])
    one, other = _pair(db)
    log = merge.merge(db, me, merge.PERSON, one.id, other.id, [], "Es la misma persona", (one.version, other.version))
    page = client.get(f"/registro/personas/{one.id}").get_data(as_text=True)
    section = page.split("Registros fusionados", 1)[1]
    assert f'href="/registro/personas/{other.id}"' in section and f'href="/fusion/{log.id}"' in section
    assert client.get(f"/registro/personas/{other.id}").location.endswith(f"/registro/personas/{one.id}")


def test_a_person_never_merged_shows_no_merge_section(client, login_as, db) -> None:
    login_as(Role.SUPERVISOR, ["12"])
    one, _ = _pair(db)
    assert "Registros fusionados" not in client.get(f"/registro/personas/{one.id}").get_data(as_text=True)


def test_the_survivor_household_lists_the_household_merged_into_it(client, login_as, db) -> None:
    supervisor = login_as(Role.SUPERVISOR, ["12"])
    one = factories.make_household(db, "12", supervisor, members=2)
    other = factories.make_household(db, "12", supervisor, members=1)
    log = merge.merge(db, supervisor, merge.HOUSEHOLD, one.id, other.id, [], "Mismo hogar registrado dos veces",
                      (one.version, other.version))
    section = client.get(f"/registro/hogares/{one.id}").get_data(as_text=True).split("Registros fusionados", 1)[1]
    assert f'href="/registro/hogares/{other.id}"' in section and f'href="/fusion/{log.id}"' in section


def test_the_household_comparison_names_events_and_communities(client, login_as, db) -> None:
    supervisor = login_as(Role.SUPERVISOR, ["12"])
    event = factories.make_event(db, "12", supervisor, started_on=date(2025, 3, 2))
    community = factories.make_community(db, "12", supervisor, name="Ejido Las Palmas")
    one = factories.make_household(db, "12", supervisor, members=1, event_id=event.id, community_id=community.id)
    other = factories.make_household(db, "12", supervisor, members=1)
    page = client.get(f"/fusion/hogares/{one.id}/{other.id}").get_data(as_text=True)
    assert "02/03/2025" in page and "Ejido Las Palmas" in page
    assert str(event.id) not in page and str(community.id) not in page
