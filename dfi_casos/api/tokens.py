"""Service accounts and their API tokens: issue (shown once), check, revoke; the principal a token acts as.

A token request acts as its service account through the same `Principal` the screens use: the
services and `dfi_casos.scope` see an account id, a role and a territory, and apply the same
rules. The role and the state are the token's (an administrator may issue a narrower token than
the account), and the endpoint groups say which parts of the API it may call at all.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dfi_casos.api.models import ApiToken
from dfi_casos.auth.models import User
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.database import utcnow
from dfi_casos.errors import DomainError, NotVisible
from dfi_casos.scope import can_manage_account, in_territory, manageable_accounts_clause
from dfi_casos.security import audit
from dfi_casos.security.access import ROLE_PERMISSIONS, Permission, Principal, Role
from dfi_casos.security.audit import Action

#: The endpoint groups a token may be given, with their Spanish descriptions.
GROUPS: dict[str, object] = {
    "registry:read": _l("Registro: consultar personas, hogares, eventos y comunidades"),
    "registry:write": _l("Registro: dar de alta y modificar"),
    "cases:read": _l("Casos: consultar"),
    "cases:write": _l("Casos: abrir, modificar, etapas, servicios y canalizaciones"),
    "indicators:read": _l("Indicadores agregados"),
    "imports:write": _l("Importaciones: enviar archivos y consultar su estado"),
}
#: A token may be valid for at most this long.
MAX_DAYS = 365
#: last_used_at is written at most this often (one UPDATE a minute per token, not one per call).
TOUCH_EVERY = timedelta(seconds=60)
_TOKEN_RE = re.compile(r"^dfi_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


class TokenError(DomainError):
    """A token or service account request was refused (Spanish message, for the administrator)."""


@dataclass(frozen=True)
class TokenPrincipal:
    """The acting account of an API call: the service account's id and name, the token's role and state."""

    id: int
    username: str
    role: Role
    states: list[str]
    token_id: int
    groups: frozenset[str] = field(default_factory=frozenset)
    is_national: bool = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:  # Flask-Login protocol; never stored in a session
        return f"token:{self.token_id}"

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def allows(self, group: str) -> bool:
        return group in self.groups


def secret_hash(secret: str) -> str:
    """What the database keeps of a token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


# --- administration ------------------------------------------------------------------------------

def _require_admin(actor: Principal) -> None:
    if not actor.may(Permission.MANAGE_USERS):
        raise NotVisible("endpoint", "api_tokens", f"missing:{Permission.MANAGE_USERS.value}")


def service_accounts(session: Session, actor: Principal) -> list[User]:
    """The service accounts this administrator manages, by name."""
    _require_admin(actor)
    stmt = (select(User).where(User.is_service_account.is_(True), manageable_accounts_clause(actor))
            .order_by(User.username))
    return list(session.scalars(stmt))


