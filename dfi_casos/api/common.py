"""What every API endpoint shares: the error envelope, ETag/If-Match, cursor pages, the role-aware field filter.

An endpoint reads one record with its scope loader and answers `with_etag(body, record)`; an update
starts with `for_update(scope.get_<thing>_for, record_id)`; a list answers
`page_body(kind, fetch_page(kind, query, fetch), items)`.

Every error answers the same JSON shape, `{"code": ..., "message": ..., "fields": {...}}`: `code`
is stable (clients branch on it), `message` is Spanish for people, `fields` names what to fix
(422). Feature errors are the app's one `DomainError` (422, or 412 for an edit conflict); records
absent or out of scope are `NotVisible` (404, audited, the same answer for both).
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, Field, ValidationError
from spectree import Response as SpecResponse
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from dfi_casos.errors import DomainError, EditConflict, NotVisible
from dfi_casos.extensions import db, limiter
from dfi_casos.pagination import After, Page
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal

log = logging.getLogger(__name__)


class Versioned(Protocol):
    version: int


R = TypeVar("R", bound=Versioned)

#: Most items one page may hold; the default when `limit` is absent.
MAX_LIMIT = 100
DEFAULT_LIMIT = 25


# --- the envelope ------------------------------------------------------------------------------------

class ErrorBody(BaseModel):
    """Every refusal: a stable code, a Spanish message, and the fields at fault (422)."""

    code: str = Field(description="Código estable del error (p. ej. not_found, invalid, stale).")
    message: str = Field(description="Mensaje en español para personas.")
    fields: dict[str, list[str]] = Field(default_factory=dict, description="Errores por campo.")


class ApiError(Exception):
    """An API refusal with its HTTP status, stable code and Spanish message."""

    def __init__(self, status: int, code: str, message: str, fields: Mapping[str, list[str]] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


_HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "La solicitud no se pudo procesar. Revise los datos e intente de nuevo."),
    401: ("unauthorized", "Falta un token de acceso válido (Authorization: Bearer ...)."),
    403: ("forbidden", "El token no permite esta operación."),
    404: ("not_found", "El registro no existe o no está a su alcance."),
    405: ("method_not_allowed", "Esta dirección no acepta esa operación."),
    413: ("too_large", "Los datos enviados exceden el tamaño permitido."),
    415: ("unsupported_media_type", "Envíe el cuerpo como application/json."),
    429: ("rate_limited", "Demasiadas solicitudes en poco tiempo. Espere un momento e intente de nuevo."),
    500: ("internal_error", "Ocurrió un error inesperado. Ya quedó registrado."),
}


def error_response(status: int, code: str, message: str, fields: Mapping[str, list[str]] | None = None,
                   headers: Mapping[str, str] | None = None) -> Response:
    response = jsonify({"code": code, "message": message, "fields": dict(fields or {})})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_error(status: int) -> ApiError:
    code, message = _HTTP_CODES.get(status, _HTTP_CODES[500])
    return ApiError(status, code, _(message))


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors as Spanish messages by dotted field name (the value itself never echoed)."""
    found: dict[str, list[str]] = {}
    for error in exc.errors(include_input=False, include_url=False):
        name = ".".join(str(part) for part in error.get("loc", ())) or "body"
        kind = str(error.get("type", ""))
        if kind == "missing":
            message = _("Este dato es obligatorio.")
        elif kind == "extra_forbidden":
            message = _("Este campo no existe.")
        else:
            message = _("El valor no es válido.")
        found.setdefault(name, []).append(message)
    return found


def register_error_handlers(bp: Blueprint) -> None:
    """Answer every error of the blueprint's routes with the envelope (never an HTML page)."""

    @bp.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)

    @bp.errorhandler(ValidationError)
    def _invalid(exc: ValidationError) -> Response:
        return error_response(422, "invalid", _("Los datos enviados no son válidos."), field_errors(exc))

    @bp.errorhandler(EditConflict)
    def _conflict(exc: EditConflict) -> Response:
        db.session.rollback()
        return error_response(412, "stale", exc.message)

    @bp.errorhandler(DomainError)
    def _refused(exc: DomainError) -> Response:
        db.session.rollback()
        fields = {exc.field: [exc.message]} if exc.field else {}
        return error_response(422, "refused", exc.message, fields)

    @bp.errorhandler(NotVisible)
    def _not_visible(exc: NotVisible) -> Response:
        # As the screens: the refused work is rolled back, the denial is audited, absent and forbidden look alike.
        db.discard_refused_work()
        audit.record_denial(db.session(), current_user, exc.object_type, exc.object_id, exc.reason)
        error = http_error(404)
        return error_response(404, error.code, error.message)

    bp.register_error_handler(HTTPException, envelope_for_http_error)
    bp.register_error_handler(Exception, envelope_for_unexpected_error)


