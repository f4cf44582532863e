"""Case endpoints (#21): list, read, open, assign, stage changes and approvals, services and referrals.

Every call goes through what the screens use: `scope` loads the case (404 out of scope), the case
services change it (their rules, their audit entries, their version check under If-Match), and
`cases.pages` / `cases.lists` read it (their "view" audit entries). Nothing here queries on its own.
"""
from __future__ import annotations

from functools import partial
from typing import Any, cast

from flask import current_app, url_for
from sqlalchemy.orm import Session

from dfi_casos import scope
from dfi_casos.api import bp, current_principal, requires, spec, validated
from dfi_casos.api.case_schemas import (
    ENTRY_FIELDS,
    PENDING_FIELDS,
    REFERRAL_FIELDS,
    SERVICE_FIELDS,
    ApprovalCreate,
    ApprovalDecision,
    CaseAssign,
    CaseCreate,
    CaseListQuery,
    CaseOut,
    CasePage,
    ReferralCreate,
    ReferralList,
    ReferralOut,
    ReferralStatusChange,
    ServiceCreate,
    ServiceList,
    ServiceOut,
    ServiceStatusChange,
    StageChange,
)
from dfi_casos.api.common import (
    check_version,
    expected_version,
    fetch_page,
    filter_fields,
    page_body,
    responses,
    visible_fields,
    with_etag,
)
from dfi_casos.cases import actions, flags, lists, pages, services
from dfi_casos.cases.life_models import FlagType
from dfi_casos.cases.lists import CaseRow
from dfi_casos.cases.models import Case, Referral, Service
from dfi_casos.cases.pages import TimelineEntry
from dfi_casos.catalogs.enums import CaseSubject
from dfi_casos.database import local_today
from dfi_casos.extensions import db
from dfi_casos.institutions.services import institution_names
from dfi_casos.registry.models import Community, Household, Person
from dfi_casos.security.access import Permission, Principal

P = Permission
TAGS = ["casos"]
#: The model and audit name of a case's subject, by its subject_type.
SUBJECTS: dict[CaseSubject, tuple[type[Household | Person | Community], str]] = {
    CaseSubject.HOUSEHOLD: (Household, "household"), CaseSubject.INDIVIDUAL: (Person, "person"),
    CaseSubject.COMMUNITY: (Community, "community")}


def _session() -> Session:
    """The request's session (Flask-SQLAlchemy's scoped proxy, typed as the Session it stands for)."""
    return cast(Session, db.session)


def _idle_days() -> int:
    """The screens' setting (CASE_IDLE_DAYS), read as `cases.views.idle_days` reads it."""
    return int(current_app.config["CASE_IDLE_DAYS"])


# --- what an answer holds ---------------------------------------------------------------------------

def summary(row: CaseRow) -> dict[str, Any]:
    case = row.case
    return {"id": case.id, "folio": case.folio, "subject_type": case.subject_type, "subject": row.subject,
            "place": row.place, "state_code": case.state_code, "stage": case.stage, "status": case.status,
            "recognition_status": case.recognition_status, "opened_on": case.opened_on, "closed_on": case.closed_on,
            "owner_id": case.owner_id, "days_in_stage": row.days_in_stage,
            "overdue_referrals": row.overdue_referrals, "flags": list(row.flags)}


def service_body(principal: Principal, service: Service, notes: str | None, institution: str | None) -> dict[str, Any]:
    body = {"id": service.id, "assistance_type": service.assistance_type, "provided_on": service.provided_on,
            "status": service.status, "institution_id": service.institution_id, "institution": institution,
            "next_statuses": sorted(services.SERVICE_FLOW[service.status]), "notes": notes}
    return filter_fields(body, visible_fields(principal, SERVICE_FIELDS))


def referral_body(principal: Principal, referral: Referral, text: str | None, institution: str | None,
                  overdue: bool) -> dict[str, Any]:
    body = {"id": referral.id, "institution_id": referral.institution_id, "institution": institution,
            "need": referral.need, "sent_on": referral.sent_on, "due_on": referral.due_on, "status": referral.status,
            "overdue": overdue, "next_statuses": sorted(services.REFERRAL_FLOW[referral.status]), "text": text}
    return filter_fields(body, visible_fields(principal, REFERRAL_FIELDS))


