"""Registry rules: encryption at rest, scope, duplicates, optimistic locking, search and lists."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import select, text

from dfi_casos import scope
from dfi_casos.catalogs.enums import DisplacementCause, EventType, RelationshipToHead
from dfi_casos.registry import services
from dfi_casos.registry.models import DuplicateOverride, Household, Person, RecordChange
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token
from tests.integration.test_registry_forms import count, person_form

CURP = "MAHJ280603MSPRRV09"


def audit_entries(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


# --- models and encryption -----------------------------------------------------------------

def test_sensitive_person_fields_are_ciphertext_in_the_database(db, login_as):
    user = login_as("caseworker", ["12"])
    person = factories.make_person(db, registered_by=user, given_names="Xochitl", first_surname="Tlacotalpan",
                                   curp=CURP, phone="7441234567", address="Calle Secreta 12",
                                   birth_date=date(1928, 6, 3), protection_risks=["threats"])
    row = db.execute(text("SELECT * FROM person WHERE id = :id"), {"id": person.id.hex
                                                                   if db.get_bind().dialect.name == "sqlite"
                                                                   else person.id}).mappings().one()
    raw = " ".join(str(v) for v in row.values())
    for secret in ("Xochitl", "Tlacotalpan", CURP, "7441234567", "Secreta", "1928-06-03", "threats"):
        assert secret not in raw
    assert row["curp_bidx"] is not None and row["name_dob_bidx"] is not None and row["phone_bidx"] is not None
    db.expire_all()
    assert db.get(Person, person.id).given_names == "Xochitl"


def test_audit_entries_name_fields_never_values(db, login_as):
    user = login_as("caseworker", ["12"])
    factories.make_person(db, registered_by=user, given_names="Nombreunico", curp=CURP)
    entry = audit_entries(db, "create")[-1]
    details = json.loads(entry.details)
    assert "given_names" in details["fields"] and "curp" in details["fields"]
    assert "Nombreunico" not in entry.details and CURP not in entry.details


def test_household_keeps_the_history_of_who_left(db, login_as):
    user = login_as("caseworker", ["12"])
    household = factories.make_household(db, registered_by=user, members=3)
    leaving = household.memberships[2].person_id
    services.end_membership(db, user, household, leaving, "separation", date(2025, 1, 2))
    assert household.size == 2
    history = [(m.person_id, m.left_on) for m in household.memberships]
    assert (leaving, date(2025, 1, 2)) in history


def test_changing_the_household_state_moves_its_members(db, login_as):
    user = login_as("caseworker", None)
    household = factories.make_household(db, registered_by=user)
    data = services.HouseholdData(state_code="07", municipality_code="07101", members=[])
    services.update_household(db, user, household, data, household.version)
    assert {m.person.state_code for m in household.memberships} == {"07"}


def test_event_causes_filter_lists(db, login_as):
    user = login_as("supervisor", ["12"])
    violence = factories.make_event(db, registered_by=user)
    flood = factories.make_event(db, registered_by=user, causes=[DisplacementCause.NATURAL_DISASTER],
                                 event_type=EventType.MASS)
    page = services.list_events(db, user, services.Filters(cause=DisplacementCause.NATURAL_DISASTER), 1, 25)
    assert [e.id for e in page.items] == [flood.id]
    assert violence.id not in [e.id for e in page.items]


# --- scope ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["personas", "hogares", "eventos", "comunidades"])
def test_caseworker_cannot_open_records_of_another_state(client, db, login_as, kind):
    login_as("caseworker", ["12"])
    record = {"personas": factories.make_person, "hogares": factories.make_household,
              "eventos": factories.make_event, "comunidades": factories.make_community}[kind](db, state="07")
    for suffix in ("", "/editar"):
        response = client.get(f"/registro/{kind}/{record.id}{suffix}")
        assert response.status_code == 404
    assert audit_entries(db, "access_denied")[-1].object_id == str(record.id)


def test_caseworker_cannot_open_a_colleagues_person_but_their_supervisor_can(client, db, login_as):
    colleague = factories.make_user(db, role="caseworker", states=["12"])
    person = factories.make_person(db, registered_by=colleague)
    supervisor = factories.make_user(db, role="supervisor", states=["12"])
    login_as("caseworker", ["12"])
    assert client.get(f"/registro/personas/{person.id}").status_code == 404
    assert scope.get_person_for(db, supervisor, person.id) is person


@pytest.mark.parametrize("role", ["auditor", "administrator"])
def test_auditors_and_administrators_see_no_registry(client, db, login_as, role):
    person = factories.make_person(db)
    login_as(role, None)
    assert client.get(f"/registro/personas/{person.id}").status_code == 404
    assert client.get("/registro/personas").status_code == 404
    assert client.get("/registro/personas/nueva").status_code == 404


def test_a_malformed_id_is_a_404(client, db, login_as):
    login_as("caseworker", ["12"])
    assert client.get("/registro/personas/no-es-un-id").status_code == 404
    assert client.get("/registro/hogares/%3Cscript%3E").status_code == 404


def test_viewing_a_person_is_audited_with_field_names(client, db, login_as):
    user = login_as("caseworker", ["12"])
    person = factories.make_person(db, registered_by=user, curp=CURP)
    client.get(f"/registro/personas/{person.id}")
    entry = audit_entries(db, "view")[-1]
    assert entry.object_id == str(person.id) and "curp" in json.loads(entry.details)["fields"]
    assert CURP not in entry.details


# --- duplicates ----------------------------------------------------------------------------

def test_same_curp_warns_and_lists_the_visible_candidate(client, db, login_as):
    user = login_as("caseworker", ["12"])
    existing = factories.make_person(db, registered_by=user, given_names="Josefina", first_surname="Mata",
                                     curp=CURP)
    response = person_form(client, curp=CURP.lower())
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Posibles registros duplicados" in body and "Josefina Mata" in body
    assert f"/registro/personas/{existing.id}" in body and "CURP" in body
    assert count(db, Person) == 1


def test_same_name_and_birth_date_warns_ignoring_case_and_accents(client, db, login_as):
    user = login_as("caseworker", ["12"])
    factories.make_person(db, registered_by=user, given_names="José Ángel", first_surname="Núñez",
                          second_surname=None, birth_date=date(1980, 2, 3))
    response = person_form(client, given_names="jose angel", first_surname="NUNEZ", second_surname="",
                           birth_date="1980-02-03")
    assert response.status_code == 400
    # Ñ typed as N still meets; the ranking keeps Ñ, so the name is "parecido" rather than "exacto"
    assert re.search(r"nombre \(parecido, 9\d %\) y fecha de nacimiento \(exacta\)", response.get_data(as_text=True))


def test_a_name_that_sounds_alike_born_a_year_apart_warns_saying_how_strongly(client, db, login_as):
    user = login_as("caseworker", ["12"])
    factories.make_person(db, registered_by=user, given_names="María Yesenia", first_surname="Valdés",
                          second_surname="Hernández", birth_date=date(1990, 2, 3))
    response = person_form(client, given_names="Ma. Llesenia", first_surname="Baldez", second_surname="",
                           birth_date="1991-07-09")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "año de nacimiento (±1 año)" in body and "nombre (" in body


def test_the_same_name_born_years_apart_is_no_duplicate(client, db, login_as):
    user = login_as("caseworker", ["12"])
    factories.make_person(db, registered_by=user, given_names="Yesenia", first_surname="Valdés",
                          birth_date=date(1980, 2, 3))
    response = person_form(client, given_names="Yesenia", first_surname="Valdés", birth_date="1990-02-03")
    assert "Posibles registros duplicados" not in response.get_data(as_text=True)


def test_same_phone_warns(client, db, login_as):
    user = login_as("caseworker", ["12"])
    factories.make_person(db, registered_by=user, phone="+52 744 555 0101")
    response = person_form(client, phone="744-555-0101")
    assert response.status_code == 400
    assert "teléfono" in response.get_data(as_text=True)


def test_similar_record_in_another_territory_shows_only_the_notice(client, db, login_as):
    hidden = factories.make_person(db, state="07", given_names="Oculta", first_surname="Persona", curp=CURP)
    login_as("caseworker", ["12"])
    response = person_form(client, curp=CURP)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert str(services.OUT_OF_SCOPE_NOTICE) in body
    assert "Oculta" not in body and str(hidden.id) not in body


def test_saving_despite_a_duplicate_needs_a_reason_which_is_kept(client, db, login_as):
    user = login_as("caseworker", ["12"])
    existing = factories.make_person(db, registered_by=user, curp=CURP)
    response = person_form(client, curp=CURP, duplicate_reason="Es su gemela; RENAPO duplicó la CURP")
    assert response.status_code == 302, response.get_data(as_text=True)
    new = db.scalars(select(Person).where(Person.id != existing.id)).one()
    override = db.scalars(select(DuplicateOverride).where(DuplicateOverride.person_id == new.id)).one()
    assert override.reason == "Es su gemela; RENAPO duplicó la CURP"
    assert override.candidate_ids == [str(existing.id)]
    entry = audit_entries(db, "duplicate_override")[-1]
    assert entry.object_id == str(new.id) and "gemela" not in entry.details


def test_household_member_duplicate_is_warned_before_anything_is_saved(client, db, login_as):
    from tests.integration.test_registry_forms import household_form

    user = login_as("caseworker", ["12"])
    factories.make_person(db, registered_by=user, curp=CURP)
    households = count(db, Household)
    response = household_form(client, members=2, **{"members-1-curp": CURP})
    assert response.status_code == 400
    assert "Integrante 2" in response.get_data(as_text=True)
    assert count(db, Household) == households


# --- optimistic locking --------------------------------------------------------------------

def test_second_save_of_a_stale_form_is_refused_saying_what_changed(client, db, login_as):
    first = login_as("caseworker", ["12"])
    person = factories.make_person(db, registered_by=first, given_names="Original")
    path = f"/registro/personas/{person.id}/editar"
    opened_at = person.version
    token = csrf_token(client, path)
    first_save = person_form(client, path, given_names="Primera", first_surname=person.first_surname,
                             version=str(opened_at), csrf_token=token)
    assert first_save.status_code == 302, first_save.get_data(as_text=True)
    stale = person_form(client, path, given_names="Segunda", address="Otra calle", version=str(opened_at),
                        csrf_token=token)
    body = stale.get_data(as_text=True)
    assert stale.status_code == 400
    assert "Otra persona modificó este registro" in body and "nombre(s)" in body and first.username in body
    db.expire_all()
    assert person.given_names == "Primera" and person.address is None


def test_concurrent_supervisor_edit_is_named_in_the_conflict(client, db, login_as):
    caseworker = login_as("caseworker", ["12"])
    supervisor = factories.make_user(db, role="supervisor", states=["12"], username="sup.conflicto")
    event = factories.make_event(db, registered_by=caseworker)
    opened_at = event.version
    data = services.EventData(event_type=EventType.MASS, started_on=event.started_on, origin_state_code="12",
                              state_code="12", causes=[DisplacementCause.NATURAL_DISASTER],
                              estimated_households=12)
    changed = services.update_event(db, supervisor, event, data, opened_at)
    assert set(changed) >= {"event_type", "causes", "estimated_households"}
    with pytest.raises(services.EditConflict) as conflict:
        services.update_event(db, caseworker, event, data, opened_at)
    assert "sup.conflicto" in str(conflict.value) and "causas" in str(conflict.value)
    change = db.scalars(select(RecordChange).where(RecordChange.record_id == str(event.id))).one()
    assert change.changed_by_id == supervisor.id and "causes" in change.fields


def test_tampered_version_is_refused(client, db, login_as):
    user = login_as("caseworker", ["12"])
    person = factories.make_person(db, registered_by=user)
    path = f"/registro/personas/{person.id}/editar"
    response = person_form(client, path, version="<script>", first_surname=person.first_surname)
    assert response.status_code == 400
    assert "Otra persona modificó este registro" in response.get_data(as_text=True)


# --- search --------------------------------------------------------------------------------
# The exact search form (/registro/busqueda) was folded into the one search box (/busqueda).

def search(client, typed):
    token = csrf_token(client, "/busqueda/")
    return client.post("/busqueda/", data={"rapida-csrf_token": token, "buscar": "rapida", "rapida-q": typed})


def test_the_old_search_address_leads_to_the_search_box(client, login_as):
    login_as("caseworker", ["12"])
    response = client.get("/registro/busqueda")
    assert response.status_code == 302 and response.location.endswith("/busqueda/")


def test_search_by_curp_finds_the_person_and_audits_without_the_term(client, db, login_as):
    user = login_as("caseworker", ["12"])
    person = factories.make_person(db, registered_by=user, given_names="Buscada", curp=CURP)
    factories.make_person(db, registered_by=user, given_names="Otra")
    response = search(client, f"  {CURP.lower()} ")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Buscada" in body and "Otra " not in body
    entry = audit_entries(db, "search")[-1]
    details = json.loads(entry.details)
    assert details["kind"] == "curp" and details["ids"] == [str(person.id)]
    assert CURP not in entry.details and CURP.lower() not in entry.details


def test_search_by_name_and_birth_date_and_by_phone(client, db, login_as):
    user = login_as("caseworker", ["12"])
    factories.make_person(db, registered_by=user, given_names="María", first_surname="Pérez",
                          second_surname=None, birth_date=date(1990, 1, 1), phone="744 000 1111")
    by_name = search(client, "maria perez 01/01/1990")
    assert "María Pérez" in by_name.get_data(as_text=True)
    by_phone = search(client, "7440001111")
    assert "María Pérez" in by_phone.get_data(as_text=True)


def test_search_never_returns_records_outside_the_scope(client, db, login_as):
    factories.make_person(db, state="07", given_names="Lejana", curp=CURP)
    login_as("supervisor", ["12"])
    response = search(client, CURP)
    assert "Lejana" not in response.get_data(as_text=True)
    assert json.loads(audit_entries(db, "search")[-1].details)["ids"] == []


def test_persons_are_listed_by_state_and_municipality(client, db, login_as):
    user = login_as("caseworker", ["12"])
    factories.make_person(db, registered_by=user, given_names="Filtrada", municipality_code="12001")
    factories.make_person(db, registered_by=user, given_names="Fuera", municipality_code="12029")
    body = client.get("/registro/personas?estado=12&municipio=12001").get_data(as_text=True)
    assert "Filtrada" in body and "Fuera" not in body


# --- lists ---------------------------------------------------------------------------------

def test_person_list_paginates(app, client, db, login_as):
    user = login_as("caseworker", ["12"])
    for i in range(7):
        factories.make_person(db, registered_by=user, given_names=f"Lista{i}")
    app.config["PAGE_SIZE"] = 5
    try:
        first = client.get("/registro/personas").get_data(as_text=True)
        second = client.get("/registro/personas?pagina=2").get_data(as_text=True)
        absurd = client.get("/registro/personas?pagina=abc")
    finally:
        app.config["PAGE_SIZE"] = 25
    assert first.count("Lista") == 5 and second.count("Lista") == 2
    assert "Siguiente" in first and "Siguiente" not in second and "Anterior" in second
    assert absurd.status_code == 200


def listed(html: str) -> int:
    """How many records a list page shows (its table rows, less the "no records" row)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr>") - body.count('colspan="')


