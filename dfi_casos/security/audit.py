"""The audit vocabulary: what may be written about each kind of event (the table and its chain: audit_chain.py)."""
from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Session

from dfi_casos.database import utcnow
from dfi_casos.security.audit_chain import (
    GENESIS_MAC,
    AuditEvent,
    ChainHead,
    VerifyResult,
    append,
    chain_head,
    compute_mac,
    keyed_hmac_sha256,
    verify_chain,
)

__all__ = ["Action", "ACTION_LABELS", "AuditEvent", "ChainHead", "GENESIS_MAC", "VerifyResult", "chain_head",
           "compute_mac", "keyed_hmac_sha256", "verify_chain", "record", "record_view", "record_search",
           "record_export", "record_change", "record_denial", "record_key_operation"]

#: At most this many result ids are kept in a search or export entry; the count is always exact.
MAX_IDS = 1_000


class Action(enum.StrEnum):
    """The actions the trail records; feature code uses these names, the auditor screens filter by them."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"
    LOGOUT = "logout"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - an action name, not a secret
    SESSIONS_REVOKED = "sessions_revoked"
    SESSION_REVOKED = "session_revoked"
    MFA_ENROLL = "mfa_enroll"
    MFA_RESET = "mfa_reset"
    RECOVERY_CODE_USED = "recovery_code_used"
    RATE_LIMITED = "rate_limited"
    ACCESS_DENIED = "access_denied"
    VIEW = "view"
    SEARCH = "search"
    CREATE = "create"
    UPDATE = "update"
    STAGE_CHANGE = "stage_change"
    APPROVAL = "approval"
    ASSIGNMENT = "assignment"
    REFERRAL = "referral"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    DUPLICATE_OVERRIDE = "duplicate_override"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"
    MEMBERSHIP_CHANGED = "membership_changed"
    MERGE = "merge"
    MERGE_UNDO = "merge_undo"
    ATTACHMENT_DELETE = "attachment_delete"
    FLAG = "flag"
    TRANSFER = "transfer"
    EXPORT = "export"
    BLOCK = "block"
    UNBLOCK = "unblock"
    SUPPRESS = "suppress"
    RETENTION_RUN = "retention_run"
    USER_CREATE = "user_create"
    USER_UPDATE = "user_update"
    PERMISSION_CHANGE = "permission_change"
    API_TOKEN_ISSUE = "api_token_issue"  # noqa: S105 - an action name, not a secret
    API_TOKEN_REVOKE = "api_token_revoke"  # noqa: S105 - an action name, not a secret
    KEY_GENERATE = "key_generate"
    KEY_ACTIVATE = "key_activate"
    KEY_ROTATION = "key_rotation"
    KEY_RETIRE = "key_retire"
    BLIND_INDEX_REBUILD = "blind_index_rebuild"
    AUDIT_VIEW = "audit_view"
    AUDIT_EXPORT = "audit_export"
    AUDIT_VERIFY = "audit_verify"
    FILES_VERIFY = "files_verify"


#: Labels for the auditor screens, in each reader's language (lazy: resolved when shown). The ARCO access
#: report, an official document, resolves them under force_locale("es_MX").
ACTION_LABELS: dict[str, LazyString] = {
    Action.LOGIN: _l("Inicio de sesión"),
    Action.LOGIN_FAILED: _l("Inicio de sesión fallido"),
    Action.LOCKOUT: _l("Bloqueo de cuenta"),
    Action.LOGOUT: _l("Cierre de sesión"),
    Action.PASSWORD_CHANGE: _l("Cambio de contraseña"),
    Action.SESSIONS_REVOKED: _l("Sesiones cerradas"),
    Action.SESSION_REVOKED: _l("Sesión cerrada desde dispositivos"),
    Action.MFA_ENROLL: _l("Verificación en dos pasos activada"),
    Action.MFA_RESET: _l("Verificación en dos pasos restablecida"),
    Action.RECOVERY_CODE_USED: _l("Código de recuperación usado"),
    Action.RATE_LIMITED: _l("Límite de solicitudes alcanzado"),
    Action.ACCESS_DENIED: _l("Acceso denegado"),
    Action.VIEW: _l("Consulta"),
    Action.SEARCH: _l("Búsqueda"),
    Action.CREATE: _l("Alta"),
    Action.UPDATE: _l("Modificación"),
    Action.STAGE_CHANGE: _l("Cambio de etapa"),
    Action.APPROVAL: _l("Aprobación"),
    Action.ASSIGNMENT: _l("Asignación"),
    Action.REFERRAL: _l("Canalización"),
    Action.CONSENT_GIVEN: _l("Consentimiento otorgado"),
    Action.CONSENT_WITHDRAWN: _l("Consentimiento retirado"),
    Action.DUPLICATE_OVERRIDE: _l("Registro pese a posible duplicado"),
    Action.MEMBER_JOINED: _l("Ingreso al hogar"),
    Action.MEMBER_LEFT: _l("Salida del hogar"),
    Action.MEMBERSHIP_CHANGED: _l("Cambio de integrante"),
    Action.MERGE: _l("Fusión de registros"),
    Action.MERGE_UNDO: _l("Fusión deshecha"),
    Action.ATTACHMENT_DELETE: _l("Documento eliminado"),
    Action.FLAG: _l("Alerta en un caso"),
    Action.TRANSFER: _l("Traslado entre entidades"),
    Action.EXPORT: _l("Exportación"),
    Action.BLOCK: _l("Bloqueo de datos personales"),
    Action.UNBLOCK: _l("Desbloqueo de datos personales"),
    Action.SUPPRESS: _l("Supresión de datos personales"),
    Action.RETENTION_RUN: _l("Aplicación de la política de conservación"),
    Action.USER_CREATE: _l("Alta de cuenta"),
    Action.USER_UPDATE: _l("Modificación de cuenta"),
    Action.PERMISSION_CHANGE: _l("Cambio de rol o territorio"),
    Action.API_TOKEN_ISSUE: _l("Token de API emitido"),
    Action.API_TOKEN_REVOKE: _l("Token de API revocado"),
    Action.KEY_GENERATE: _l("Clave generada"),
    Action.KEY_ACTIVATE: _l("Clave activada"),
    Action.KEY_ROTATION: _l("Recifrado con la clave activa"),
    Action.KEY_RETIRE: _l("Clave retirada"),
    Action.BLIND_INDEX_REBUILD: _l("Índices ciegos reconstruidos"),
    Action.AUDIT_VIEW: _l("Consulta de bitácora"),
    Action.AUDIT_EXPORT: _l("Exportación de bitácora"),
    Action.AUDIT_VERIFY: _l("Verificación de bitácora"),
    Action.FILES_VERIFY: _l("Verificación de archivos"),
}


def _audit_key() -> bytes:
    key: bytes = current_app.extensions["dfi_keys"].audit_key
    return key


def _actor_states(actor: Any) -> str:
    if getattr(actor, "is_national", False):
        return "*"
    return "," + ",".join(getattr(actor, "states", [])) + ","


def record(
    session: Session,
    *,
    action: str,
    actor: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
    state_code: str | None = None,
    folio: str | None = None,
) -> AuditEvent:
    """Append one entry in the caller's transaction: no change lands without its entry.

    Returns the entry as written; it is not attached to the session (load it by `seq` if needed).

    `details` must never hold a personal value, credential or search term: name fields,
    not contents; give result ids and counts, not what was searched. `state_code` (the
    object's territory) and `folio` let state auditors and the record history find the entry.
    """
    session.flush()  # the caller's work first, so the entry follows what it records
    actor_id = getattr(actor, "id", None) if actor is not None and not getattr(actor, "is_anonymous", False) else None
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor_id,
        actor_username=getattr(actor, "username", None) if actor_id else None,
        actor_role=str(actor.role.value) if actor_id else None,
        actor_states=_actor_states(actor) if actor_id else None,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        object_state=state_code,
        folio=folio,
        outcome=outcome,
        origin=request.remote_addr if has_request_context() else "cli",
        details=json.dumps(details or {}, sort_keys=True, separators=(",", ":")),
    )
    return append(session, _audit_key(), event)


# Named helpers: the feature code says what happened; these decide what may be written about it.


def record_view(session: Session, actor: Any, object_type: str, object_id: Any, *, fields: Iterable[str],
                ids: Iterable[Any] | None = None, state_code: str | None = None,
                folio: str | None = None) -> AuditEvent:
    """A page or API answer showed sensitive `fields` (names only) of one record, or of the records `ids`
    (a list page: pass `object_id=None`)."""
    details: dict[str, Any] = {"fields": sorted(set(fields))}
    if ids is not None:
        count, shown = _ids(ids)
        details.update(ids=shown, count=count)
    return record(session, action=Action.VIEW, actor=actor, object_type=object_type, object_id=object_id,
                  details=details, state_code=state_code, folio=folio)


def _ids(values: Iterable[Any]) -> tuple[int, list[str]]:
    ids = [str(value) for value in values]
    return len(ids), ids[:MAX_IDS]


def record_search(session: Session, actor: Any, kind: str, result_ids: Iterable[Any], *,
                  fields: Iterable[str] = (), object_type: str | None = None,
                  state_code: str | None = None) -> AuditEvent:
    """A search ran: its `kind` (e.g. "curp"), the count and ids of its results, and the names of the
    `fields` the results page shows; never the term. One entry per search: it also covers showing the results."""
    count, ids = _ids(result_ids)
    details: dict[str, Any] = {"kind": kind, "count": count, "ids": ids, "ids_truncated": count > len(ids)}
    if fields:
        details["fields"] = sorted(set(fields))
    return record(session, action=Action.SEARCH, actor=actor, object_type=object_type or kind, details=details,
                  state_code=state_code)


def record_export(session: Session, actor: Any, kind: str, *, count: int, record_ids: Iterable[Any] = (),
                  file_format: str = "csv", fields: Iterable[str] = (), state_code: str | None = None,
                  **facts: Any) -> AuditEvent:
    """An export left the system: what kind, how many rows, which records and which fields (names).

    `facts` are short non-personal values (e.g. `tables=[...]`, `threshold=5`).
    """
    _, ids = _ids(record_ids)
    return record(session, action=Action.EXPORT, actor=actor, object_type=kind,
                  details={"kind": kind, "count": count, "format": file_format, "ids": ids,
                           "fields": sorted(set(fields)), **facts},
                  state_code=state_code)


#: A short non-personal value an entry may carry: an id, a count, a status, a list of ids.
Fact = str | int | bool | None | list[str]


def record_change(session: Session, actor: Any, action: Action, object_type: str, object_id: Any, *,
                  fields: Iterable[str] = (), state_code: str | None = None, folio: str | None = None,
                  **facts: Fact) -> AuditEvent:
    """A record was created, updated, moved to a stage, approved, assigned or referred.

    `fields` are the names of the changed fields, never their values. `facts` are short
    non-personal values such as `from_stage="intake", to_stage="recognition"` or `assignee_id=7`.
    """
    if action not in CHANGE_ACTIONS:
        raise ValueError(f"record_change does not record {action!r}")
    return record(session, action=action, actor=actor, object_type=object_type, object_id=object_id,
                  details={"fields": sorted(set(fields)), **facts}, state_code=state_code, folio=folio)


CHANGE_ACTIONS = frozenset({Action.CREATE, Action.UPDATE, Action.STAGE_CHANGE, Action.APPROVAL, Action.ASSIGNMENT,
                            Action.REFERRAL, Action.CONSENT_GIVEN, Action.CONSENT_WITHDRAWN,
                            Action.DUPLICATE_OVERRIDE, Action.MEMBER_JOINED, Action.MEMBER_LEFT,
                            Action.MEMBERSHIP_CHANGED, Action.MERGE, Action.MERGE_UNDO,
                            Action.ATTACHMENT_DELETE, Action.FLAG, Action.TRANSFER, Action.BLOCK,
                            Action.UNBLOCK, Action.SUPPRESS})


def record_denial(session: Session, actor: Any, object_type: str | None, object_id: Any, reason: str) -> AuditEvent:
    """A request was refused as not visible (absent or out of scope: the user cannot tell which; this entry says).

    `object_id` is whatever identified the record; `reason` names the rule ("absent", "out_of_scope", ...).
    """
    # The columns' widths: whatever came in a URL is cut, never allowed to fail the entry.
    return record(session, action=Action.ACCESS_DENIED, actor=actor,
                  object_type=object_type[:40] if object_type else None,
                  object_id=str(object_id)[:64] if object_id is not None else None,
                  outcome="denied", details={"reason": reason})


KEY_ACTIONS = frozenset({Action.KEY_GENERATE, Action.KEY_ACTIVATE, Action.KEY_ROTATION, Action.KEY_RETIRE,
                         Action.BLIND_INDEX_REBUILD})


def record_key_operation(session: Session, actor: Any, action: Action, key_id: int | str,
                         **facts: str | int | bool | None) -> AuditEvent:
    """A key was generated, activated or retired, or data re-encrypted: key ids and counts, never key material."""
    if action not in KEY_ACTIONS:
        raise ValueError(f"record_key_operation does not record {action!r}")
    return record(session, action=action, actor=actor, object_type="clave", object_id=key_id, details=dict(facts))
