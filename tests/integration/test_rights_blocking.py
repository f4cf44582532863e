"""Blocking (bloqueo): a blocked person appears in no screen, search, statistic or export, for every role.

The walk visits every GET page of the application (like test_route_access.py), with the URL
arguments pointing at the blocked person, their household and their case, and searches by their
name and CURP: none of their values may show anywhere. Lifting the block brings them back.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.cases import services as cases
from dfi_casos.catalogs.enums import ArcoRight
from dfi_casos.database import local_today
from dfi_casos.rights import blocking, services
from dfi_casos.rights.models import ArcoChannel, IdentityDocument, PersonBlock
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token
from tests.integration.test_route_access import walked_rules

GRO = "12"
SECRET_GIVEN, SECRET_SURNAME, SECRET_CURP = "Zenobia", "Ocultísima", "HEGG560427MVZRRL04"


def blocked_world(db, app, members=3):
    """A household in Guerrero whose second member asks to cancel; she also has a case of her own."""
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    household = factories.make_household(db, GRO, supervisor, members=members)
    person = household.current_memberships[1].person
    person.given_names, person.first_surname, person.curp = SECRET_GIVEN, SECRET_SURNAME, SECRET_CURP
    household_case = cases.open_case(db, supervisor, household)
    own_case = cases.open_case(db, supervisor, person)
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    arco = services.register_request(db, liaison, app.config, services.RequestData(
        right=ArcoRight.CANCELLATION, channel=ArcoChannel.IN_PERSON, received_on=date(2026, 11, 2),
        description="Cancelen mis datos", person_id=person.id, identity_verified=True,
        identity_document=IdentityDocument.INE))
    db.flush()
    return {"person": person, "household": household, "household_case": household_case, "own_case": own_case,
            "liaison": liaison, "request": arco}


def _shows_secret(text: str) -> list[str]:
    return [value for value in (SECRET_SURNAME, SECRET_CURP) if value in text]


def test_block_needs_a_cancellation_with_verified_identity_and_a_reason(db, app):
    world = blocked_world(db, app)
    arco, liaison = world["request"], world["liaison"]
    with pytest.raises(services.RightsError):
        blocking.block_for_request(db, liaison, arco, "  ")
    arco.identity_verified = False
    with pytest.raises(services.RightsError):
        blocking.block_for_request(db, liaison, arco, "Art. de la ley")
    arco.identity_verified = True
    record = blocking.block_for_request(db, liaison, arco, "Cancelación procedente")
    assert world["person"].blocked_at is not None and record.arco_request_id == arco.id
    entry = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert entry.action == "block" and entry.object_id == str(world["person"].id)
    assert SECRET_SURNAME not in entry.details


@pytest.mark.parametrize("role", list(Role))
def test_blocked_person_appears_nowhere_for_any_role(app, client, db, login_as, role):
    world = blocked_world(db, app)
    blocking.block_for_request(db, world["liaison"], world["request"], "Cancelación procedente")
    block = db.scalars(select(PersonBlock)).one()
    login_as(role, None)  # national: the widest view of each role
    records = {"person_id": str(world["person"].id), "household_id": str(world["household"].id),
               "case_id": str(world["own_case"].id), "subject_id": str(world["person"].id), "word": "persona",
               "request_id": str(world["request"].id), "block_id": str(block.id), "fmt": "json"}
    problems = []
    for rule in walked_rules(app):
        if "GET" not in (rule.methods or ()) or set(rule.arguments) - set(records):
            continue
        built = rule.build({name: records[name] for name in rule.arguments}, append_unknown=False)
        url = built[1]
        response = client.get(url)
        text = response.get_data().decode("utf-8", errors="replace")
        if _shows_secret(text):
            problems.append(f"GET {url} as {role.value}: shows {_shows_secret(text)}")
        if rule.endpoint in ("registry.person", "cases.view_case") and response.status_code != 404:
            problems.append(f"GET {url} as {role.value}: {response.status_code}, not 404")
    # The household page stays, without her; its case too.
    household_page = client.get(f"/registro/hogares/{world['household'].id}")
    assert SECRET_GIVEN not in household_page.get_data(as_text=True)
    # Searches by her CURP and her name find nothing, not even "elsewhere".
    for query in (SECRET_CURP, f"{SECRET_GIVEN} {SECRET_SURNAME}"):
        token = csrf_token(client, "/busqueda/") if client.get("/busqueda/").status_code == 200 else None
        if token is None:
            break
        response = client.post("/busqueda/", data={"csrf_token": token, "buscar": "rapida", "rapida-q": query})
        # The box keeps what was typed (its value attribute); nothing else may carry it.
        text = re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))
        assert not _shows_secret(text) and "fuera de su" not in text, (role, query)
    assert not problems, "\n".join(problems)


def test_statistics_and_exports_leave_the_blocked_person_out_until_unblocked(app, client, db, login_as):
    world = blocked_world(db, app, members=7)  # counts of 7 and 6: above the small-cell threshold
    login_as(Role.SUPERVISOR, [GRO])
    url = f"/reportes/personas.csv?desde=2026-01&hasta={local_today():%Y-%m}"
    before = client.get(url).get_data(as_text=True)
    assert before.startswith("\ufeff") or "," in before.splitlines()[0]
    record = blocking.block_for_request(db, world["liaison"], world["request"], "Cancelación procedente")
    during = client.get(url).get_data(as_text=True)
    assert during != before
    blocking.unblock(db, world["liaison"], record, "Resolución revocada")
    after = client.get(url).get_data(as_text=True)
    assert after == before
    assert world["person"].blocked_at is None


def test_only_the_arco_role_lifts_a_block_and_needs_a_reason(app, client, db, login_as):
    world = blocked_world(db, app)
    record = blocking.block_for_request(db, world["liaison"], world["request"], "Cancelación procedente")
    supervisor = factories.make_user(db, Role.SUPERVISOR, None)
    with pytest.raises(Exception):  # noqa: B017 - NotVisible: not the ARCO role
        blocking.unblock(db, supervisor, record, "quiero verla")
    with pytest.raises(services.RightsError):
        blocking.unblock(db, world["liaison"], record, " ")
    login_as(Role.TRANSPARENCY, [GRO])
    token = csrf_token(client, "/arco/bloqueos")
    assert str(world["request"].folio) in client.get("/arco/bloqueos").get_data(as_text=True)
    response = client.post(f"/arco/bloqueos/{record.id}/levantar", data={"csrf_token": token,
                                                                         "reason": "Error de captura"})
    assert response.status_code == 302
    assert world["person"].blocked_at is None


def test_block_from_the_request_page(app, client, db, login_as):
    world = blocked_world(db, app)
    login_as(Role.TRANSPARENCY, [GRO])
    page = client.get(f"/arco/{world['request'].id}").get_data(as_text=True)
    assert "Bloquear datos" in page
    token = csrf_token(client, f"/arco/{world['request'].id}")
    response = client.post(f"/arco/{world['request'].id}/bloquear", data={"csrf_token": token,
                                                                         "reason": "Cancelación procedente"})
    assert response.status_code == 302
    assert world["person"].blocked_at is not None
    assert "Bloqueados" in client.get(response.location).get_data(as_text=True)
