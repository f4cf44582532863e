"""Spanish words for the codes the app stores: states, record types, audit details. Display only."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app

from dfi_casos.catalogs.enums import (
    CaseSubject,
    ClosureReason,
    LabeledEnum,
    RecognitionDecision,
    ReferralStatus,
    ServiceStatus,
    Stage,
)
from dfi_casos.catalogs.geography import state_by_code

#: Record types as the audit trail names them (object_type) -> what a person calls them.
OBJECT_LABELS: dict[str, str] = {
    "case": "Caso", "case_service": "Servicio del caso", "case_note": "Nota del caso",
    "attachment": "Documento", "attachment_version": "Versión de documento",
    "letter_template": "Plantilla de oficio", "case_file": "Expediente impreso",
    "case_subject": "Sujeto del caso", "referral": "Canalización", "household": "Hogar",
    "person": "Persona", "community": "Comunidad", "event": "Evento de desplazamiento",
    "consent": "Consentimiento", "institution": "Institución", "user": "Cuenta",
    "durable_solution_assessment": "Evaluación de soluciones duraderas",
    "solutions_dashboard": "Tablero de soluciones duraderas", "audit_event": "Bitácora",
    "report_personas": "Reporte de personas y hogares", "report_mapa": "Mapa", "report_casos": "Reporte de casos",
    "report_servicios": "Reporte de servicios y canalizaciones", "report_carga": "Carga de trabajo",
    "monthly_report": "Informe mensual",
    "clave": "Clave de cifrado", "endpoint": "Página",
}

#: Keys of an audit entry's details -> label.
DETAIL_LABELS: dict[str, str] = {
    "fields": "Campos", "reason": "Motivo", "person_id": "Persona", "count": "Cantidad", "tables": "Tablas",
    "kind": "Tipo", "ids": "Registros", "format": "Formato", "filters": "Filtros", "threshold": "Umbral",
    "states": "Entidades", "role": "Rol", "result_ids": "Resultados", "page": "Pantalla",
    "national": "Alcance nacional", "minutes": "Minutos", "ids_truncated": "Lista recortada",
    "event_ids": "Eventos", "consent_id": "Consentimiento", "checked": "Entradas verificadas",
    "candidate_ids": "Candidatos", "bad_seq": "Primera entrada alterada", "from_stage": "Etapa anterior",
    "to_stage": "Etapa nueva", "stage": "Etapa", "step": "Paso", "approval_id": "Solicitud",
    "closure_reason": "Motivo de cierre", "decision": "Decisión", "previous_owner_id": "Responsable anterior",
    "owner_id": "Responsable", "assignee_ids": "Asignados", "case_id": "Caso", "status": "Estado",
    "institution_id": "Institución", "subject_type": "Sujeto", "household_id": "Hogar", "version": "Versión",
    "key_id": "Clave", "rows": "Filas", "table": "Tabla",
}

#: Free-standing code words that appear as detail values.
WORD_LABELS: dict[str, str] = {
    "approved": "aprobada", "rejected": "rechazada", "pending": "pendiente",
    "sign_assessment": "firma de evaluación", "requested": "solicitud", "decided": "decisión",
    "intake_submitted": "entrevista enviada a valoración", "recognition_decided": "valoración decidida",
    "appeal_filed": "recurso presentado", "appeal_decided": "recurso decidido",
    "absent": "no existe", "out_of_scope": "fuera de su alcance", "not_visible": "fuera de su alcance",
    "audit_out_of_scope": "fuera de su alcance", "malformed_id": "identificador mal formado",
    "bad_subject": "sujeto no válido", "not_in_case": "no pertenece al caso", "csv": "CSV", "xlsx": "XLSX",
    "events": "bitácora", "record_history": "historial de un registro", "user_activity": "actividad de usuario",
    "actor": "usuario", "record": "registro", "action": "acción", "since": "desde", "until": "hasta",
}

#: Field names (as services name them in `fields`) -> label; others show as stored.
FIELD_LABELS: dict[str, str] = {
    "stage": "etapa", "reason": "motivo", "justification": "justificación", "comment": "comentario",
    "recognition.summary": "resumen de la entrevista", "recognition.reason": "motivo de la valoración",
    "appeal.grounds": "motivos del recurso", "appeal.reason": "motivo de la revisión",
    "owner_id": "responsable", "assignees": "asignados", "notes": "notas", "status": "estado",
    "response": "respuesta", "body": "texto", "full_name": "nombre", "email": "correo",
    "criteria.evidence": "evidencia de criterios", "narrative": "relato", "members.name": "nombres de integrantes",
}

_ENUMS: tuple[type[LabeledEnum], ...] = (Stage, ClosureReason, CaseSubject, RecognitionDecision, ServiceStatus,
                                         ReferralStatus)


def state_name(code: Any) -> str:
    """"Guerrero" for "12"; an unknown code is shown as it is, an empty one as a dash."""
    if not code:
        return "—"
    state = state_by_code(str(code))
    return state.name if state else str(code)


def municipality_name(code: Any) -> str:
    """The municipality's name from the INEGI catalog; a dash when unknown."""
    municipality = current_app.extensions["municipalities"].get(str(code)) if code else None
    return municipality.name if municipality else "—"