def test_household_list_filters_by_municipality_cause_and_dates(client, db, login_as):
    user = login_as("supervisor", ["12"])
    flood = factories.make_event(db, registered_by=user, causes=[DisplacementCause.NATURAL_DISASTER])
    factories.make_household(db, registered_by=user, municipality_code="12001", event_id=flood.id)
    factories.make_household(db, registered_by=user, municipality_code="12029")
    by_municipality = client.get("/registro/hogares?estado=12&municipio=12001").get_data(as_text=True)
    assert listed(by_municipality) == 1
    by_cause = client.get("/registro/hogares?causa=natural_disaster").get_data(as_text=True)
    assert listed(by_cause) == 1
    future = client.get("/registro/hogares?desde=2099-01-01").get_data(as_text=True)
    assert listed(future) == 0 and "No hay hogares con estos filtros." in future
    nonsense = client.get("/registro/hogares?causa=%3Cscript%3E&desde=ayer&municipio=07101")
    assert nonsense.status_code == 200 and "<script>" not in nonsense.get_data(as_text=True)


def test_lists_show_only_the_users_scope(client, db, login_as):
    factories.make_household(db, state="07")
    login_as("supervisor", ["12"])
    assert listed(client.get("/registro/hogares").get_data(as_text=True)) == 0


