"""The `user` table: accounts, their role and territory, and login state."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dfi_casos.database import Base, utcnow
from dfi_casos.security.access import ROLE_LABELS, Permission, Role, has_permission

__all__ = ["ROLE_LABELS", "Role", "User"]


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Login name, stored lower case.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, validate_strings=True,
                                            values_callable=lambda roles: [r.value for r in roles]))
    #: National scope: sees every state the role allows.
    is_national: Mapped[bool] = mapped_column(Boolean, default=False)
    #: INEGI state codes ("07,12") when not national.
    state_codes: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
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
        return ROLE_LABELS[self.role]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"