def _entry(principal: Principal, e: TimelineEntry) -> dict[str, Any]:
    body = {"at": e.at, "day": e.day, "kind": e.kind, "title": e.title, "actor": e.actor, "detail": e.detail,
            "overdue": e.overdue, "text": e.text}
    return filter_fields(body, visible_fields(principal, ENTRY_FIELDS))


def case_body(principal: Principal, case: Case) -> dict[str, Any]:
    """The case as its page shows it (one "view" audit entry, written by `pages.case_record`)."""
    record = pages.case_record(_session(), principal, case, idle_days=_idle_days())
    active = flags.active_flags(_session(), [case.id]).get(case.id, [])
    row = CaseRow(case, record.subject, record.place, record.days_in_stage,
                  sum(1 for e in record.referrals if e.overdue), [f.flag_type for f in active])
    pending = None
    if record.pending is not None:
        p = record.pending
        pending = filter_fields({"id": p.id, "from_stage": p.from_stage, "to_stage": p.to_stage,
                                 "closure_reason": p.closure_reason, "requested_by": record.pending_by,
                                 "requested_at": p.requested_at, "justification": record.pending_justification or None},
                                visible_fields(principal, PENDING_FIELDS))
    body = summary(row) | {
        "version": case.version, "owner": record.owner, "assignee_ids": sorted(case.assignee_ids),
        "assignees": record.assignees, "pending_approval": pending, "warnings": [f.label for f in record.flags],
        "durable_solution_blockers": record.blockers, "next_actions": sorted(actions.available(case)),
        "history": [_entry(principal, e) for e in record.entries],
        "services": [service_body(principal, e.service, e.text, e.detail)
                     for e in record.services if e.service is not None],
        "referrals": [referral_body(principal, e.referral, e.text, _institution_name(e.referral.institution_id),
                                    e.overdue) for e in record.referrals if e.referral is not None],
    }
    return CaseOut.model_validate(body).model_dump(mode="json", exclude_unset=True)


def _case_answer(case: Case, status: int = 200) -> tuple[dict[str, Any], int, dict[str, str]]:
    location = url_for("api.read_case", case_id=case.id) if status == 201 else None
    return with_etag(case_body(current_principal(), case), case, status, location)


def _load(case_id: str) -> Case:
    return scope.get_case_for(_session(), current_principal(), case_id)


def _for_update(case_id: str) -> tuple[Case, int]:
    """The case and the version the client read (If-Match: 428 missing, 412 stale)."""
    wanted = expected_version()
    case = _load(case_id)
    check_version(case.version, wanted)
    return case, wanted


# --- list, read, open, assign -----------------------------------------------------------------------

@bp.get("/casos")
@requires("cases:read", P.VIEW_CASES)
@spec.validate(query=CaseListQuery, resp=responses(CasePage, errors=[422]), tags=TAGS)
def list_cases() -> Any:
    """Casos a su alcance, del más reciente al más antiguo, con los filtros de la lista de casos."""
    query: CaseListQuery = validated("query")
    principal = current_principal()
    if query.folio:
        found = lists.find_by_folio(_session(), principal, query.folio)
        rows = lists.case_rows(_session(), principal, [found] if found is not None else [])
        return CasePage.model_validate({"items": [summary(r) for r in rows], "next_cursor": None}).model_dump(
            mode="json")
    filters = lists.CaseFilters(stage=query.stage, state_code=query.state, owner_id=query.owner_id,
                                overdue_only=query.overdue, open_only=query.open_only,
                                flag=query.flag.value if isinstance(query.flag, FlagType) else query.flag,
                                sort=query.sort)
    kind = f"cases:{query.sort}"  # each order has its own key: a cursor serves only the order it came from
    page = fetch_page(kind, query, partial(lists.find_cases, _session(), principal, filters))
    rows = lists.case_rows(_session(), principal, page.items)
    body = page_body(kind, page, [summary(r) for r in rows])
    return CasePage.model_validate(body).model_dump(mode="json")


