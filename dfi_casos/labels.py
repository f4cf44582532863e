"""Words for the codes the app stores: states, record types, audit details. Display only."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

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
from dfi_casos.i18n import day

#: Record types as the audit trail names them (object_type) -> what a person calls them.
OBJECT_LABELS: dict[str, LazyString] = {
    "case": _l("Caso"), "case_service": _l("Servicio del caso"), "case_note": _l("Nota del caso"),
    "attachment": _l("Documento"), "attachment_version": _l("Versión de documento"),
    "letter_template": _l("Plantilla de oficio"), "case_file": _l("Expediente impreso"),
    "case_subject": _l("Sujeto del caso"), "referral": _l("Canalización"), "household": _l("Hogar"),
    "person": _l("Persona"), "community": _l("Comunidad"), "event": _l("Evento de desplazamiento"),
    "consent": _l("Consentimiento"), "institution": _l("Institución"), "user": _l("Cuenta"),
    "durable_solution_assessment": _l("Evaluación de soluciones duraderas"),
    "solutions_dashboard": _l("Tablero de soluciones duraderas"), "audit_event": _l("Bitácora"),
    "report_personas": _l("Reporte de personas y hogares"), "report_mapa": _l("Mapa"),
    "report_casos": _l("Reporte de casos"),
    "report_servicios": _l("Reporte de servicios y canalizaciones"), "report_carga": _l("Carga de trabajo"),
    "monthly_report": _l("Informe mensual"),
    "clave": _l("Clave de cifrado"), "endpoint": _l("Página"),
    "api_token": _l("Token de API"), "archivos": _l("Archivos"), "arco_access_report": _l("Reporte de acceso ARCO"),
    "arco_request": _l("Solicitud ARCO"), "calendar_period": _l("Periodo del calendario"),
    "case_flag": _l("Alerta del caso"), "case_transfer": _l("Traslado del caso"),
    "collective_measure": _l("Medida colectiva"), "import_batch": _l("Lote de importación"),
    "import_job": _l("Importación"), "import_report": _l("Informe de importación"), "key_ring": _l("Juego de claves"),
    "objection": _l("Oposición"), "plan_action": _l("Acción del plan"), "user_session": _l("Sesión"),
}

#: Keys of an audit entry's details -> label.
DETAIL_LABELS: dict[str, LazyString] = {
    "fields": _l("Campos"), "reason": _l("Motivo"), "person_id": _l("Persona"), "count": _l("Cantidad"),
    "tables": _l("Tablas"),
    "kind": _l("Tipo"), "ids": _l("Registros"), "format": _l("Formato"), "filters": _l("Filtros"),
    "threshold": _l("Umbral"),
    "states": _l("Entidades"), "role": _l("Rol"), "result_ids": _l("Resultados"), "page": _l("Pantalla"),
    "national": _l("Alcance nacional"), "minutes": _l("Minutos"), "ids_truncated": _l("Lista recortada"),
    "event_ids": _l("Eventos"), "consent_id": _l("Consentimiento"), "checked": _l("Entradas verificadas"),
    "candidate_ids": _l("Candidatos"), "bad_seq": _l("Primera entrada alterada"), "from_stage": _l("Etapa anterior"),
    "to_stage": _l("Etapa nueva"), "stage": _l("Etapa"), "step": _l("Paso"), "approval_id": _l("Solicitud"),
    "closure_reason": _l("Motivo de cierre"), "decision": _l("Decisión"),
    "previous_owner_id": _l("Responsable anterior"),
    "owner_id": _l("Responsable"), "assignee_ids": _l("Asignados"), "case_id": _l("Caso"), "status": _l("Estado"),
    "institution_id": _l("Institución"), "subject_type": _l("Sujeto"), "household_id": _l("Hogar"),
    "version": _l("Versión"),
    "key_id": _l("Clave"), "rows": _l("Filas"), "table": _l("Tabla"),
}

#: Free-standing code words that appear as detail values.
WORD_LABELS: dict[str, LazyString] = {
    "approved": _l("aprobada"), "rejected": _l("rechazada"), "pending": _l("pendiente"),
    "sign_assessment": _l("firma de evaluación"), "requested": _l("solicitud"), "decided": _l("decisión"),
    "intake_submitted": _l("entrevista enviada a valoración"), "recognition_decided": _l("valoración decidida"),
    "appeal_filed": _l("recurso presentado"), "appeal_decided": _l("recurso decidido"),
    "absent": _l("no existe"), "out_of_scope": _l("fuera de su alcance"), "not_visible": _l("fuera de su alcance"),
    "audit_out_of_scope": _l("fuera de su alcance"), "malformed_id": _l("identificador mal formado"),
    "bad_subject": _l("sujeto no válido"), "not_in_case": _l("no pertenece al caso"), "csv": _l("CSV"),
    "xlsx": _l("XLSX"),
    "events": _l("bitácora"), "record_history": _l("historial de un registro"),
    "user_activity": _l("actividad de usuario"),
    "actor": _l("usuario"), "record": _l("registro"), "action": _l("acción"), "since": _l("desde"),
    "until": _l("hasta"),
}

#: Field names (as services name them in `fields`) -> label; others show as stored.
FIELD_LABELS: dict[str, LazyString] = {
    "stage": _l("etapa"), "reason": _l("motivo"), "justification": _l("justificación"), "comment": _l("comentario"),
    "recognition.summary": _l("resumen de la entrevista"), "recognition.reason": _l("motivo de la valoración"),
    "appeal.grounds": _l("motivos del recurso"), "appeal.reason": _l("motivo de la revisión"),
    "owner_id": _l("responsable"), "assignees": _l("asignados"), "notes": _l("notas"), "status": _l("estado"),
    "response": _l("respuesta"), "body": _l("texto"), "full_name": _l("nombre"), "email": _l("correo"),
    "criteria.evidence": _l("evidencia de criterios"), "narrative": _l("relato"),
    "members.name": _l("nombres de integrantes"),
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
    return f"{day(event.started_on)} · {event.event_type.label} · " \
        f"{place(event.origin_state_code, event.origin_municipality_code)}"


def household_name(household: Any) -> str:
    """"Hogar de <head's name>": decrypts the head's name, so the caller audits the view."""
    head = household.head
    return _("Hogar de %(name)s", name=head.full_name()) if head is not None else _("Hogar sin jefatura registrada")


