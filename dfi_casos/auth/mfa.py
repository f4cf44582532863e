"""Second factor (TOTP) for accounts: who must use it, enrolment, checking a code once, recovery codes, reset."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dfi_casos.auth import services, sessions
from dfi_casos.auth.models import MfaCredential, RecoveryCode, User
from dfi_casos.database import utcnow
from dfi_casos.security import audit
from dfi_casos.security.mfa import (
    SecondFactorRefused,
    hash_recovery_code,
    looks_like_recovery_code,
    matching_step,
    new_recovery_codes,
    new_secret,
)


def required_for(config: Any, user: User) -> bool:
    """Whether the user's role must use a second factor (MFA_REQUIRED_ROLES)."""
    return user.role.value in set(config["MFA_REQUIRED_ROLES"])


def credential(session: Session, user: User) -> MfaCredential | None:
    """The user's TOTP credential, confirmed or still being enrolled."""
    return session.scalar(select(MfaCredential).where(MfaCredential.user_id == user.id))


def is_enrolled(session: Session, user: User) -> bool:
    """True once the user proved their authenticator app holds the secret."""
    found = credential(session, user)
    return found is not None and found.confirmed_at is not None


def pending_secret(session: Session, user: User) -> str:
    """The secret being enrolled (created on first call, the same on a reload of the page)."""
    found = credential(session, user)
    if found is not None and found.confirmed_at is not None:
        raise SecondFactorRefused()  # already enrolled: only an administrator's reset starts over
    if found is None:
        found = MfaCredential(user_id=user.id)
        found.secret = new_secret()
        session.add(found)
        session.flush()
    return str(found.secret)


def _accept_totp(session: Session, found: MfaCredential, code: str) -> bool:
    step = matching_step(str(found.secret), code)
    if step is None:
        return False
    # One conditional UPDATE: two requests replaying one code at the same moment cannot both pass.
    accepted = session.execute(update(MfaCredential)
                               .where(MfaCredential.id == found.id, MfaCredential.last_step < step)
                               .values(last_step=step).execution_options(synchronize_session=False))
    if not getattr(accepted, "rowcount", 0):
        return False
    set_committed_value(found, "last_step", step)
    return True


def _accept_recovery_code(session: Session, user: User, code: str) -> bool:
    used = session.execute(update(RecoveryCode)
                           .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == hash_recovery_code(code),
                                  RecoveryCode.used_at.is_(None))
                           .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if not getattr(used, "rowcount", 0):
        return False
    audit.record(session, action=audit.Action.RECOVERY_CODE_USED, actor=user, object_type="user", object_id=user.id)
    return True


def check_code(session: Session, config: Any, user: User, code: str) -> None:
    """Accept a current TOTP code or an unused recovery code, once; raise SecondFactorRefused otherwise.

    Counted in the lockout like a password (before the check), so a code cannot be guessed
    faster than a password; raises services.LoginFailed while the account is locked.
    """
    failures = services.reserve_attempt(session, config, user)
    found = credential(session, user)
    ok = found is not None and found.confirmed_at is not None and (
        _accept_recovery_code(session, user, code) if looks_like_recovery_code(code)
        else _accept_totp(session, found, code))
    if not ok:
        services.record_failed_attempt(session, config, user, failures, "bad_second_factor")
        raise SecondFactorRefused()


def confirm_enrolment(session: Session, config: Any, user: User, code: str) -> list[str]:
    """Finish enrolment with a code from the app; returns the 10 recovery codes (shown once, kept hashed)."""
    failures = services.reserve_attempt(session, config, user)
    found = credential(session, user)
    if found is None or found.confirmed_at is not None or not _accept_totp(session, found, code):
        services.record_failed_attempt(session, config, user, failures, "bad_enrolment_code")
        raise SecondFactorRefused()
    found.confirmed_at = utcnow()
    codes = replace_recovery_codes(session, user)
    audit.record(session, action=audit.Action.MFA_ENROLL, actor=user, object_type="user", object_id=user.id)
    session.flush()
    return codes


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """New recovery codes for `user` (the old ones stop working); the plain codes are returned once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes()
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(code)) for code in codes)
    session.flush()
    return codes


def unused_recovery_codes(session: Session, user: User) -> int:
    """How many recovery codes the user has left."""
    return session.scalar(select(func.count()).select_from(RecoveryCode)
                          .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def reset(session: Session, actor: User, user: User) -> None:
    """An administrator's reset: the secret and recovery codes are gone, every session ends, and the
    user enrols again at their next login. Audited."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(delete(MfaCredential).where(MfaCredential.user_id == user.id))
    user.session_version += 1
    sessions.end_all_sessions(session, user)
    audit.record(session, action=audit.Action.MFA_RESET, actor=actor, object_type="user", object_id=user.id)
    session.flush()


def enrol_with_secret(session: Session, user: User, secret: str) -> None:
    """Enrol `user` with a known secret, already confirmed (the demo's documented accounts only)."""
    found = credential(session, user) or MfaCredential(user_id=user.id)
    found.secret = secret
    found.confirmed_at = utcnow()
    session.add(found)
    session.flush()