@bp.get("/casos/<case_id>")
@requires("cases:read", P.VIEW_CASES)
@spec.validate(resp=responses(CaseOut), tags=TAGS)
def read_case(case_id: str) -> Any:
    """Un caso como lo muestra su página: historia, servicios, canalizaciones y lo que puede hacer ahora."""
    return _case_answer(_load(case_id))


@bp.post("/casos")
@requires("cases:write", P.REGISTER)
@spec.validate(json=CaseCreate, resp=responses(CaseOut, 201, errors=[422]), tags=TAGS)
def open_case() -> Any:
    """Abre un caso para un hogar, una persona o una comunidad registrados (uno abierto a la vez)."""
    data: CaseCreate = validated("json")
    model, object_type = SUBJECTS[data.subject_type]
    principal = current_principal()
    subject = scope.get_subject_for(_session(), principal, model, data.subject_id, object_type)
    case = services.open_case(_session(), principal, subject, stage=data.stage)
    return _case_answer(case, 201)


@bp.put("/casos/<case_id>/asignacion")
@requires("cases:write", P.ASSIGN_CASES)
@spec.validate(json=CaseAssign, resp=responses(CaseOut, errors=[412, 422, 428]), tags=TAGS)
def assign_case(case_id: str) -> Any:
    """Asigna la persona responsable y quienes colaboran (requiere If-Match)."""
    data: CaseAssign = validated("json")
    case, version = _for_update(case_id)
    services.assign(_session(), current_principal(), case, data.owner_id, data.assignee_ids, version)
    return _case_answer(case)


# --- stages and approvals ---------------------------------------------------------------------------

@bp.post("/casos/<case_id>/etapa")
@requires("cases:write", P.REQUEST_STAGE_CHANGE)
@spec.validate(json=StageChange, resp=responses(CaseOut, errors=[412, 422, 428]), tags=TAGS)
def change_stage(case_id: str) -> Any:
    """Cambia la etapa sin aprobación: una hacia adelante, o atrás con motivo (requiere If-Match)."""
    data: StageChange = validated("json")
    case, version = _for_update(case_id)
    services.change_stage(_session(), current_principal(), case, data.to_stage, data.reason, version)
    return _case_answer(case)


@bp.post("/casos/<case_id>/solicitud")
@requires("cases:write", P.REQUEST_STAGE_CHANGE)
@spec.validate(json=ApprovalCreate, resp=responses(CaseOut, errors=[412, 422, 428]), tags=TAGS)
def request_approval(case_id: str) -> Any:
    """Solicita pasar a soluciones duraderas o cerrar; decide otra supervisora u otro supervisor (If-Match)."""
    data: ApprovalCreate = validated("json")
    case, version = _for_update(case_id)
    services.request_approval(_session(), current_principal(), case, data.to_stage, data.closure_reason,
                              data.justification, version)
    return _case_answer(case)


@bp.post("/casos/<case_id>/solicitud/decision")
@requires("cases:write", P.APPROVE_STAGE_CHANGE)
@spec.validate(json=ApprovalDecision, resp=responses(CaseOut, errors=[412, 422, 428]), tags=TAGS)
def decide_approval(case_id: str) -> Any:
    """Aprueba o rechaza la solicitud pendiente (nunca la propia; rechazar pide comentario; If-Match)."""
    data: ApprovalDecision = validated("json")
    case, version = _for_update(case_id)
    services.decide_approval(_session(), current_principal(), case, data.decision == "approve", data.comment,
                             version)
    return _case_answer(case)


# --- services and referrals -------------------------------------------------------------------------

@bp.get("/casos/<case_id>/servicios")
@requires("cases:read", P.VIEW_CASES)
@spec.validate(resp=responses(ServiceList), tags=TAGS)
def list_services(case_id: str) -> Any:
    """Asistencias y servicios del caso, como su página los muestra."""
    body = case_body(current_principal(), _load(case_id))
    return {"items": body["services"]}


