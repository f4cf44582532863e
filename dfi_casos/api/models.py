"""API tokens: a service account's credentials for /api/v1, each scoped to a role, a state and endpoint groups."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dfi_casos.auth.models import User
from dfi_casos.database import Base, UTCDateTime, enum_column, utcnow
from dfi_casos.security.access import Role


class ApiToken(Base):
    """One token of one service account; the secret itself is shown once and never stored.

    The token reads `dfi_<prefix>_<secret>`: `prefix` finds the row (it is not secret), and
    `secret_hash` is the SHA-256 of the 32 random bytes of `secret`. A slow hash (argon2) is for
    passwords people choose; a 256-bit random secret cannot be guessed, so a fast hash is enough.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: Random, public, unique: the row a presented token names.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    #: Hex SHA-256 of the secret part.
    secret_hash: Mapped[str] = mapped_column(String(64))
    #: A short description ("Kobo Chiapas"), never personal data.
    label: Mapped[str] = mapped_column(String(80))
    #: What a call with this token may do: the role's permissions, within `state_code`.
    role: Mapped[Role] = mapped_column(enum_column(Role, length=20))
    state_code: Mapped[str] = mapped_column(String(2))
    #: Endpoint groups, comma-separated ("registry:read,cases:read").
    groups: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[User] = relationship(foreign_keys=[account_id], lazy="joined")

    @property
    def group_list(self) -> list[str]:
        return [group for group in self.groups.split(",") if group]