def territory(states: Iterable[str], is_national: bool = False) -> str:
    """An account's territory in words: "nacional" or the state names joined."""
    if is_national:
        return _("nacional")
    return ", ".join(state_name(code) for code in states) or "—"


def object_label(object_type: str | None) -> str:
    if not object_type:
        return ""
    return str(OBJECT_LABELS.get(object_type, object_type))


def _value_label(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("sí") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value_label(key, item) for item in value)
    text = str(value)
    if key == "fields":
        return str(FIELD_LABELS.get(text, text))
    if key == "kind":
        return object_label(text)
    if key == "states":
        return state_name(text)
    if text in WORD_LABELS:
        return str(WORD_LABELS[text])
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
DOCUMENT_KINDS: dict[str, LazyString | str] = {
    "application/pdf": "PDF", "image/jpeg": _l("Imagen JPEG"), "image/png": _l("Imagen PNG"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _l("Documento de Word"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _l("Hoja de Excel"),
    "application/vnd.oasis.opendocument.text": _l("Documento OpenDocument"),
    "application/vnd.oasis.opendocument.spreadsheet": _l("Hoja OpenDocument")}


def document_kind(mime: str) -> str:
    """«PDF», «Imagen JPEG»: a stored document's type in words."""
    return str(DOCUMENT_KINDS.get(mime, mime))


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