@bp.post("/casos/<case_id>/servicios")
@requires("cases:write", P.RECORD_SERVICES)
@spec.validate(json=ServiceCreate, resp=responses(ServiceOut, 201, errors=[422]), tags=TAGS)
def add_service(case_id: str) -> Any:
    """Registra una asistencia o servicio (desde el primer contacto, con o sin reconocimiento)."""
    data: ServiceCreate = validated("json")
    principal = current_principal()
    case = _load(case_id)
    service = services.add_service(_session(), principal, case, assistance_type=data.assistance_type,
                                   provided_on=data.provided_on, status=data.status,
                                   institution_id=data.institution_id, notes=data.notes)
    return _service_answer(principal, service, 201)


@bp.patch("/casos/<case_id>/servicios/<service_id>")
@requires("cases:write", P.RECORD_SERVICES)
@spec.validate(json=ServiceStatusChange, resp=responses(ServiceOut, errors=[422]), tags=TAGS)
def update_service(case_id: str, service_id: str) -> Any:
    """Cambia el estado de un servicio según su flujo (solicitado → en curso → entregado...)."""
    data: ServiceStatusChange = validated("json")
    principal = current_principal()
    service = scope.get_service_for(_session(), principal, service_id)
    case = _load(case_id)
    services.update_service_status(_session(), principal, case, service, data.status)
    return _service_answer(principal, service)


def _service_answer(principal: Principal, service: Service, status: int = 200) -> Any:
    name = _institution_name(service.institution_id)
    return ServiceOut.model_validate(service_body(principal, service, service.notes, name)).model_dump(
        mode="json", exclude_unset=True), status


@bp.get("/casos/<case_id>/canalizaciones")
@requires("cases:read", P.VIEW_CASES)
@spec.validate(resp=responses(ReferralList), tags=TAGS)
def list_referrals(case_id: str) -> Any:
    """Canalizaciones del caso, como su página las muestra."""
    body = case_body(current_principal(), _load(case_id))
    return {"items": body["referrals"]}


@bp.post("/casos/<case_id>/canalizaciones")
@requires("cases:write", P.RECORD_SERVICES)
@spec.validate(json=ReferralCreate, resp=responses(ReferralOut, 201, errors=[422]), tags=TAGS)
def add_referral(case_id: str) -> Any:
    """Canaliza el caso a una institución (solo con el consentimiento de la persona para compartir sus datos)."""
    data: ReferralCreate = validated("json")
    principal = current_principal()
    case = _load(case_id)
    referral = services.add_referral(_session(), principal, case, institution_id=data.institution_id,
                                     need=data.need, due_on=data.due_on, notes=data.notes)
    return _referral_answer(principal, referral, referral.notes, 201)


@bp.patch("/casos/<case_id>/canalizaciones/<referral_id>")
@requires("cases:write", P.RECORD_SERVICES)
@spec.validate(json=ReferralStatusChange, resp=responses(ReferralOut, errors=[422]), tags=TAGS)
def update_referral(case_id: str, referral_id: str) -> Any:
    """Cambia el estado de una canalización según su flujo, con la respuesta de la institución."""
    data: ReferralStatusChange = validated("json")
    principal = current_principal()
    referral = scope.get_referral_for(_session(), principal, referral_id)
    case = _load(case_id)
    services.update_referral_status(_session(), principal, case, referral, data.status, data.response)
    return _referral_answer(principal, referral, referral.response or referral.notes)


def _referral_answer(principal: Principal, referral: Referral, text: str | None, status: int = 200) -> Any:
    overdue = services.is_overdue(referral, local_today())
    body = referral_body(principal, referral, text, _institution_name(referral.institution_id), overdue)
    return ReferralOut.model_validate(body).model_dump(mode="json", exclude_unset=True), status


def _institution_name(institution_id: int | None) -> str | None:
    if institution_id is None:
        return None
    return institution_names(_session(), [institution_id]).get(institution_id)
