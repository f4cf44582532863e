"""The access report (derecho de acceso): everything the institution holds on one person, and who looked.

Every column of every record about the person is listed, encrypted fields decrypted, by walking the
mapped columns (a field added later appears without editing this module). The trail of who accessed
the records names dates, roles and offices; staff names only when ARCO_REPORT_STAFF_NAMES is set.
"""
from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from dfi_casos.auth.models import User
from dfi_casos.cases.models import Case, CaseNote, Referral, Service
from dfi_casos.catalogs.enums import LabeledEnum
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.database import utcnow
from dfi_casos.documents.models import Attachment
from dfi_casos.registry.models import Consent, DisplacementEvent, Household, HouseholdMembership, Person
from dfi_casos.rights.models import ArcoRequest
from dfi_casos.security import audit
from dfi_casos.security.access import ROLE_LABELS, Principal, Role
from dfi_casos.security.audit import ACTION_LABELS, AuditEvent
from dfi_casos.security.fields import blind_indexes, encrypted_fields
from dfi_casos.solutions.models import DurableSolutionAssessment

#: Audit entries listed at most (newest first); the report says when there were more.
MAX_ACCESSES = 2_000


def _value(value: Any) -> Any:
    if isinstance(value, LabeledEnum):
        return value.label
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    return value


def record_fields(record: Any) -> dict[str, Any]:
    """Every mapped column of `record`, with encrypted fields decrypted and their ciphertext/index columns left out."""
    cls = type(record)
    secret = {field.column_attr: field.name for field in encrypted_fields(cls)}
    hidden = {index.column_attr for index in blind_indexes(cls)}
    values: dict[str, Any] = {}
    for attr in inspect(cls).column_attrs:
        if attr.key in hidden:
            continue
        name = secret.get(attr.key, attr.key)
        values[name] = _value(getattr(record, name))
    return values


def _office(states: str | None) -> str:
    if states == "*":
        return _("Oficinas centrales (alcance nacional)")
    codes = [c for c in (states or "").strip(",").split(",") if c]
    names = [state.name if (state := state_by_code(c)) else c for c in codes]
    return _("Oficina estatal: ") + ", ".join(names) if names else "—"


def build(session: Session, config: Mapping[str, Any], person: Person) -> dict[str, Any]:
    """The whole report as plain data (JSON-ready): the person, households, cases, services, referrals,
    assessments, consents, attachments, ARCO requests and the accesses recorded in the audit trail."""
    memberships = list(session.scalars(select(HouseholdMembership).where(HouseholdMembership.person_id == person.id)
                                       .order_by(HouseholdMembership.joined_on)))
    household_ids = [m.household_id for m in memberships]
    households = list(session.scalars(select(Household).where(Household.id.in_(household_ids)))) \
        if household_ids else []
    event_ids = [h.event_id for h in households if h.event_id is not None]
    events = list(session.scalars(select(DisplacementEvent).where(DisplacementEvent.id.in_(event_ids)))) \
        if event_ids else []
    case_filter = [Case.person_id == person.id]
    if household_ids:
        case_filter.append(Case.household_id.in_(household_ids))
    cases = list(session.scalars(select(Case).where(or_(*case_filter)).order_by(Case.opened_on)))
    case_ids = [c.id for c in cases]
    assessments = list(session.scalars(select(DurableSolutionAssessment).where(
        DurableSolutionAssessment.household_id.in_(household_ids)).order_by(DurableSolutionAssessment.assessed_on))) \
        if household_ids else []
    consents = list(session.scalars(select(Consent).where(Consent.person_id == person.id).order_by(Consent.taken_on)))
    requests = list(session.scalars(select(ArcoRequest).where(ArcoRequest.person_id == person.id)
                                    .order_by(ArcoRequest.received_on)))

    def by_case(model: Any, order: Any) -> dict[Any, list[dict[str, Any]]]:
        grouped: dict[Any, list[dict[str, Any]]] = {}
        if case_ids:
            for row in session.scalars(select(model).where(model.case_id.in_(case_ids)).order_by(order)):
                grouped.setdefault(row.case_id, []).append(record_fields(row))
        return grouped

    services, referrals, notes = (by_case(Service, Service.provided_on), by_case(Referral, Referral.sent_on),
                                  by_case(CaseNote, CaseNote.created_at))
    related = {str(person.id), *(str(i) for i in household_ids), *(str(i) for i in case_ids),
               *(str(c.id) for c in consents), *(str(a.id) for a in assessments)}
    for grouped in (services, referrals, notes):
        related.update(row["id"] for rows in grouped.values() for row in rows)
    return {
        "generado": utcnow().isoformat(),
        "persona": record_fields(person),
        "hogares": [{"integracion": record_fields(m),
                     "hogar": next((record_fields(h) for h in households if h.id == m.household_id), None)}
                    for m in memberships],
        "eventos_de_desplazamiento": [{**record_fields(e), "causes": [c.label for c in e.causes]} for e in events],
        "casos": [{**record_fields(c), "servicios": services.get(c.id, []), "canalizaciones": referrals.get(c.id, []),
                   "notas": notes.get(c.id, [])} for c in cases],
        "evaluaciones_soluciones_duraderas": [
            {**record_fields(a), "criterios": [record_fields(k) for k in a.criteria]} for a in assessments],
        "consentimientos": [{**record_fields(c), "institucion": c.institution.name if c.institution else None}
                            for c in consents],
        "adjuntos": attachments(session, [person.id, *household_ids, *case_ids, *(c.id for c in consents)]),
        "solicitudes_arco": [{"folio": r.folio, "derecho": r.right.label, "estado": r.status.label,
                              "recibida": r.received_on.isoformat(), "vence": r.due_on.isoformat()} for r in requests],
        "accesos": accesses(session, config, person, related, [c.folio for c in cases]),
    }


