"""Server-side sessions: one row per signed-in browser, checked on every request, revocable one by one."""
from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dfi_casos.auth.models import User, UserSession
from dfi_casos.database import utcnow
from dfi_casos.errors import NotVisible
from dfi_casos.security import audit

#: last_seen_at is written at most this often: one UPDATE per minute of use, not per request.
TOUCH_EVERY = timedelta(seconds=60)


def token_hash(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_label(user_agent: str) -> str:
    """"Firefox en Windows" from a User-Agent header; the raw header is not kept."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "Navegador")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    label = f"{browser} en {system}" if system else browser
    return re.sub(r"[^\w .-]", "", label)[:80]


def start_session(session: Session, user: User, *, user_agent: str, origin: str) -> str:
    """Open a session row for `user` and return the token the cookie will carry."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, token_hash=token_hash(token), device_label=device_label(user_agent),
                            origin=(origin or "")[:64]))
    session.flush()
    return token


def _expired(row: UserSession, now: datetime, config: Any) -> bool:
    idle = timedelta(minutes=float(config["SESSION_IDLE_MINUTES"]))
    max_age = timedelta(hours=float(config["SESSION_MAX_HOURS"]))
    return now - row.last_seen_at > idle or now - row.created_at > max_age


def current_session(session: Session, user_id: int, token: str | None, config: Any,
                    now: datetime | None = None) -> UserSession | None:
    """The open, unexpired session of `user_id` for this cookie token, marked as used; else None.

    An expired session is ended on the spot, so it never comes back.
    """
    if not token:
        return None
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    return check_session(session, row, user_id, config, now)


def check_session(session: Session, row: UserSession | None, user_id: int, config: Any,
                  now: datetime | None = None) -> UserSession | None:
    """`row` if it is the open, unexpired session of `user_id`, marked as used; else None (see current_session)."""
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return None
    now = now or utcnow()
    if _expired(row, now, config):
        _end(session, UserSession.id == row.id, now)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
                        .execution_options(synchronize_session=False))
        row.last_seen_at = now
    return row


def _end(session: Session, condition: Any, now: datetime | None = None) -> int:
    # Synchronized: a row already loaded in this session must read as ended too.
    result = session.execute(update(UserSession).where(condition, UserSession.ended_at.is_(None))
                             .values(ended_at=now or utcnow()).execution_options(synchronize_session="fetch"))
    return int(getattr(result, "rowcount", 0) or 0)


def end_session(session: Session, token: str | None) -> None:
    """End the session this cookie token belongs to (logout): every copy of the cookie stops working."""
    if token:
        _end(session, UserSession.token_hash == token_hash(token))


def end_all_sessions(session: Session, user: User, *, keep_token: str | None = None) -> int:
    """End every open session of `user`, except the one holding `keep_token`; the count ended."""
    condition = UserSession.user_id == user.id
    if keep_token:
        condition = condition & (UserSession.token_hash != token_hash(keep_token))
    return _end(session, condition)


def open_sessions(session: Session, user: User, config: Any) -> list[UserSession]:
    """The user's sessions that still work, most recently used first (the devices page)."""
    now = utcnow()
    rows = session.scalars(select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                           .order_by(UserSession.last_seen_at.desc())).all()
    return [row for row in rows if not _expired(row, now, config)]


def revoke_device(session: Session, user: User, session_id: uuid.UUID) -> bool:
    """End one of the user's own sessions from the devices page; False when it had already ended.

    Another user's session is NotVisible: forbidden and absent look the same.
    """
    own = session.scalar(select(UserSession.id).where(UserSession.id == session_id, UserSession.user_id == user.id))
    if own is None:
        raise NotVisible("user_session", session_id, "not_own_session")
    ended = _end(session, UserSession.id == session_id)
    if ended:
        audit.record(session, action=audit.Action.SESSION_REVOKED, actor=user, object_type="user_session",
                     object_id=session_id)
    return bool(ended)
