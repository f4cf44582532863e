"""Password hashing (argon2id) and the password policy (NIST SP 800-63B)."""
from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

MAX_LENGTH = 128  # NIST: accept at least 64; a cap keeps hashing cost bounded


class PasswordRejected(ValueError):
    """The password breaks the policy; the message is the Spanish reason."""


def hasher(config: Any) -> PasswordHasher:
    """An argon2id hasher with the configured cost (cheap in tests only)."""
    return PasswordHasher(
        time_cost=int(config["ARGON2_TIME_COST"]),
        memory_cost=int(config["ARGON2_MEMORY_COST"]),
        parallelism=int(config["ARGON2_PARALLELISM"]),
    )


def hash_password(config: Any, password: str) -> str:
    """The argon2id hash to store."""
    return hasher(config).hash(password)


def verify_password(config: Any, stored_hash: str, password: str) -> bool:
    """True when `password` matches; never raises on a malformed hash."""
    try:
        return hasher(config).verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(config: Any, stored_hash: str) -> bool:
    """True when the stored hash was made with other cost parameters."""
    try:
        return hasher(config).check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The list of passwords too common to allow, lower case."""
    data = resources.files("dfi_casos.security") / "data"
    with (data / "common-passwords.txt.gz").open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        words = {line.strip().lower() for line in text if line.strip()}
    extra = (data / "common-passwords-es.txt").read_text(encoding="utf-8")
    words.update(line.strip().lower() for line in extra.splitlines() if line.strip())
    return frozenset(words)


def check_policy(password: str, *, min_length: int = 12, username: str | None = None) -> None:
    """Raise PasswordRejected unless the password meets the policy.

    Length and a blocklist only: no composition rules (NIST SP 800-63B).
    """
    if len(password) < min_length:
        raise PasswordRejected(_("La contraseña debe tener al menos %(n)s caracteres.", n=min_length))
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(_("La contraseña no puede tener más de %(n)s caracteres.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in common_passwords():
        raise PasswordRejected(_("Esa contraseña es demasiado común; elija otra, por ejemplo una frase."))
    if username and username.lower() in lowered:
        raise PasswordRejected(_("La contraseña no debe contener el nombre de usuario."))
    if len(set(password)) < 4:
        raise PasswordRejected(_("La contraseña repite demasiado los mismos caracteres."))
