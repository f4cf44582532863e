"""Authentication rules: credentials, lockout, session revocation, account management."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, null, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from dfi_casos.auth import sessions
from dfi_casos.auth.models import Role, User, UserSession
from dfi_casos.database import utcnow
from dfi_casos.errors import DomainError, EditConflict
from dfi_casos.security import audit
from dfi_casos.security.passwords import check_policy, hash_password, needs_rehash, verify_password

GENERIC_LOGIN_ERROR = _l(
    "Usuario o contraseña incorrectos, o la cuenta está bloqueada temporalmente. "
    "Verifique sus datos o intente más tarde."
)


ACCOUNT_CONFLICT = _l("Otra persona modificó esta cuenta mientras usted la editaba. Revise los datos actuales.")


class LoginFailed(Exception):
    """Credentials refused; the message never says whether the account exists or is locked."""

    def __init__(self) -> None:
        super().__init__(str(GENERIC_LOGIN_ERROR))


class AccountError(DomainError):
    """An account change was refused; `field` names the form field, the message is Spanish."""


def find_user(session: Session, username: str) -> User | None:
    """The account with this username, case-insensitively."""
    return session.scalar(select(User).where(User.username == username.strip().lower()))


# A hash to verify against when the user does not exist, so timing does not tell.
_DUMMY_HASH_CACHE: dict[tuple[int, int, int], str] = {}


def _dummy_hash(config: Any) -> str:
    key = (int(config["ARGON2_TIME_COST"]), int(config["ARGON2_MEMORY_COST"]), int(config["ARGON2_PARALLELISM"]))
    if key not in _DUMMY_HASH_CACHE:
        _DUMMY_HASH_CACHE[key] = hash_password(config, "dummy-password-for-timing")
    return _DUMMY_HASH_CACHE[key]


def authenticate(session: Session, config: Any, username: str, password: str) -> User:
    """Return the user for valid credentials, or raise LoginFailed.

    Every verification is counted before it is made (`reserve_attempt`): at LOCKOUT_THRESHOLD
    attempts not followed by a completed login the account locks for LOCKOUT_MINUTES, and no
    burst of simultaneous requests gets more guesses checked than that. The attempts are only
    forgiven by `complete_login` (after the second factor, when there is one). Every outcome is
    audited.
    """
    user = find_user(session, username)
    if user is None:
        verify_password(config, _dummy_hash(config), password)
        audit.record(session, action="login_failed", outcome="denied", details={"reason": "unknown_user"})
        raise LoginFailed()
    if user.is_service_account:
        # A service account has no password: it acts through API tokens only (dfi_casos/api).
        verify_password(config, _dummy_hash(config), password)
        audit.record(session, action="login_failed", actor=user, object_type="user", object_id=user.id,
                     outcome="denied", details={"reason": "service_account"})
        raise LoginFailed()
    failures = reserve_attempt(session, config, user)
    if not verify_password(config, user.password_hash, password):
        record_failed_attempt(session, config, user, failures, "bad_password")
        raise LoginFailed()
    if not user.active:
        audit.record(session, action="login_failed", actor=user, object_type="user", object_id=user.id,
                     outcome="denied", details={"reason": "inactive"})
        raise LoginFailed()
    if needs_rehash(config, user.password_hash):
        _set_login_state(session, user, password_hash=hash_password(config, password))
    return user


def complete_login(session: Session, user: User) -> None:
    """The user passed every factor: forgive the counted attempts and audit the login."""
    _set_login_state(session, user, failed_logins=0, locked_until=None, last_login_at=utcnow())
    audit.record(session, action="login", actor=user, object_type="user", object_id=user.id)


# Login state is written with single UPDATE statements, outside the account's optimistic lock:
# two people signing in at once must not collide with each other (or with an administrator's
# edit), and parallel wrong guesses must each count, or the lockout could be outrun.

def reserve_attempt(session: Session, config: Any, user: User, now: datetime | None = None) -> int:
    """Count one password or code verification before it is made; raise LoginFailed when locked.

    One conditional UPDATE does the check and the count, so requests in flight at the same
    moment cannot all pass an "is it locked?" read: once LOCKOUT_THRESHOLD attempts are counted,
    the next request is refused without verifying anything until a login completes or the
    lockout (set by the failing attempt) has run out.
    """
    now = now or utcnow()
    threshold = int(config["LOCKOUT_THRESHOLD"])
    lock_over = User.locked_until.is_not(None) & (User.locked_until <= now)
    stmt = (update(User)
            .where(User.id == user.id,
                   or_(lock_over, User.locked_until.is_(None) & (User.failed_logins < threshold)))
            .values(failed_logins=case((lock_over, 1), else_=User.failed_logins + 1),
                    locked_until=case((lock_over, null()), else_=User.locked_until))
            .returning(User.failed_logins, User.locked_until)
            .execution_options(synchronize_session=False))
    row = session.execute(stmt).one_or_none()
    if row is None:
        audit.record(session, action="login_failed", actor=user, object_type="user", object_id=user.id,
                     outcome="denied", details={"reason": "locked"})
        raise LoginFailed()
    set_committed_value(user, "failed_logins", int(row[0]))
    set_committed_value(user, "locked_until", row[1])
    return int(row[0])


def record_failed_attempt(session: Session, config: Any, user: User, failures: int, reason: str) -> None:
    """Audit a refused password or code; the attempt that reaches the threshold locks the account."""
    if failures >= int(config["LOCKOUT_THRESHOLD"]):
        minutes = int(config["LOCKOUT_MINUTES"])
        _set_login_state(session, user, locked_until=utcnow() + timedelta(minutes=minutes))
        audit.record(session, action="lockout", actor=user, object_type="user", object_id=user.id,
                     outcome="denied", details={"minutes": minutes})
    audit.record(session, action="login_failed", actor=user, object_type="user", object_id=user.id,
                 outcome="denied", details={"reason": reason, "failures": failures})


def _set_login_state(session: Session, user: User, **values: Any) -> None:
    session.execute(update(User).where(User.id == user.id).values(**values)
                    .execution_options(synchronize_session=False))
    for name, value in values.items():
        set_committed_value(user, name, value)


def load_session_user(session: Session, session_id: str, token: str | None, config: Any,
                      now: datetime | None = None) -> User | None:
    """The user for a Flask-Login id "<id>.<session_version>" and this browser's session token.

    None when the account is revoked, inactive or a service account, or the session row is not this
    user's open, unexpired one (a copy of the cookie taken before logout finds its row ended). The account
    and its session row come in one statement: this runs before every page.
    """
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit() or not token:
        return None
    found = session.execute(select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
                            .where(User.id == int(user_id), UserSession.token_hash == sessions.token_hash(token))
                            ).first()
    if found is None:
        return None
    user, row = found
    if not user.active or user.is_service_account or user.session_version != int(version):
        return None
    return user if sessions.check_session(session, row, user.id, config, now) is not None else None


def revoke_sessions(session: Session, actor: User, user: User) -> None:
    """End every session of `user` at their next request."""
    user.session_version += 1
    sessions.end_all_sessions(session, user)
    audit.record(session, action="sessions_revoked", actor=actor, object_type="user", object_id=user.id)
    session.flush()


@dataclass
class AccountData:
    """What an administrator sets on an account."""

    username: str
    full_name: str
    email: str
    role: Role
    is_national: bool
    states: list[str]
    active: bool = True
    password: str | None = None


def _validate_account(session: Session, config: Any, data: AccountData, existing: User | None) -> None:
    other = find_user(session, data.username)
    if other is not None and other is not existing:
        raise AccountError(_("Ya existe una cuenta con ese nombre de usuario."), "username")
    if not data.is_national and not data.states:
        raise AccountError(_("Elija al menos una entidad, o marque alcance nacional."), "states")
    if data.password is not None:
        try:
            check_policy(data.password, min_length=int(config["PASSWORD_MIN_LENGTH"]), username=data.username)
        except ValueError as exc:
            raise AccountError(str(exc), "password") from exc


def create_user(session: Session, config: Any, actor: User | None, data: AccountData) -> User:
    """Create an account after checking uniqueness, territory and password policy."""
    if not data.password:
        raise AccountError(_("La contraseña es obligatoria."), "password")
    _validate_account(session, config, data, None)
    user = User(
        username=data.username.strip().lower(),
        full_name=data.full_name.strip(),
        email=data.email.strip().lower(),
        role=data.role,
        is_national=data.is_national,
        active=data.active,
        password_hash=hash_password(config, data.password),
    )
    user.states = [] if data.is_national else data.states
    session.add(user)
    session.flush()
    audit.record(session, action="user_create", actor=actor, object_type="user", object_id=user.id,
                 details={"role": user.role.value, "national": user.is_national, "states": user.states})
    return user


def update_user(session: Session, config: Any, actor: User, user: User, data: AccountData, version: int) -> User:
    """Apply an administrator's edit; refuses a stale form (optimistic lock)."""
    if user.version != version:
        raise EditConflict(ACCOUNT_CONFLICT)
    _validate_account(session, config, data, user)
    before = {"role": user.role, "national": user.is_national, "states": user.states, "active": user.active,
              "full_name": user.full_name, "email": user.email, "username": user.username}
    user.username = data.username.strip().lower()
    user.full_name = data.full_name.strip()
    user.email = data.email.strip().lower()
    user.role = data.role
    user.is_national = data.is_national
    user.states = [] if data.is_national else data.states
    user.active = data.active
    after = {"role": user.role, "national": user.is_national, "states": user.states, "active": user.active,
             "full_name": user.full_name, "email": user.email, "username": user.username}
    changed = sorted(key for key in before if before[key] != after[key])
    if data.password:
        user.password_hash = hash_password(config, data.password)
        changed.append("password")
    if {"role", "national", "states", "active", "password"} & set(changed):
        user.session_version += 1  # a changed role or territory takes effect now, not at next login
    try:
        session.flush()
    except StaleDataError:
        # Another administrator saved between our read and our write: nothing of this edit lands,
        # and the session must be usable again to show the form with the message.
        session.rollback()
        raise EditConflict(ACCOUNT_CONFLICT) from None
    action = "permission_change" if {"role", "national", "states"} & set(changed) else "user_update"
    audit.record(session, action=action, actor=actor, object_type="user", object_id=user.id,
                 details={"changed": changed, "role": user.role.value, "states": user.states,
                          "national": user.is_national, "active": user.active})
    return user


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
