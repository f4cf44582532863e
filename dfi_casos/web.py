"""Request-wide rules: login required by default, session lifetimes, headers, error pages."""
from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from flask import Flask, Response, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from dfi_casos.errors import NotVisible
from dfi_casos.extensions import db, limiter
from dfi_casos.security import access, audit
from dfi_casos.security.access import ROLE_LABELS

log = logging.getLogger(__name__)

#: The only endpoints served without a session; everything else requires login.
PUBLIC_ENDPOINTS = frozenset({"static", "auth.login", "auth.second_factor", "auth.enrol"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)

ERROR_TITLES = {
    400: _l("Solicitud no válida"),
    403: _l("Acceso no permitido"),
    404: _l("Página no encontrada"),
    405: _l("Método no permitido"),
    413: _l("Solicitud demasiado grande"),
    429: _l("Demasiados intentos"),
    500: _l("Error interno"),
}
ERROR_MESSAGES = {
    400: _l("La solicitud no se pudo procesar. Revise los datos e intente de nuevo."),
    403: _l("No tiene permiso para realizar esta acción."),
    404: _l("La página o el registro que busca no existe o no está a su alcance."),
    405: _l("Esta dirección no acepta esa operación."),
    413: _l("Los datos enviados exceden el tamaño permitido."),
    429: _l("Ha hecho demasiados intentos en poco tiempo. Espere un momento e intente de nuevo."),
    500: _l("Ocurrió un error inesperado. Ya quedó registrado; si persiste, avise a la mesa de ayuda."),
}


def init_app(app: Flask) -> None:
    # First of all hooks: the rate limiter's reads the user, and clearing `g` after it loads the account twice.
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_state)
    app.before_request(_require_login)
    app.after_request(_security_headers)
    app.register_error_handler(NotVisible, _not_visible)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.context_processor(_template_globals)
    app.config.setdefault("MAX_CONTENT_LENGTH", 5 * 1024 * 1024)


def session_clock() -> float:
    """Seconds since the epoch, as the session lifetime rules read them (tests move it)."""
    return time.time()


def _fresh_request_state() -> None:
    # `g` lives as long as the app context; a caller holding one (tests, scripts) would
    # otherwise carry the previous request's user and commit flag into this one.
    for name in ("_login_user", "refused_work_discarded", "csrf_token"):
        g.pop(name, None)


def _require_login() -> Any:
    # The JSON API authenticates its own calls (bearer tokens, dfi_casos/api) and never uses the login page.
    if request.endpoint in PUBLIC_ENDPOINTS or _json_errors() is not None:
        return None
    if not current_user.is_authenticated:
        if session.pop("sid", None):  # the cookie named a session the server no longer holds open
            session.clear()
            flash(_("Su sesión terminó por inactividad, por tiempo máximo o porque se cerró. "
                    "Inicie sesión de nuevo."), "warning")
        return redirect(url_for("auth.login", next=request.path if request.method == "GET" else None))
    return None


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static":
        # Pages may show personal data: never keep them in a browser or proxy cache.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    """The Spanish error page for `status`."""
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=str(ERROR_TITLES.get(status, ERROR_TITLES[500])),
            message=message or str(ERROR_MESSAGES.get(status, ERROR_MESSAGES[500])),
        ),
        status,
    )


def _csrf_error(_exc: CSRFError) -> tuple[str, int]:
    return render_error(400, _("El formulario caducó o no es válido. Recargue la página e intente de nuevo."))


def _not_visible(exc: NotVisible) -> tuple[str, int]:
    """The one answer to a record that is absent or out of scope: audited, then the same 404 for both.

    Whatever the request did before the refusal is rolled back; the denial's entry is kept.
    """
    db.discard_refused_work()
    audit.record_denial(db.session, current_user, exc.object_type, exc.object_id, exc.reason)
    return render_error(404)


def _http_error(exc: HTTPException) -> Any:
    if exc.code is None or exc.code < 400:
        return exc
    json_errors = _json_errors()
    if json_errors is not None:
        return json_errors(exc)
    if exc.code == 429:
        return too_many_requests()
    return render_error(exc.code)


#: Key in `app.extensions` of a function (request -> error handler or None) that claims a path for JSON:
#: the API registers it, so a URL under its prefix that matches no route, or a method it does not take,
#: gets the API's envelope instead of the login page or an HTML error page.
JSON_ERRORS_EXTENSION = "dfi_casos.json_errors"


def _json_errors() -> Any:
    claim = current_app.extensions.get(JSON_ERRORS_EXTENSION)
    return claim(request) if claim is not None else None


def too_many_requests() -> tuple[str, int, dict[str, str]]:
    """The Spanish 429 page, with Retry-After: when the limit that was hit opens again."""
    limit = limiter.current_limit
    wait = int(limit.reset_at - time.time()) if limit is not None else 60
    page, status = render_error(429)
    return page, status, {"Retry-After": str(max(1, wait))}


def _unexpected_error(exc: Exception) -> Any:
    if current_app.debug and not current_app.testing:
        raise exc
    json_errors = _json_errors()
    if json_errors is not None:
        return json_errors(exc)
    db.session.rollback()
    # Type and code locations only: the message may quote personal data (SQL parameters).
    where = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unhandled %s at %s\n%s", type(exc).__name__, request.endpoint, where)
    return render_error(500)


def _template_globals() -> dict[str, Any]:
    return {
        "nav_items": access.navigation_for(current_user) if current_user.is_authenticated else [],
        "role_labels": ROLE_LABELS,
        # Templates ask `can("register")` to show an action; the service still enforces it.
        "can": lambda permission: access.has_permission(current_user, access.Permission(permission)),
    }
