"""Registry forms over HTTP: good input saves, bad input is refused beside its field with nothing written."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from dfi_casos.database import local_today
from dfi_casos.institutions import services as institutions
from dfi_casos.registry.curp import make_curp
from dfi_casos.registry.models import Community, DisplacementEvent, Household, HouseholdMembership, Person
from tests import factories
from tests.conftest import csrf_token

SCRIPT = "<script>alert(1)</script>"
VALID_CURP = "HEGG560427MVZRRL04"
TOMORROW = (datetime.now(ZoneInfo("America/Mexico_City")).date() + timedelta(days=1)).isoformat()


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def person_form(client, path="/registro/personas/nueva", **overrides):
    data = {"csrf_token": csrf_token(client, path), "given_names": "Guadalupe", "first_surname": "Hernández",
            "second_surname": "García", "registered_sex": "female", "state_code": "12",
            "municipality_code": "12001", "birth_date": "1956-04-27", "nationality": "Mexicana", "save": "1"}
    data.update(overrides)
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def household_form(client, members=1, **overrides):
    path = "/registro/hogares/nuevo"
    data = {"csrf_token": csrf_token(client, path), "state_code": "12", "municipality_code": "12029", "save": "1"}
    for i in range(members):
        data.update({f"members-{i}-given_names": f"Nombre{i}", f"members-{i}-first_surname": "Salgado",
                     f"members-{i}-relationship": "head" if i == 0 else "child",
                     f"members-{i}-registered_sex": "unknown", f"members-{i}-present": "y"})
    data.update(overrides)
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def event_form(client, path="/registro/eventos/nuevo", **overrides):
    data = {"csrf_token": csrf_token(client, path), "event_type": "mass", "started_on": "2025-06-01",
            "origin_state_code": "12", "origin_municipality_code": "12029", "causes": ["generalized_violence"],
            "estimated_households": "40", "estimated_persons": "160", "state_code": "12", "save": "1"}
    data.update(overrides)
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def community_form(client, path="/registro/comunidades/nueva", **overrides):
    data = {"csrf_token": csrf_token(client, path), "name": "El Naranjo", "kind": "locality", "state_code": "12",
            "municipality_code": "12029", "save": "1"}
    data.update(overrides)
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


# --- persons -------------------------------------------------------------------------------

def test_caseworker_registers_a_person_with_a_valid_curp(client, db, login_as):
    login_as("caseworker", ["12"])
    response = person_form(client, curp=VALID_CURP, phone="744 123 4567")
    assert response.status_code == 302, response.get_data(as_text=True)
    person = db.scalars(select(Person)).one()
    assert person.curp == VALID_CURP and person.state_code == "12" and person.municipality_code == "12001"
    page = client.get(response.location).get_data(as_text=True)
    assert "Guadalupe Hernández García" in page and VALID_CURP in page


def test_curp_is_optional(client, db, login_as):
    login_as("caseworker", ["12"])
    assert person_form(client, curp="").status_code == 302
    assert db.scalars(select(Person)).one().curp is None


@pytest.mark.parametrize(("curp", "reason"), [
    ("HEGG560427MVZRRL0", "debe tener 18 caracteres"),
    ("H3GG560427MVZRRL04", "deben ser letras"),
    ("HEGG56A427MVZRRL04", "debe tener 6 dígitos"),
    ("HEGG560427QVZRRL04", "debe ser H, M o X"),
    ("HEGG560427MZZRRL04", "clave de entidad"),
    ("HEGG560427MVZARL04", "deben ser consonantes"),
    ("HEGG560231MVZRRL04", "no existe: 31/02/1956"),
    ("HEGG560427MVZRRL05", "dígito verificador no coincide"),
])
def test_wrong_curp_is_refused_with_its_reason_beside_the_field(client, db, login_as, curp, reason):
    login_as("caseworker", ["12"])
    response = person_form(client, curp=curp)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert reason in body
    assert 'id="curp-err"' in body
    assert count(db, Person) == 0


def test_curp_disagreeing_with_birth_date_and_sex_is_only_a_warning(client, db, login_as):
    login_as("caseworker", ["12"])
    response = person_form(client, curp=VALID_CURP, birth_date="1960-01-01", registered_sex="male")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "no coincide con la registrada" in page and "El sexo de la CURP (M)" in page


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"given_names": ""}, "given_names", "Escriba el nombre o los nombres"),
    ({"first_surname": "x" * 10000}, "first_surname", "Máximo 100 caracteres"),
    ({"birth_date": TOMORROW}, "birth_date", "posterior a hoy"),
    ({"birth_date": "27/04/1956x"}, "birth_date", "fecha"),
    ({"estimated_age": "cuarenta"}, "estimated_age", "entero"),
    ({"estimated_age": "300"}, "estimated_age", "Una edad entre 0 y 120"),
    ({"registered_sex": "hombre"}, "registered_sex", "válid"),
    ({"protection_risks": ["bombardeo"]}, "protection_risks", "válid"),
    ({"state_code": "99"}, "state_code", "válid"),
    ({"municipality_code": "07101"}, "municipality_code", "válid"),
    ({"phone": "5" * 10000}, "phone", "Máximo 30 caracteres"),
    ({"address": "x" * 10000}, "address", "Máximo 300 caracteres"),
])
def test_bad_person_input_is_refused_beside_its_field(client, db, login_as, overrides, field, message):
    login_as("caseworker", ["12"])
    response = person_form(client, **overrides)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'id="{field}-err"' in body
    assert message in body
    assert count(db, Person) == 0


def test_caseworker_cannot_register_in_a_state_outside_their_territory(client, db, login_as):
    login_as("caseworker", ["12"])
    response = person_form(client, state_code="07", municipality_code="07101")
    assert response.status_code == 400
    assert "entidades de su adscripción" in response.get_data(as_text=True)
    assert count(db, Person) == 0


def test_markup_is_rendered_escaped_never_executed(client, db, login_as):
    login_as("caseworker", ["12"])
    response = person_form(client, given_names=SCRIPT, aliases=SCRIPT, address=SCRIPT)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_refused_markup_is_echoed_escaped(client, db, login_as):
    login_as("caseworker", ["12"])
    response = person_form(client, given_names=SCRIPT, birth_date=TOMORROW)
    assert response.status_code == 400
    assert SCRIPT not in response.get_data(as_text=True)


def test_refresh_municipalities_re_renders_without_saving(client, db, login_as):
    login_as("caseworker", ["07", "12"])
    response = person_form(client, state_code="07", municipality_code="", refresh_municipalities="1", save=None)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tuxtla Gutiérrez" in body and "Acapulco de Juárez" not in body
    assert count(db, Person) == 0


def test_municipality_json_lists_only_the_state(client, db, login_as):
    login_as("caseworker", ["12"])
    rows = client.get("/registro/municipios?estado=07").get_json()
    assert {"code": "07101", "name": "Tuxtla Gutiérrez"} in rows
    assert all(r["code"].startswith("07") for r in rows)
    assert client.get("/registro/municipios?estado=<b>").get_json() == []


# --- households ----------------------------------------------------------------------------

def test_household_with_members_is_registered_in_one_flow(client, db, login_as):
    user = login_as("caseworker", ["12"])
    response = household_form(client, members=3)
    assert response.status_code == 302, response.get_data(as_text=True)
    household = db.scalars(select(Household)).one()
    assert household.size == 3 and household.registered_by_id == user.id
    assert {m.person.state_code for m in household.memberships} == {"12"}
    assert {m.person.municipality_code for m in household.memberships} == {"12029"}
    page = client.get(response.location).get_data(as_text=True)
    assert "Nombre2 Salgado" in page


def test_add_member_button_adds_a_row_without_saving(client, db, login_as):
    login_as("caseworker", ["12"])
    response = household_form(client, members=1, add_member="1", save=None)
    assert response.status_code == 200
    assert 'name="members-1-given_names"' in response.get_data(as_text=True)
    assert count(db, Household) == 0


def test_remove_member_button_drops_that_row_and_keeps_the_others(client, db, login_as):
    login_as("caseworker", ["12"])
    response = household_form(client, members=3, remove_member="1", save=None)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Nombre0"' in body and 'value="Nombre2"' in body and 'value="Nombre1"' not in body
    assert 'name="members-2-given_names"' not in body
    assert count(db, Household) == 0


def test_household_needs_exactly_one_head(client, db, login_as):
    login_as("caseworker", ["12"])
    response = household_form(client, members=2, **{"members-1-relationship": "head"})
    assert response.status_code == 400
    assert "exactamente una jefa o jefe" in response.get_data(as_text=True)
    assert count(db, Household) == 0 and count(db, Person) == 0


@pytest.mark.parametrize(("overrides", "message"), [
    ({"members-0-curp": "HEGG560427MVZRRL05"}, "dígito verificador"),
    ({"members-0-birth_date": TOMORROW}, "posterior a hoy"),
    ({"members-0-relationship": "abuela"}, "válid"),
    ({"members-0-given_names": ""}, "Escriba el nombre"),
    ({"members-0-given_names": "x" * 10000}, "Máximo 100 caracteres"),
    ({"municipality_code": "07078"}, "válid"),
    ({"event_id": "00000000-0000-0000-0000-000000000000"}, "válid"),
    ({"state_code": ""}, "Elija entidad de atención"),
])
def test_bad_household_input_is_refused_and_nothing_is_written(client, db, login_as, overrides, message):
    login_as("caseworker", ["12"])
    response = household_form(client, members=1, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db, Household) == 0 and count(db, Person) == 0


def test_member_leaving_is_kept_in_the_history(client, db, login_as):
    user = login_as("caseworker", ["12"])
    household = factories.make_household(db, registered_by=user, members=2)
    leaving = household.memberships[1]
    path = f"/registro/hogares/{household.id}"
    response = client.post(f"{path}/salida", data={"csrf_token": csrf_token(client, path),
                                                   "person_id": str(leaving.person_id), "reason": "separation"})
    assert response.status_code == 302
    assert leaving.left_on == local_today() and leaving.left_reason == "separation"
    assert household.size == 1 and count(db, HouseholdMembership) == 2


def test_member_added_later_joins_the_household(client, db, login_as):
    user = login_as("caseworker", ["12"])
    household = factories.make_household(db, registered_by=user, members=1)
    path = f"/registro/hogares/{household.id}"
    response = client.post(f"{path}/integrantes", data={
        "csrf_token": csrf_token(client, path), "given_names": "Recién", "first_surname": "Nacida",
        "relationship": "grandchild", "registered_sex": "female", "present": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert household.size == 2


# --- events and communities ----------------------------------------------------------------

def test_mass_event_is_registered_with_its_causes(client, db, login_as):
    login_as("caseworker", ["12"])
    response = event_form(client, causes=["generalized_violence", "community_conflict"], narrative="Relato")
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.scalars(select(DisplacementEvent)).one()
    assert sorted(event.causes) == ["community_conflict", "generalized_violence"]
    assert event.narrative == "Relato" and event.event_type == "mass"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"started_on": ""}, "started_on", "Escriba la fecha"),
    ({"started_on": TOMORROW}, "started_on", "posterior a hoy"),
    ({"started_on": "ayer"}, "started_on", "fecha"),
    ({"event_type": "catastrofico"}, "event_type", "válid"),
    ({"causes": ["aliens"]}, "causes", "válid"),
    ({"causes": []}, "causes", "Elija al menos una causa"),
    ({"causes": ["other"]}, "cause_other", "Especifique la otra causa"),
    ({"origin_municipality_code": "07101"}, "origin_municipality_code", "válid"),
    ({"estimated_persons": "-3"}, "estimated_persons", "Un número entre 0"),
    ({"estimated_households": "muchas"}, "estimated_households", "entero"),
    ({"narrative": "x" * 30000}, "narrative", "Máximo 20000 caracteres"),
    ({"ended_on": "2025-01-01"}, "ended_on", "entre el inicio y hoy"),
])
def test_bad_event_input_is_refused_beside_its_field(client, db, login_as, overrides, field, message):
    login_as("caseworker", ["12"])
    response = event_form(client, **overrides)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'id="{field}-err"' in body and message in body
    assert count(db, DisplacementEvent) == 0


def test_community_is_linked_to_an_event(client, db, login_as):
    user = login_as("caseworker", ["12"])
    event = factories.make_event(db, registered_by=user)
    response = community_form(client, event_ids=[str(event.id)], notes=SCRIPT)
    assert response.status_code == 302, response.get_data(as_text=True)
    community = db.scalars(select(Community)).one()
    assert community.events == [event]
    page = client.get(response.location).get_data(as_text=True)
    assert SCRIPT not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": ""}, "name", "Escriba el nombre"),
    ({"name": "x" * 10000}, "name", "Máximo 200 caracteres"),
    ({"kind": "barrio"}, "kind", "válid"),
    ({"municipality_code": "07101"}, "municipality_code", "válid"),
    ({"estimated_persons": "1e9"}, "estimated_persons", "entero"),
])
def test_bad_community_input_is_refused_beside_its_field(client, db, login_as, overrides, field, message):
    login_as("caseworker", ["12"])
    response = community_form(client, **overrides)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'id="{field}-err"' in body and message in body
    assert count(db, Community) == 0


def test_community_cannot_link_an_event_of_another_state(client, db, login_as):
    login_as("caseworker", ["12"])
    foreign = factories.make_event(db, state="07")
    response = community_form(client, event_ids=[str(foreign.id)])
    assert response.status_code == 400
    assert count(db, Community) == 0


# --- consent -------------------------------------------------------------------------------

def test_consent_to_share_is_recorded_and_withdrawn(client, db, login_as):
    from dfi_casos.registry import services
    from dfi_casos.registry.models import Institution

    user = login_as("caseworker", ["12"])
    institutions.ensure_default_institutions(db)
    dif = db.scalars(select(Institution).where(Institution.code == "state_dif")).one()
    person = factories.make_person(db, registered_by=user)
    path = f"/registro/personas/{person.id}"
    response = client.post(f"{path}/consentimientos", data={
        "csrf_token": csrf_token(client, path), "scope": "sharing_with_institution", "institution_id": str(dif.id),
        "method": "verbal_with_witness", "witness_name": "Testigo Uno", "taken_on": local_today().isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert services.has_consent_to_share(db, person, dif.id)
    consent = person.consents[0]
    response = client.post(f"{path}/consentimientos/retiro", data={
        "csrf_token": csrf_token(client, path), "consent_id": str(consent.id)})
    assert response.status_code == 302
    assert not services.has_consent_to_share(db, person, dif.id)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"method": "verbal_with_witness", "witness_name": ""}, "nombre del testigo"),
    ({"scope": "sharing_with_institution", "institution_id": ""}, "Elija la institución"),
    ({"taken_on": TOMORROW}, "posterior a hoy"),
    ({"scope": "todo"}, "válid"),
])
def test_bad_consent_is_refused(client, db, login_as, overrides, message):
    user = login_as("caseworker", ["12"])
    person = factories.make_person(db, registered_by=user)
    path = f"/registro/personas/{person.id}"
    data = {"csrf_token": csrf_token(client, path), "scope": "registration", "method": "signed",
            "taken_on": local_today().isoformat(), **overrides}
    response = client.post(f"{path}/consentimientos", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert person.consents == []


def test_valid_curps_built_for_demo_data_pass_the_form(client, db, login_as):
    login_as("caseworker", ["12"])
    curp = make_curp("Salgado", "Nava", "Rosa María", date(1990, 5, 17), "M", "GR")
    response = person_form(client, curp=curp.lower(), birth_date="1990-05-17", registered_sex="female")
    assert response.status_code == 302
    assert db.scalars(select(Person)).one().curp == curp


def test_member_marked_separated_still_counts_in_the_household(client, db, login_as):
    user = login_as("caseworker", ["12"])
    household = factories.make_household(db, registered_by=user, members=2)
    member = household.memberships[1]
    path = f"/registro/hogares/{household.id}"
    response = client.post(f"{path}/integrante", data={"csrf_token": csrf_token(client, path),
                                                       "person_id": str(member.person_id), "relationship": "sibling"})
    assert response.status_code == 302
    assert member.present is False and member.relationship_to_head == "sibling" and household.size == 2


def test_second_head_is_refused_when_editing_a_member(client, db, login_as):
    user = login_as("caseworker", ["12"])
    household = factories.make_household(db, registered_by=user, members=2)
    member = household.memberships[1]
    path = f"/registro/hogares/{household.id}"
    client.post(f"{path}/integrante", data={"csrf_token": csrf_token(client, path),
                                            "person_id": str(member.person_id), "relationship": "head",
                                            "present": "y"})
    assert member.relationship_to_head == "child"
    assert "ya tiene jefa o jefe" in client.get(path).get_data(as_text=True)


def test_person_alone_joins_a_household_from_their_page(client, db, login_as):
    user = login_as("caseworker", ["12"])
    household = factories.make_household(db, registered_by=user, members=1)
    person = factories.make_person(db, registered_by=user)
    path = f"/registro/personas/{person.id}"
    response = client.post(f"{path}/hogar", data={"csrf_token": csrf_token(client, path),
                                                  "household_id": str(household.id), "relationship": "parent"})
    assert response.status_code == 302
    assert person.current_membership.household_id == household.id and household.size == 2


def test_the_person_page_links_to_its_forms_instead_of_building_them(client, db, login_as):
    user = login_as("caseworker", ["12"])
    factories.make_household(db, registered_by=user, members=1)
    person = factories.make_person(db, registered_by=user)
    page = client.get(f"/registro/personas/{person.id}").get_data(as_text=True)
    assert 'name="household_id"' not in page and 'name="scope"' not in page
    assert f"/registro/personas/{person.id}/hogar" in page and f"/registro/personas/{person.id}/consentimientos" in page
    form = client.get(f"/registro/personas/{person.id}/hogar")
    assert form.status_code == 200 and 'name="household_id"' in form.get_data(as_text=True)


def test_a_move_without_a_household_comes_back_with_the_message(client, db, login_as):
    user = login_as("caseworker", ["12"])
    person = factories.make_person(db, registered_by=user)
    path = f"/registro/personas/{person.id}/hogar"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "relationship": "parent"})
    assert response.status_code == 400 and 'name="household_id"' in response.get_data(as_text=True)


def test_person_cannot_be_moved_into_a_household_of_another_state(client, db, login_as):
    user = login_as("caseworker", ["12"])
    foreign = factories.make_household(db, state="07", members=1)
    person = factories.make_person(db, registered_by=user)
    path = f"/registro/personas/{person.id}"
    client.post(f"{path}/hogar", data={"csrf_token": csrf_token(client, path),
                                       "household_id": str(foreign.id), "relationship": "parent"})
    assert person.current_membership is None and foreign.size == 1


GARBAGE = {
    "empty": {},
    "long": "x" * 10000,
    "script": SCRIPT,
    "wrong_type": "[]{}<>';--",
}
FIELDS_OF_EVERY_FORM = (
    "given_names", "first_surname", "curp", "birth_date", "estimated_age", "registered_sex", "phone", "state_code",
    "municipality_code", "relationship", "present", "reason", "left_on", "person_id", "household_id", "consent_id",
    "withdrawn_on", "scope", "method", "taken_on", "institution_id", "event_type", "started_on", "causes",
    "origin_state_code", "name", "kind", "event_ids", "notes", "version", "kind", "members-0-given_names",
    "members-0-relationship", "members-0-birth_date", "duplicate_reason",
)


@pytest.mark.parametrize("garbage", ["empty", "long", "script", "wrong_type"])
def test_every_registry_form_refuses_garbage_without_error_or_write(app, client, db, login_as, garbage):
    from dfi_casos.security.audit import AuditEvent

    user = login_as("caseworker", ["12"])
    household = factories.make_household(db, registered_by=user, members=2)
    person = household.memberships[1].person
    event = factories.make_event(db, registered_by=user)
    community = factories.make_community(db, registered_by=user)
    ids = {"household_id": household.id, "person_id": person.id, "event_id": event.id,
           "community_id": community.id}
    writes = select(func.count()).select_from(AuditEvent).where(AuditEvent.action.not_in(("view", "access_denied")))
    before = db.scalar(writes)
    versions = (household.version, person.version, event.version, community.version)
    value = GARBAGE[garbage]
    problems = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("registry.") or "POST" not in (rule.methods or ()):
            continue
        url = rule.build({name: str(ids[name]) for name in rule.arguments}, append_unknown=False)[1]
        data = {} if garbage == "empty" else {name: value for name in FIELDS_OF_EVERY_FORM}
        data["csrf_token"] = csrf_token(client, "/busqueda/")
        response = client.post(url, data=data)
        body = response.get_data(as_text=True)
        if response.status_code not in (302, 400):
            problems.append(f"{url}: {response.status_code}")
        if SCRIPT in body:
            problems.append(f"{url}: markup echoed unescaped")
    db.expire_all()
    assert not problems, problems
    assert db.scalar(writes) == before
    assert (household.version, person.version, event.version, community.version) == versions


def test_event_and_community_say_whether_they_were_registered_or_updated(client, db, login_as):
    from dfi_casos.registry.models import Community, DisplacementEvent

    login_as("caseworker", ["12"])
    assert event_form(client).status_code == 302
    event = db.query(DisplacementEvent).one()
    assert "Evento registrado." in client.get(f"/registro/eventos/{event.id}").get_data(as_text=True)
    edit = f"/registro/eventos/{event.id}/editar"
    event_form(client, path=edit, estimated_households="41", version=str(event.version))
    assert "Evento actualizado." in client.get(f"/registro/eventos/{event.id}").get_data(as_text=True)
    community_form(client)
    community = db.query(Community).one()
    assert "Comunidad registrada." in client.get(f"/registro/comunidades/{community.id}").get_data(as_text=True)