def envelope_for_http_error(exc: HTTPException) -> Response:
    """The envelope of an HTTP error: the blueprint's routes, and paths under the prefix no route matches."""
    status = exc.code or 500
    error = http_error(status)
    headers: dict[str, str] = {}
    if status == 429:
        limit = limiter.current_limit
        wait = int(limit.reset_at - time.time()) if limit is not None else 60
        headers["Retry-After"] = str(max(1, wait))
    return error_response(status, error.code, error.message, headers=headers)


def envelope_for_unexpected_error(exc: Exception) -> Response:
    if current_app.debug and not current_app.testing:
        raise exc
    db.session.rollback()
    # Type and code locations only: the message may quote personal data (SQL parameters).
    log.error("unhandled %s at %s\n%s", type(exc).__name__, request.endpoint,
              "".join(traceback.format_tb(exc.__traceback__)))
    error = http_error(500)
    return error_response(500, error.code, error.message)


def envelope_for_error(exc: Exception) -> Response:
    """What `web` answers for an error on an API path outside the blueprint's routes (404, 405)."""
    if isinstance(exc, HTTPException):
        return envelope_for_http_error(exc)
    return envelope_for_unexpected_error(exc)


def responses(ok: type[BaseModel] | None, status: int = 200, *, errors: Sequence[int] = ()) -> SpecResponse:
    """The spectree Response of an endpoint: its success model and the error envelopes it may answer."""
    codes = {401, 403, 404, 429, *errors}
    models: dict[str, Any] = {f"HTTP_{code}": ErrorBody for code in sorted(codes)}
    models[f"HTTP_{status}"] = ok
    return SpecResponse(**models)


# --- optimistic locking ------------------------------------------------------------------------------

def etag(version: int) -> str:
    """The ETag of a record at `version` (its version column)."""
    return f'"{int(version)}"'


def expected_version() -> int:
    """The version an update was prepared from, read from If-Match: 428 when missing, 412 when unreadable."""
    raw = request.headers.get("If-Match")
    if not raw:
        raise ApiError(428, "precondition_required",
                       _("Envíe el encabezado If-Match con el ETag de la versión que modifica."))
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit() or len(value) > 9:
        raise ApiError(412, "stale", _("El ETag enviado no corresponde a ninguna versión de este registro."))
    return int(value)


def check_version(current: int, expected: int) -> None:
    """412 when the record changed since the client read it (the service checks again under its lock)."""
    if current != expected:
        raise ApiError(412, "stale", _("Otra persona o sistema modificó este registro; léalo de nuevo."))


def for_update(load: Callable[[Session, Any, str], R], record_id: str) -> tuple[R, int]:
    """The record to change, from its scope loader (404), and the version read (If-Match: 428 missing, 412 stale)."""
    record = load(db.session(), current_user, record_id)
    expected = expected_version()
    check_version(record.version, expected)
    return record, expected


def with_etag(body: dict[str, Any], record: Any, status: int = 200,
              location: str | None = None) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A record's answer: its body and the ETag of its version (and where it lives, for a creation)."""
    headers = {"ETag": etag(record.version)}
    if location is not None:
        headers["Location"] = location
    return body, status, headers


# --- cursor pages -----------------------------------------------------------------------------------

class PageQuery(BaseModel):
    """`cursor` from the previous page's `next_cursor`; `limit` items per page."""

    cursor: str | None = Field(
        default=None, max_length=2000,
        description=("next_cursor de la página anterior, sin cambios: un valor opaco y firmado con la clave de orden "
                     "de la última fila mostrada; la página siguiente empieza justo después de esa fila, aunque se "
                     "registren otras entre dos llamadas (ninguna fila se repite ni se pierde). Se rechaza (422) un "
                     "cursor alterado, de otra lista, de otro orden o de otro limit."))
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


_CURSOR_NONCE = 12
_CURSOR_CONTEXT = b"dfi-api-cursor"