def test_edit_that_makes_a_person_look_like_another_needs_a_reason(client, db, login_as):
    user = login_as("caseworker", ["12"])
    factories.make_person(db, registered_by=user, curp=CURP)
    person = factories.make_person(db, registered_by=user, given_names="Editada")
    path = f"/registro/personas/{person.id}/editar"
    refused = person_form(client, path, given_names="Editada", first_surname=person.first_surname, curp=CURP,
                          version=str(person.version))
    assert refused.status_code == 400 and "Posibles registros duplicados" in refused.get_data(as_text=True)
    db.expire_all()
    assert person.curp is None
    saved = person_form(client, path, given_names="Editada", first_surname=person.first_surname, curp=CURP,
                        version=str(person.version), duplicate_reason="Homónima confirmada con acta")
    assert saved.status_code == 302
    assert person.curp == CURP


def test_reunification_moves_a_person_and_keeps_the_old_stay(db, login_as):
    user = login_as("caseworker", ["12"])
    first = factories.make_household(db, registered_by=user, members=2)
    second = factories.make_household(db, registered_by=user, members=1)
    person = first.memberships[1].person
    services.move_to_household(db, user, person, second, RelationshipToHead.SPOUSE_OR_PARTNER)
    assert person.current_membership.household_id == second.id
    assert [m.left_reason for m in person.memberships] == ["moved_out", None]
    assert first.size == 1 and second.size == 2
    with pytest.raises(services.RegistryError):
        services.move_to_household(db, user, person, second, RelationshipToHead.CHILD)


def test_a_huge_or_hostile_id_in_the_url_is_a_plain_404(client, db, login_as):
    login_as("caseworker", ["12"])
    for bad in ("x" * 10000, "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "1' OR '1'='1"):
        response = client.get(f"/registro/personas/{bad}")
        assert response.status_code == 404
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert audit_entries(db, "access_denied")[-1].object_id is None


def test_changing_only_the_causes_is_a_new_version_of_the_event(db, login_as):
    user = login_as("caseworker", ["12"])
    event = factories.make_event(db, registered_by=user)
    before = event.version
    data = services.EventData(event_type=event.event_type, started_on=event.started_on, origin_state_code="12",
                              state_code="12", causes=[DisplacementCause.NATURAL_DISASTER])
    assert services.update_event(db, user, event, data, before) == ["causes"]
    assert event.version == before + 1
    with pytest.raises(services.EditConflict):
        services.update_event(db, user, event, data, before)
