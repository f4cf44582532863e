"""Rate limits beyond login: each kind counted per client address and per account, in Redis when configured.

    @bp.route("/buscar", methods=["POST"])
    @search_limits
    def search(): ...

A limit's kind (search, export, credential) is shared by every route that carries it: sixty
searches a minute means sixty over all search forms, not sixty on each. Exceeding one answers the
Spanish 429 page with Retry-After (web.too_many_requests).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, session
from flask_limiter.util import get_remote_address
from flask_login import current_user

from dfi_casos.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])


def account_key() -> str:
    """The account a request acts for: the signed-in user, or the one half-way through login."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    pending = session.get("mfa_user_id")
    if pending:
        return f"account:{pending}"
    return f"address:{get_remote_address()}"


def _per_address_and_account(kind: str, setting: str, methods: list[str] | None = None) -> Callable[[F], F]:
    def limit() -> str:
        return str(current_app.config[setting])

    def decorate(view: F) -> F:
        view = limiter.limit(limit, key_func=get_remote_address, methods=methods, scope=f"{kind}-address")(view)
        return limiter.limit(limit, key_func=account_key, methods=methods, scope=f"{kind}-account")(view)

    return decorate


#: Searches over personal data (POST: the terms travel in the body).
search_limits = _per_address_and_account("search", "SEARCH_RATE_LIMIT", methods=["POST"])
#: Exports and downloads of files.
export_limits = _per_address_and_account("export", "EXPORT_RATE_LIMIT")
#: Password changes and one-time codes (login second step, enrolment, recovery codes).
credential_limits = _per_address_and_account("credential", "CREDENTIAL_RATE_LIMIT", methods=["POST"])