def _cursor_key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CURSOR_CONTEXT).derive(
        secret.encode() if isinstance(secret, str) else bytes(secret))


def seal_cursor(payload: Any) -> str:
    """`payload` encrypted and authenticated (AES-256-GCM under a key derived from SECRET_KEY), URL-safe.

    Encrypted, not only signed: a sort key can be a community's name, and cursors travel in URLs
    (proxy and server logs, browser history).
    """
    nonce = os.urandom(_CURSOR_NONCE)
    body = json.dumps(payload, separators=(",", ":")).encode()
    sealed = nonce + AESGCM(_cursor_key()).encrypt(nonce, body, _CURSOR_CONTEXT)
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()


def open_cursor(raw: str) -> Any:
    """The payload of a sealed cursor; ValueError when it was not sealed here or was changed."""
    try:
        sealed = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        if len(sealed) <= _CURSOR_NONCE + 16:
            raise ValueError("cursor too short")
        body = AESGCM(_cursor_key()).decrypt(sealed[:_CURSOR_NONCE], sealed[_CURSOR_NONCE:], _CURSOR_CONTEXT)
        return json.loads(body)
    except (InvalidTag, binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("cursor not sealed here") from exc


#: How each type of sort-key value travels in a cursor (JSON has no dates nor UUIDs).
_KEY_TYPES: dict[str, tuple[type, Any, Any]] = {
    "t": (datetime, datetime.isoformat, datetime.fromisoformat),
    "d": (date, date.isoformat, date.fromisoformat),
    "u": (UUID, lambda value: value.hex, UUID),
    "s": (str, str, str),
    "i": (int, int, int),
}


def _key_value(value: Any) -> list[Any]:
    for tag, (kind, dump, _load) in _KEY_TYPES.items():
        if type(value) is kind:
            return [tag, dump(value)]
    raise TypeError(f"a sort key of type {type(value).__name__} cannot travel in a cursor")


def _key_from(item: Any) -> Any:
    tag, raw = item
    kind, _dump, load = _KEY_TYPES[tag]
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise ValueError("cursor value")
    value = load(raw)
    if kind is datetime and value.tzinfo is None:
        raise ValueError("naive moment")
    return value


def encode_cursor(kind: str, key: tuple[Any, ...], limit: int) -> str:
    """An opaque, signed cursor: which list, and the sort key of the last row shown; clients pass it back unchanged."""
    return seal_cursor({"k": kind, "a": [_key_value(value) for value in key], "l": limit})


def decode_cursor(kind: str, raw: str | None, limit: int) -> After:
    """Where a cursor's page starts (the first row without one); 422 for a cursor of another list, size or origin."""
    if not raw:
        return After()
    try:
        data = open_cursor(raw)
        if not isinstance(data, dict) or data.get("k") != kind or data.get("l") != limit:
            raise ValueError("cursor of another list")
        after = data.get("a")
        if not isinstance(after, list) or not 1 < len(after) < 5:
            raise ValueError("cursor key")
        return After(tuple(_key_from(item) for item in after))
    except (ValueError, TypeError, KeyError):
        raise ApiError(422, "invalid", _("El cursor no es válido para esta lista."),
                       {"cursor": [_("Use el valor de next_cursor de la página anterior, sin cambios.")]}) from None


def fetch_page(kind: str, query: PageQuery, fetch: Callable[[After, int], Page]) -> Page:
    """The page a list's query asks for: `fetch(position, size)` from where its cursor points."""
    return fetch(decode_cursor(kind, query.cursor, query.limit), query.limit)


def page_body(kind: str, page: Page, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A list answer: the items and the cursor of the next page (no total count, as the screens)."""
    following = encode_cursor(kind, page.last_key, page.size) if page.last_key is not None else None
    return {"items": items, "next_cursor": following}


# --- role-aware fields ------------------------------------------------------------------------------

def visible_fields(principal: Principal, rules: Mapping[str, Permission | None]) -> frozenset[str]:
    """The fields this principal's role may read, from a field -> permission table (None: anyone who got here)."""
    return frozenset(name for name, needed in rules.items() if needed is None or principal.may(needed))


def filter_fields(payload: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    """Keep only the allowed fields: a field the role may not see never leaves the server, not even as null."""
    keep = set(allowed)
    return {name: value for name, value in payload.items() if name in keep}
