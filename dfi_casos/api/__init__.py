"""The JSON API under /api/v1 (issue #21): the blueprint `bp`, the spectree instance `spec`, `requires(group)`.

An endpoint module adds its routes to `bp`, validates with `spec.validate(...)` and names its
endpoint group with `requires`:

    @bp.get("/personas/<person_id>")
    @requires("registry:read", Permission.VIEW_CASES)
    @spec.validate(resp=responses(PersonOut), tags=["personas"])
    def read_person(person_id: str) -> Any: ...

and is listed in ENDPOINT_MODULES. Calls authenticate with `Authorization: Bearer <token>` only
(no cookie session, no CSRF); the token's service account is `current_user` for the services,
the scope module and the audit trail, exactly as a signed-in person is on the screens.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, Request, Response, current_app, g, request
from flask.sessions import SessionInterface, SessionMixin
from flask_babel import gettext as _
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType
from spectree.plugins.flask_plugin import FlaskPlugin

from dfi_casos import web
from dfi_casos.api.common import (
    ApiError,
    ErrorBody,
    envelope_for_error,
    error_response,
    field_errors,
    register_error_handlers,
)
from dfi_casos.api.tokens import Refusal, TokenPrincipal, authenticate
from dfi_casos.extensions import csrf, db, limiter
from dfi_casos.security import audit
from dfi_casos.security.access import Permission

URL_PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=URL_PREFIX)

#: Endpoint modules, imported for their routes when the blueprint is registered.
ENDPOINT_MODULES: tuple[str, ...] = (
    "dfi_casos.api.docs",
    "dfi_casos.api.persons",
    "dfi_casos.api.households",
    "dfi_casos.api.events",
    "dfi_casos.api.cases",
    "dfi_casos.api.assessments",
    "dfi_casos.api.indicators",
    "dfi_casos.api.imports",
)
#: Routes served without a token: the OpenAPI document and its page describe endpoints, never data.
PUBLIC_ENDPOINTS = frozenset({"api.openapi_json", "api.docs"})


class _BlueprintPlugin(FlaskPlugin):
    """spectree's Flask plugin reading this blueprint's routes only, without its CDN documentation pages."""

    def register_route(self, app: Any) -> None:
        app.record(lambda state: setattr(self, "blueprint_state", state))


def _validation_failed(_req: Any, _resp: Any, error: Any, _instance: Any, _adapter: Any) -> None:
    # The request did not match its schema: the envelope with the fields at fault (422), not spectree's list.
    if error is not None:
        raise ApiError(422, "invalid", _("Los datos enviados no son válidos."), field_errors(error))


spec = SpecTree(
    backend=_BlueprintPlugin,
    title="API de dfi-casos",
    version="1.0.0",
    description=("Registro y casos de desplazamiento forzado interno (DEPCMH, SEGOB). Cada llamada se "
                 "autentica con un token de cuenta de servicio: Authorization: Bearer <token>."),
    mode="strict",
    # Plain model names in the document (clients generate classes from them): names are unique across the API.
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    annotations=False,
    page_templates={},
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
    security={"bearer": []},
    validation_error_status=422,
    validation_error_model=ErrorBody,
    before=_validation_failed,
)
spec.register(bp)
register_error_handlers(bp)

V = TypeVar("V", bound=Callable[..., Any])


def current_principal() -> TokenPrincipal:
    """The token's principal of this API call (the before-request hook put it there)."""
    principal = g.get("api_principal")
    if not isinstance(principal, TokenPrincipal):
        raise ApiError(401, "unauthorized", _("Falta un token de acceso válido (Authorization: Bearer ...)."))
    return principal


def requires(group: str, permission: Permission | None = None) -> Callable[[V], V]:
    """Endpoint decorator: the token must carry `group`, and its role `permission` (else 403, before validation)."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if not principal.allows(group):
                raise ApiError(403, "forbidden_group", _("El token no incluye el grupo de operaciones %(group)s.",
                                                         group=group))
            if permission is not None and not principal.may(permission):
                raise ApiError(403, "forbidden_role", _("El rol del token no permite esta operación."))
            return view(*args, **kwargs)

        # Read by the route-walking tests and the documentation page.
        wrapped.api_group = group  # type: ignore[attr-defined]
        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return cast(V, wrapped)

    return decorator


def validated(part: str) -> Any:
    """The validated model of `part` ("query", "json") of this request, as spectree parsed it."""
    return getattr(getattr(request, "context", None), part, None)


def is_api_request(req: Request) -> bool:
    return req.path == URL_PREFIX or req.path.startswith(URL_PREFIX + "/")


def _claim_json_errors(req: Request) -> Callable[[Exception], Response] | None:
    return envelope_for_error if is_api_request(req) else None


def _authenticate() -> Any:
    """Before everything else of an API call (the rate limiter included): who the bearer token acts as."""
    if not is_api_request(request):
        return None
    g.pop("api_principal", None)
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    scheme, _sep, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return error_response(401, "unauthorized", _("Falta un token de acceso válido (Authorization: Bearer ...)."),
                              headers={"WWW-Authenticate": 'Bearer realm="dfi-casos"'})
    outcome = authenticate(db.session(), presented.strip())
    if isinstance(outcome, Refusal):
        if outcome.reason != "malformed":
            # A well-formed token was refused: kept in the trail (the work of this request is nothing).
            db.discard_refused_work()
            audit.record_denial(db.session(), None, "api_token", outcome.token_id, f"api_token:{outcome.reason}")
        return error_response(401, "unauthorized", _("El token no es válido, venció o fue revocado."),
                              headers={"WWW-Authenticate": 'Bearer realm="dfi-casos", error="invalid_token"'})
    g.api_principal = outcome
    # Flask-Login's current user for this request only: services, scope and audit see the service account.
    g._login_user = outcome
    return None


def _rate_key() -> str:
    principal = g.get("api_principal")
    if isinstance(principal, TokenPrincipal):
        return f"api-token:{principal.token_id}"
    return f"address:{request.remote_addr}"


def _rate_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


limiter.limit(_rate_limit, key_func=_rate_key, scope="api-token")(bp)


class _NoSessionOnApi(SessionInterface):
    """The app's cookie session everywhere but /api/v1: there, no cookie is read and none is ever set."""

    def __init__(self, inner: SessionInterface) -> None:
        self.inner = inner

    def open_session(self, app: Flask, req: Request) -> SessionMixin | None:
        if is_api_request(req):
            return self.inner.make_null_session(app)
        return self.inner.open_session(app, req)

    def save_session(self, app: Flask, session: SessionMixin, response: Any) -> None:
        if is_api_request(request):
            return None
        return self.inner.save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Register the blueprint and its hooks; call after `web.init_app` (the hook goes right after its reset)."""
    for name in ENDPOINT_MODULES:
        importlib.import_module(name)
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.session_interface = _NoSessionOnApi(app.session_interface)
    # A path under /api/v1 that no route matches (or a method a route does not take) is the API's too:
    # web answers it with the envelope, never with the login page or an HTML error page.
    app.extensions[web.JSON_ERRORS_EXTENSION] = _claim_json_errors
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(1 if hooks else 0, _authenticate)
