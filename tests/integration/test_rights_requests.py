"""ARCO requests: deadlines in días hábiles, the steps of a request, scope, the worklist and the home page."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.catalogs.enums import ArcoRight
from dfi_casos.database import local_today
from dfi_casos.rights import calendar, pages, services
from dfi_casos.rights.models import ArcoChannel, ArcoRequest, ArcoStatus, IdentityDocument
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token

GRO, CHIS = "12", "07"


def settings(app, **extra):
    return {**app.config, **extra}


def request_data(**values):
    base = dict(right=ArcoRight.ACCESS, channel=ArcoChannel.EMAIL, received_on=date(2026, 11, 2),
                description="Quiero saber qué datos tienen de mí.")
    base.update(values)
    return services.RequestData(**base)


# --- the calendar ------------------------------------------------------------------------------------

def test_nominal_holidays_not_the_labour_law_mondays(app):
    used = calendar.from_settings(app.config)
    assert not used.is_business_day(date(2026, 2, 5))  # Thursday, nominal
    assert used.is_business_day(date(2026, 2, 2))  # the labour law's Monday is a working day here
    assert not used.is_business_day(date(2026, 11, 20))
    assert used.is_business_day(date(2026, 11, 16))


def test_deadline_across_year_end_and_holy_week(app):
    winter = (date(2026, 12, 21), date(2027, 1, 1))
    holy_week = (date(2027, 3, 22), date(2027, 3, 26))
    used = calendar.from_settings(app.config, periods=[winter, holy_week])
    # Received Friday 11 December 2026: 14-18 Dec are days 1-5, the vacation and 1 January are skipped,
    # then 4-8 Jan, 11-15 Jan and 18-22 Jan: day 20 is 22 January.
    assert used.add_business_days(date(2026, 12, 11), 20) == date(2027, 1, 22)
    # Received 8 March 2027: 21 March falls on a Sunday; Holy Week (22-26 March) is skipped.
    due = used.add_business_days(date(2027, 3, 8), 20)
    assert due == date(2027, 4, 12)
    assert used.business_days_between(date(2027, 3, 19), due) == 11  # 29 Mar-2 Apr, 5-9 Apr, 12 Apr


def test_a_request_received_on_saturday_counts_from_monday(app):
    used = calendar.from_settings(app.config)
    assert used.add_business_days(date(2026, 11, 7), 1) == used.add_business_days(date(2026, 11, 9), 1) \
        == date(2026, 11, 10)


def test_deadline_names_the_calendar_revision_that_computed_it(db, app):
    admin = factories.make_user(db, Role.ADMINISTRATOR, None)
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    first = services.register_request(db, liaison, app.config, request_data(requester_name="Alguien",
                                                                             state_code=GRO))
    services.add_period(db, admin, services.PeriodData("Suspensión", date(2026, 11, 23), date(2026, 11, 27)))
    second = services.register_request(db, liaison, app.config, request_data(requester_name="Alguien",
                                                                              state_code=GRO))
    assert second.calendar_revision == first.calendar_revision + 1
    assert (second.due_on - first.due_on).days == 7  # one business week later


def test_state_administrator_cannot_edit_the_calendar(client, login_as, db):
    login_as(Role.ADMINISTRATOR, [GRO])
    token = csrf_token(client, "/arco/calendario")
    response = client.post("/arco/calendario", data={"csrf_token": token, "name": "X", "starts_on": "2026-12-01",
                                                     "ends_on": "2026-12-02"})
    assert response.status_code == 404


# --- registering and steps ---------------------------------------------------------------------------

def test_liaison_registers_a_request_for_a_person_found_by_curp(client, login_as, db):
    person = factories.make_person(db, GRO, curp="HEGG560427MVZRRL04")
    login_as(Role.TRANSPARENCY, [GRO])
    token = csrf_token(client, "/arco/nueva")
    response = client.post("/arco/nueva", data={
        "csrf_token": token, "right": "access", "channel": "email", "received_on": "2026-11-02",
        "curp": "hegg560427mvzrrl04", "description": "Copia de todo lo que tienen", "identity_verified": "y",
        "identity_document": "ine"})
    assert response.status_code == 302, response.get_data(as_text=True)
    created = db.scalars(select(ArcoRequest).where(ArcoRequest.person_id == person.id)).one()
    assert created.state_code == GRO and created.identity_verified
    assert re.fullmatch(r"ARCO-12-2026-\d{6}", created.folio)
    page = client.get(response.location).get_data(as_text=True)
    assert created.folio in page and "Copia de todo lo que tienen" in page


def test_request_for_a_person_outside_scope_is_refused_and_audited(client, login_as, db):
    other = factories.make_person(db, CHIS, curp="MAHJ280603MSPRRV09")
    login_as(Role.TRANSPARENCY, [GRO])
    token = csrf_token(client, "/arco/nueva")
    form = {"csrf_token": token, "right": "cancellation", "channel": "email", "received_on": "2026-11-02",
            "curp": "MAHJ280603MSPRRV09", "description": "Borren mis datos"}
    response = client.post("/arco/nueva", data=form)
    assert response.status_code == 400
    assert str(services.PERSON_NOT_FOUND) in response.get_data(as_text=True)
    assert db.scalar(select(ArcoRequest).where(ArcoRequest.person_id == other.id)) is None
    denial = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert denial.action == "access_denied" and denial.object_id == str(other.id)
    assert "out_of_scope" in denial.details
    # Absent looks the same to the user.
    absent = client.post("/arco/nueva", data={**form, "curp": "HEGG560427MVZRRL04"})
    assert str(services.PERSON_NOT_FOUND) in absent.get_data(as_text=True)
    # And a direct id of the other state answers the same 404 as anything absent.
    by_id = client.post("/arco/nueva", data={**form, "curp": "", "person_id": str(other.id)})
    assert by_id.status_code == 404


def test_extension_once_with_reason_then_answer_and_close(db, app):
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    arco = services.register_request(db, liaison, app.config, request_data(requester_name="X", state_code=GRO,
                                                                           received_on=local_today()))
    due = arco.due_on
    with pytest.raises(services.RightsError):
        services.take_step(db, liaison, app.config, arco, "extend", services.StepData(text=" "), arco.version)
    services.take_step(db, liaison, app.config, arco, "extend", services.StepData(text="Volumen de información"),
                       arco.version)
    assert arco.status == ArcoStatus.EXTENDED and arco.original_due_on == due and arco.due_on > due
    assert "extend" not in services.available_steps(arco)
    with pytest.raises(services.RightsError):
        services.take_step(db, liaison, app.config, arco, "extend", services.StepData(text="otra"), arco.version)
    services.take_step(db, liaison, app.config, arco, "answer", services.StepData(text="Se entrega el reporte."),
                       arco.version)
    assert arco.status == ArcoStatus.ANSWERED and arco.execute_by is not None
    services.take_step(db, liaison, app.config, arco, "close", services.StepData(), arco.version)
    assert arco.status == ArcoStatus.CLOSED


def test_decline_needs_a_reason(db, app):
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    arco = services.register_request(db, liaison, app.config, request_data(requester_name="X", state_code=GRO))
    with pytest.raises(services.RightsError):
        services.take_step(db, liaison, app.config, arco, "decline", services.StepData(), arco.version)
    services.take_step(db, liaison, app.config, arco, "decline", services.StepData(text="No es titular"),
                       arco.version)
    assert arco.status == ArcoStatus.DECLINED


def test_worklist_sorted_by_days_left_and_home_flags_near_ones(client, login_as, db, app):
    liaison = login_as(Role.TRANSPARENCY, [GRO])
    old = services.register_request(db, liaison, app.config, request_data(
        requester_name="X", state_code=GRO, received_on=date(2026, 1, 5)))
    recent = services.register_request(db, liaison, app.config, request_data(
        requester_name="Y", state_code=GRO, received_on=local_today()))
    services.take_step(db, liaison, app.config, recent, "identity",
                       services.StepData(identity_document=IdentityDocument.INE), recent.version)
    rows = pages.worklist(db, liaison, app.config).open
    assert [r.request.id for r in rows] == [old.id, recent.id]
    assert rows[0].near and rows[0].days_left < 0
    home = client.get("/").get_data(as_text=True)
    assert "Solicitudes ARCO por vencer" in home and old.folio in home and recent.folio not in home
    assert "Vencida hace" in client.get("/arco/").get_data(as_text=True)


def test_liaison_of_another_state_does_not_see_the_request(client, login_as, db, app):
    owner = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    arco = services.register_request(db, owner, app.config, request_data(requester_name="X", state_code=GRO))
    login_as(Role.TRANSPARENCY, [CHIS])
    assert client.get(f"/arco/{arco.id}").status_code == 404
    assert arco.folio not in client.get("/arco/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR])
def test_case_staff_and_auditors_have_no_arco_pages(client, login_as, db, role):
    login_as(role, [GRO])
    assert client.get("/arco/").status_code == 404