def attachments(session: Session, record_ids: list[Any]) -> list[dict[str, Any]]:
    """The attachments of the person's records: which record, file names, types, sizes and dates (no content,
    no keys)."""
    found = session.scalars(select(Attachment).where(Attachment.record_id.in_(record_ids),
                                                     Attachment.deleted_at.is_(None)).order_by(Attachment.created_at))
    return [{"registro": a.record_type, "registro_id": str(a.record_id), "agregado": _value(a.created_at),
             "versiones": [{"numero": v.number, "archivo": v.file_name, "tipo": v.mime, "bytes": v.size,
                            "fecha": _value(v.created_at)} for v in a.versions]} for a in found]


def accesses(session: Session, config: Mapping[str, Any], person: Person, related: set[str],
             folios: list[str]) -> dict[str, Any]:
    """Who consulted or changed the person's records, from the audit trail: dates, roles, offices (names if set)."""
    conditions = [AuditEvent.object_id.in_(sorted(related)), AuditEvent.details.like(f"%{person.id}%")]
    if folios:
        conditions.append(AuditEvent.folio.in_(folios))
    stmt = select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.seq.desc()).limit(MAX_ACCESSES + 1)
    entries = list(session.scalars(stmt))
    names: dict[int, str] = {}
    if config.get("ARCO_REPORT_STAFF_NAMES"):
        ids = {e.actor_id for e in entries if e.actor_id is not None}
        names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).tuples().all()) \
            if ids else {}
    rows = []
    for entry in entries[:MAX_ACCESSES]:
        role = str(ROLE_LABELS[Role(entry.actor_role)]) if entry.actor_role in set(Role) else None
        row = {"fecha": _value(entry.occurred_at), "accion": str(ACTION_LABELS.get(entry.action, entry.action)),
               "rol": role or _("Sistema"), "oficina": _office(entry.actor_states), "registro": entry.object_type}
        if names:
            row["persona_servidora_publica"] = names.get(entry.actor_id or 0, "—")
        rows.append(row)
    return {"entradas": rows, "incompleto": len(entries) > MAX_ACCESSES,
            "nombres_del_personal": bool(config.get("ARCO_REPORT_STAFF_NAMES"))}


def to_json(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False).encode()


def record_delivery(session: Session, actor: Principal, request: ArcoRequest, report: dict[str, Any],
                    file_format: str) -> None:
    """The report left the system: an export entry naming the request and the records (ids only)."""
    ids = [report["persona"]["id"], *(c["id"] for c in report["casos"])]
    audit.record_export(session, actor, "arco_access_report", count=1, record_ids=ids, file_format=file_format,
                        fields=sorted(report["persona"]), state_code=request.state_code,
                        arco_request_id=str(request.id), folio=request.folio)