def place(state_code: Any, municipality_code: Any = None) -> str:
    """"Chilpancingo de los Bravo, Guerrero", or the state alone."""
    state = state_name(state_code)
    return f"{municipality_name(municipality_code)}, {state}" if municipality_code else state


def event_label(event: Any) -> str:
    """"03/02/2026 · Masivo · Chilpancingo de los Bravo, Guerrero": a displacement event by date, type and origin."""
    return f"{event.started_on:%d/%m/%Y} · {event.event_type.label} · " \
        f"{place(event.origin_state_code, event.origin_municipality_code)}"


def household_name(household: Any) -> str:
    """"Hogar de <head's name>": decrypts the head's name, so the caller audits the view."""
    head = household.head
    return f"Hogar de {head.full_name()}" if head is not None else "Hogar sin jefatura registrada"


def territory(states: Iterable[str], is_national: bool = False) -> str:
    """An account's territory in words: "nacional" or the state names joined."""
    if is_national:
        return "nacional"
    return ", ".join(state_name(code) for code in states) or "—"


def object_label(object_type: str | None) -> str:
    if not object_type:
        return ""
    return OBJECT_LABELS.get(object_type, object_type)


def _value_label(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value_label(key, item) for item in value)
    text = str(value)
    if key == "fields":
        return FIELD_LABELS.get(text, text)
    if key == "kind":
        return object_label(text)
    if key == "states":
        return state_name(text)
    if text in WORD_LABELS:
        return WORD_LABELS[text]
    for enum in _ENUMS:
        try:
            return enum(text).label.lower()
        except ValueError:
            continue
    return text


def audit_details(raw: str) -> str:
    """An entry's details as "Etapa anterior: atención · Decisión: aprobada" (long lists still wrap)."""
    try:
        details = json.loads(raw or "{}")
    except ValueError:
        return raw
    if not isinstance(details, dict):
        return raw
    parts = []
    for name, value in details.items():
        if value is None or value == []:
            continue
        parts.append(f"{DETAIL_LABELS.get(name, name)}: {_value_label(name, value)}")
    return " · ".join(parts)


#: Document types as a person names them.
DOCUMENT_KINDS = {"application/pdf": "PDF", "image/jpeg": "Imagen JPEG", "image/png": "Imagen PNG"}


def document_kind(mime: str) -> str:
    """«PDF», «Imagen JPEG»: a stored document's type in words."""
    return DOCUMENT_KINDS.get(mime, mime)


def filesize(size: int) -> str:
    """A file size for a person: «820 KB», «3.4 MB»."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def init_app(app: Flask) -> None:
    """Make the labels available to every template as filters."""
    app.add_template_filter(state_name, "state_name")
    app.add_template_filter(municipality_name, "municipality_name")
    app.add_template_global(place, "place")
    app.add_template_filter(object_label, "object_label")
    app.add_template_filter(audit_details, "audit_details")
    app.add_template_filter(document_kind, "document_kind")
    app.add_template_filter(filesize, "filesize")
    app.add_template_global(territory, "territory")
