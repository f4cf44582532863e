"""Accounts (role, territory, login state), their server-side sessions and their second factor."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from dfi_casos.database import Base, UTCDateTime, enum_column, new_uuid, utcnow
from dfi_casos.security.access import ROLE_LABELS, Permission, Role, has_permission
from dfi_casos.security.fields import Encrypted

__all__ = ["ROLE_LABELS", "Role", "User"]


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Login name, stored lower case.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(enum_column(Role, length=20))
    #: National scope: sees every state the role allows.
    is_national: Mapped[bool] = mapped_column(Boolean, default=False)
    #: INEGI state codes ("07,12") when not national.
    state_codes: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: A machine's account (dfi_casos/api): acts only through API tokens and never signs in to the screens.
    is_service_account: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Interface language (a locale of dfi_casos.i18n.LANGUAGES); Spanish unless the user chose another.
    language: Mapped[str] = mapped_column(String(8), default="es_MX", server_default="es_MX")
    #: Bumped to end every session of the user at their next request (logout everywhere).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    #: Optimistic lock: two administrators editing one account cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    # Flask-Login protocol, written out so the session id carries the session version.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def states(self) -> list[str]:
        return [code for code in self.state_codes.split(",") if code]

    @states.setter
    def states(self, codes: list[str]) -> None:
        self.state_codes = ",".join(sorted(set(codes)))

    @property
    def permissions(self) -> frozenset[Permission]:
        """What this account may do now (nothing once deactivated)."""
        return frozenset(p for p in Permission if has_permission(self, p))

    def may(self, permission: Permission) -> bool:
        """Whether this account may do `permission` (Principal protocol)."""
        return has_permission(self, permission)

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS[self.role])

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class UserSession(Base):
    """One signed-in browser ("dispositivo"): the cookie holds a random token, the database its hash.

    Logout, "cerrar todas las sesiones", a revoke from the devices page, idleness and the maximum
    age all end the row, so a copy of the cookie stops working everywhere at once.
    """

    __tablename__ = "user_session"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the cookie's token: a database dump gives no usable session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: "Chrome en Linux": a label for the devices page, not the raw User-Agent.
    device_label: Mapped[str] = mapped_column(String(80), default="")
    #: Client address at sign-in (the user's own, shown to them on the devices page).
    origin: Mapped[str] = mapped_column(String(64), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MfaCredential(Base):
    """A TOTP secret (RFC 6238); `confirmed_at` is set once the user proved their app has it."""

    __tablename__ = "mfa_credential"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    #: Base32 seed, encrypted like any sensitive value.
    secret = Encrypted()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Highest TOTP time step accepted: a code is good once (replay guard).
    last_step: Mapped[int] = mapped_column(Integer, default=0)


class RecoveryCode(Base):
    """One single-use recovery code, stored as its SHA-256 (80 random bits: no need for a slow hash)."""

    __tablename__ = "mfa_recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