def tokens_of(session: Session, actor: Principal, accounts: list[User]) -> list[ApiToken]:
    """The tokens of these (already scoped) accounts, newest first."""
    _require_admin(actor)
    ids = [account.id for account in accounts]
    if not ids:
        return []
    return list(session.scalars(select(ApiToken).where(ApiToken.account_id.in_(ids))
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_service_account(session: Session, actor: Principal, *, username: str, full_name: str, email: str,
                           state_code: str) -> User:
    """A new service account of one state: it has no usable password and cannot sign in to the screens."""
    _require_admin(actor)
    username = username.strip().lower()
    if not _USERNAME_RE.match(username):
        raise TokenError(_("Use de 3 a 64 letras minúsculas, números, puntos o guiones."), "username")
    if state_by_code(state_code) is None:
        raise TokenError(_("Elija una entidad."), "state_code")
    if not in_territory(actor, state_code):
        raise TokenError(_("Solo puede crear cuentas de servicio de su territorio."), "state_code")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise TokenError(_("Ya existe una cuenta con ese nombre de usuario."), "username")
    account = User(username=username, full_name=full_name.strip()[:200], email=email.strip()[:254],
                   role=Role.CASEWORKER, is_national=False, state_codes=state_code, active=True,
                   is_service_account=True,
                   # Not a hash of anything: no password verifies against it (and login refuses the account first).
                   password_hash="!service-account:" + secrets.token_hex(16))
    session.add(account)
    session.flush()
    audit.record(session, action=Action.USER_CREATE, actor=actor, object_type="user", object_id=account.id,
                 details={"service_account": True, "states": [state_code]}, state_code=state_code)
    return account


def issue_token(session: Session, actor: Principal, account: User, *, label: str, role: Role, state_code: str,
                groups: list[str], days: int) -> tuple[ApiToken, str]:
    """A new token for a service account; returns the row and the token text, shown once and never again."""
    _require_admin(actor)
    if not account.is_service_account or not can_manage_account(actor, account):
        raise NotVisible("user", account.id, "out_of_scope")
    if not account.active:
        raise TokenError(_("La cuenta de servicio está desactivada."), "account_id")
    label = label.strip()
    if not label or len(label) > 80:
        raise TokenError(_("Escriba una descripción de hasta 80 caracteres."), "label")
    if not in_territory(account, state_code):
        raise TokenError(_("La entidad del token debe estar en el territorio de la cuenta de servicio."),
                         "state_code")
    unknown = [group for group in groups if group not in GROUPS]
    if unknown or not groups:
        raise TokenError(_("Elija al menos un grupo de operaciones válido."), "groups")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(_("La vigencia debe ser de 1 a %(days)s días.", days=MAX_DAYS), "days")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ApiToken(account_id=account.id, prefix=prefix, secret_hash=secret_hash(secret), label=label,
                     role=role, state_code=state_code, groups=",".join(sorted(set(groups))),
                     created_by_id=actor.id, expires_at=utcnow() + timedelta(days=days))
    session.add(token)
    session.flush()
    audit.record(session, action=Action.API_TOKEN_ISSUE, actor=actor, object_type="api_token", object_id=token.id,
                 details={"account_id": account.id, "role": role.value, "groups": token.group_list, "days": days},
                 state_code=state_code)
    return token, f"dfi_{prefix}_{secret}"


def revoke_token(session: Session, actor: Principal, token_id: int) -> ApiToken:
    """End a token now; calls with it are refused from the next request on."""
    _require_admin(actor)
    token = session.get(ApiToken, token_id)
    if token is None or not can_manage_account(actor, token.account):
        raise NotVisible("api_token", token_id, "absent" if token is None else "out_of_scope")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        token.revoked_by_id = actor.id
        session.flush()
        audit.record(session, action=Action.API_TOKEN_REVOKE, actor=actor, object_type="api_token",
                     object_id=token.id, details={"account_id": token.account_id}, state_code=token.state_code)
    return token


# --- authentication --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Refusal:
    """Why a presented token was refused (for the audit entry only; the caller sees one 401)."""

    reason: str
    token_id: int | None = None


def authenticate(session: Session, presented: str, now: datetime | None = None) -> TokenPrincipal | Refusal:
    """The principal a bearer token acts as, or why it was refused."""
    now = now or utcnow()
    match = _TOKEN_RE.match(presented)
    if match is None:
        return Refusal("malformed")
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == match.group(1)))
    if token is None:
        return Refusal("unknown")
    if not hmac.compare_digest(token.secret_hash, secret_hash(match.group(2))):
        return Refusal("bad_secret", token.id)
    if token.revoked_at is not None:
        return Refusal("revoked", token.id)
    if token.expires_at <= now:
        return Refusal("expired", token.id)
    account = token.account
    if not account.active or not account.is_service_account:
        return Refusal("account_inactive", token.id)
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        # One UPDATE outside the ORM: concurrent calls of one token never conflict over it.
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
                        .execution_options(synchronize_session=False))
    return TokenPrincipal(id=account.id, username=account.username, role=token.role, states=[token.state_code],
                          token_id=token.id, groups=frozenset(token.group_list))
