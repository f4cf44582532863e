"""Case pages over HTTP: the case page and its timeline, actions, conflicts, refusals, 404 outside one's reach."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.cases import lists
from dfi_casos.cases import services as cases
from dfi_casos.cases.models import Referral, StageTransition
from dfi_casos.catalogs.enums import Stage
from dfi_casos.database import local_today
from dfi_casos.registry.models import Household
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token

GRO, CHIS = "12", "07"


def page_csrf(client, case):
    return csrf_token(client, f"/casos/{case.id}")


def post_action(client, case, path, data, version=None):
    prefix = data.pop("_prefix")
    form = {f"{prefix}-{k}": v for k, v in data.items()}
    form[f"{prefix}-csrf_token"] = page_csrf(client, case)
    if version is not None:
        form[f"{prefix}-version"] = str(version)
    return client.post(f"/casos/{case.id}/{path}", data=form)


def last_audit(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())).first()


def test_case_page_shows_stage_timeline_and_audits_field_names_not_values(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    cases.add_note(db, user, case, "La familia teme represalias en Chilapa")
    page = client.get(f"/casos/{case.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert case.folio in html and "Asistencia" in html and "La familia teme represalias en Chilapa" in html
    assert f'href="/casos/{case.id}/entrevista"' in html and "Enviar entrevista inicial a valoración" in html
    view = last_audit(db, "view")
    fields = json.loads(view.details)["fields"]
    assert view.object_id == str(case.id) and {"case_note.body", "person.given_names"} <= set(fields)
    assert "Chilapa" not in view.details and "Juana" not in view.details and "Juana" in html


def test_caseworker_lands_on_mis_casos_with_what_needs_action(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    case.stage = Stage.ATTENTION
    cases.request_approval(db, user, case, Stage.DURABLE_SOLUTIONS, None, "Listo")
    cases.decide_approval(db, supervisor, case, approve=False, comment="Falta la evaluación")
    html = client.get("/").get_data(as_text=True)
    assert "Mis casos" in html and "Solicitudes rechazadas" in html and case.folio in html


def test_supervisor_sees_requests_to_decide_in_mis_casos(client, db, login_as):
    supervisor = login_as("supervisor", [GRO])
    case = factories.make_case(db, None, GRO, stage=Stage.ATTENTION)
    cases.request_approval(db, db.get(type(supervisor), case.owner_id), case, Stage.DURABLE_SOLUTIONS, None, "Listo")
    html = client.get("/casos/").get_data(as_text=True)
    assert "Decisiones que le esperan" in html and case.folio in html


def test_stage_change_through_the_form(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    response = post_action(client, case, "etapa", {"_prefix": "etapa", "to_stage": "attention"}, case.version)
    assert response.status_code == 302
    assert case.stage == Stage.ATTENTION


def test_stale_form_is_a_conflict_and_writes_nothing(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    old_version = case.version
    cases.change_stage(db, factories.make_user(db, Role.SUPERVISOR, [GRO]), case, Stage.ATTENTION)
    db.flush()
    before = db.scalars(select(StageTransition).where(StageTransition.case_id == case.id)).all()
    response = post_action(client, case, "etapa", {"_prefix": "etapa", "to_stage": "prevention",
                                                   "reason": "Riesgo"}, old_version)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Otra persona cambió este caso mientras usted trabajaba" in html
    assert f'name="etapa-version" type="hidden" value="{case.version}"' in html  # resubmitting now works
    db.expire_all()
    assert db.scalars(select(StageTransition).where(StageTransition.case_id == case.id)).all() == before
    assert case.stage == Stage.ATTENTION


def test_going_back_without_reason_is_refused_beside_the_field(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO, stage=Stage.ATTENTION)
    response = post_action(client, case, "etapa", {"_prefix": "etapa", "to_stage": "assistance"}, case.version)
    assert response.status_code == 400
    assert re.search(r'id="etapa-reason-err".*motivo', response.get_data(as_text=True), re.S)
    assert case.stage == Stage.ATTENTION


@pytest.mark.parametrize("data", [
    {"_prefix": "etapa", "to_stage": "no-such-stage"},
    {"_prefix": "etapa", "to_stage": "attention", "version": "abc"},
    {"_prefix": "servicio", "assistance_type": "food", "provided_on": "31/31/2026", "status": "delivered"},
    {"_prefix": "canalizacion", "institution_id": "99999", "need": "food", "due_on": "2030-01-01"},
])
def test_bad_input_is_a_400_with_nothing_written(client, db, login_as, data):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    paths = {"etapa": "etapa", "servicio": "servicios", "canalizacion": "canalizaciones"}
    version = case.version if "version" not in data else None
    response = post_action(client, case, paths[data["_prefix"]], dict(data), version)
    assert response.status_code == 400
    assert case.stage == Stage.ASSISTANCE and case.services == [] and case.referrals == []


def test_referral_without_consent_is_refused_beside_the_institution(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    institution = factories.make_institution(db, "DIF estatal")
    response = post_action(client, case, "canalizaciones", {
        "_prefix": "canalizacion", "institution_id": str(institution.id), "need": "psychosocial_care",
        "due_on": (local_today() + timedelta(days=7)).isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="canalizacion-institution_id-err".*consentimiento', html, re.S)
    assert db.scalars(select(Referral).where(Referral.case_id == case.id)).all() == []


def test_referral_with_consent_is_sent_and_shown(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    institution = factories.make_institution(db, "DIF estatal")
    factories.make_sharing_consent(db, factories.household_head(db.get(Household, case.household_id)),
                                   institution, user)
    response = post_action(client, case, "canalizaciones", {
        "_prefix": "canalizacion", "institution_id": str(institution.id), "need": "psychosocial_care",
        "due_on": (local_today() + timedelta(days=7)).isoformat(), "notes": "Urgente"})
    assert response.status_code == 302
    assert "DIF estatal" in client.get(f"/casos/{case.id}").get_data(as_text=True)


def test_referral_and_service_status_updates_from_the_case_page(client, db, login_as):
    from dfi_casos.catalogs.enums import AssistanceType, ReferralStatus, ServiceStatus

    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    institution = factories.make_institution(db, "DIF estatal")
    factories.make_sharing_consent(db, factories.household_head(db.get(Household, case.household_id)),
                                   institution, user)
    referral = cases.add_referral(db, user, case, institution_id=institution.id, need=AssistanceType.FOOD,
                                  due_on=local_today() + timedelta(days=3))
    service = cases.add_service(db, user, case, assistance_type=AssistanceType.SHELTER, provided_on=local_today(),
                                status=ServiceStatus.REQUESTED)
    page = client.get(f"/casos/{case.id}").get_data(as_text=True)
    assert f"/casos/{case.id}/canalizaciones/{referral.id}" in page
    assert f"/casos/{case.id}/servicios/{service.id}" in page
    token = csrf_token(client, f"/casos/{case.id}")
    response = client.post(f"/casos/{case.id}/canalizaciones/{referral.id}",
                           data={"estado-csrf_token": token, "estado-status": "accepted",
                                 "estado-response": "Cita el lunes"})
    assert response.status_code == 302 and referral.status == ReferralStatus.ACCEPTED
    response = client.post(f"/casos/{case.id}/servicios/{service.id}",
                           data={"estado_servicio-csrf_token": token, "estado_servicio-status": "delivered"})
    assert response.status_code == 302 and service.status == ServiceStatus.DELIVERED
    refused = client.post(f"/casos/{case.id}/servicios/{service.id}",
                          data={"estado_servicio-csrf_token": token, "estado_servicio-status": "requested"})
    assert refused.status_code == 400 and "no puede pasar" in refused.get_data(as_text=True)
    assert service.status == ServiceStatus.DELIVERED


def test_supervisor_cannot_approve_own_request_over_http(client, db, login_as):
    supervisor = login_as("supervisor", [GRO])
    case = factories.make_case(db, supervisor, GRO, stage=Stage.ATTENTION)
    cases.request_approval(db, supervisor, case, Stage.DURABLE_SOLUTIONS, None, "Listo")
    response = post_action(client, case, "aprobacion", {"_prefix": "aprobacion", "decision": "approve"},
                           case.version)
    assert response.status_code == 400
    assert "Nadie puede aprobar su propia solicitud" in response.get_data(as_text=True)
    assert case.stage == Stage.ATTENTION


def test_closure_request_page(client, db, login_as):
    user = login_as("caseworker", [GRO])
    case = factories.make_case(db, user, GRO)
    assert client.get(f"/casos/{case.id}/cierre").status_code == 200
    response = client.post(f"/casos/{case.id}/cierre", data={
        "solicitud-csrf_token": csrf_token(client, f"/casos/{case.id}/cierre"), "solicitud-to_stage": "closed",
        "solicitud-closure_reason": "lost_contact", "solicitud-justification": "Sin respuesta en 3 meses",
        "solicitud-version": str(case.version)})
    assert response.status_code == 302
    assert case.pending_approval is not None and case.pending_approval.to_stage == Stage.CLOSED


def test_folio_search_opens_the_case_and_unknown_folio_is_not_found(client, db, login_as):
    login_as("supervisor", [GRO])
    case = factories.make_case(db, None, GRO)
    found = client.get("/casos/lista", query_string={"folio": case.folio.lower()})
    assert found.status_code == 302 and found.location.endswith(f"/casos/{case.id}")
    assert client.get("/casos/lista", query_string={"folio": "DFI-GRO-1999-000001"}).status_code == 404
    listing = client.get("/casos/lista", query_string={"stage": "assistance", "state": GRO})
    assert listing.status_code == 200 and case.folio in listing.get_data(as_text=True)


def test_open_case_for_a_household(client, db, login_as):
    user = login_as("caseworker", [GRO])
    household = factories.make_case_household(db, user, GRO)
    path = f"/casos/nuevo/hogar/{household.id}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "stage": "prevention"})
    assert response.status_code == 302
    case = lists.list_cases(db, user).items[0]
    assert case.household_id == household.id and case.stage == Stage.PREVENTION and case.owner_id == user.id


CASE_ROUTES = [("get", ""), ("get", "/cierre"), ("post", "/etapa"), ("post", "/solicitud"), ("post", "/aprobacion"),
               ("post", "/entrevista"), ("post", "/valoracion"), ("post", "/recurso"), ("post", "/recurso/decision"),
               ("post", "/asignacion"), ("post", "/servicios"), ("post", "/canalizaciones"), ("post", "/notas")]


@pytest.mark.parametrize(("method", "suffix"), CASE_ROUTES)
@pytest.mark.parametrize(("role", "states"), [("caseworker", [GRO]), ("supervisor", [CHIS]), ("auditor", [GRO]),
                                              ("administrator", [GRO])])
def test_case_routes_answer_404_outside_ones_reach_and_audit_it(client, db, login_as, method, suffix, role, states):
    login_as(role, states)
    case = factories.make_case(db, None, GRO)  # owned by someone else
    note_count = len(case.notes)
    token = csrf_token(client, "/")
    response = getattr(client, method)(f"/casos/{case.id}{suffix}", data={"csrf_token": token})
    assert response.status_code == 404
    assert case.folio not in response.get_data(as_text=True)
    assert last_audit(db, "access_denied") is not None and len(case.notes) == note_count


def test_household_page_lists_its_cases_and_offers_to_open_one(client, db, login_as):
    from tests import factories

    caseworker = login_as("caseworker", ["12"])
    household = factories.make_household(db, state="12", registered_by=caseworker)
    page = client.get(f"/registro/hogares/{household.id}").get_data(as_text=True)
    assert "Sin casos abiertos." in page and f"/casos/nuevo/hogar/{household.id}" in page
    case = factories.make_case(db, owner=caseworker, household=household)
    page = client.get(f"/registro/hogares/{household.id}").get_data(as_text=True)
    assert case.folio in page and f"/casos/nuevo/hogar/{household.id}" not in page


def test_case_list_is_paginated(app, client, db, login_as):
    from tests import factories

    supervisor = login_as("supervisor", ["12"])
    size = app.config["PAGE_SIZE"]
    folios = [factories.make_case(db, owner=supervisor).folio for _ in range(size + 3)]
    first = client.get("/casos/lista").get_data(as_text=True)
    second = client.get("/casos/lista?pagina=2").get_data(as_text=True)
    assert sum(folio in first for folio in folios) == size
    assert sum(folio in second for folio in folios) == 3
    assert "Página 2" in second and "Siguiente" not in second and "Siguiente" in first
    assert client.get("/casos/lista?pagina=abc").status_code == 200  # unreadable page: the first one
