"""The second factor's rules: TOTP codes (RFC 6238) with their time step, recovery codes, the enrolment QR."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask_babel import gettext as _

ISSUER = "DFI Casos"
#: Codes of the previous and next 30-second step are accepted too (clock drift, typing time).
WINDOW = 1
RECOVERY_CODES = 10
#: Recovery codes: 16 characters of a 32-letter alphabet (80 random bits), shown in groups of four.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz023456789"  # no i, l, o, 1: nothing to misread


class SecondFactorRefused(Exception):
    """A one-time code was not accepted; the Spanish message never says which check failed."""

    def __init__(self) -> None:
        super().__init__(_("El código no es válido o ya se usó. Escriba el código actual de su aplicación, "
                           "o uno de sus códigos de recuperación."))


def new_secret() -> str:
    """A fresh base32 TOTP seed (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code of `uri` as an inline SVG data: URI, drawn on the server (CSP allows data: images)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code `code` is (within WINDOW steps of now), or None.

    The caller records the step and refuses any step not newer than the last one used:
    that is what makes a code good once (`OtpReplayed` in SecureDrop's words).
    """
    digits = "".join(code.split())
    if len(digits) != 6 or not (digits.isascii() and digits.isdigit()):  # "١٢٣٤٥٦" is digits too
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now if now is not None else time.time())
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def code_at(secret: str, step: int) -> str:
    """The code of one time step (tests and the demo's helper)."""
    return str(pyotp.TOTP(secret).generate_otp(step))


def current_step(now: float | None = None) -> int:
    """The 30-second TOTP step of `now`."""
    return int((now if now is not None else time.time()) // 30)


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Single-use recovery codes as shown to the user: "abcd-efgh-jkmn-pqrs"."""
    codes = []
    for _i in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    return codes


def looks_like_recovery_code(text: str) -> bool:
    """A recovery code has letters or is longer than a TOTP code."""
    return len(normalize_recovery_code(text)) == 16


def normalize_recovery_code(text: str) -> str:
    """Lower case, without spaces or dashes: how a code is hashed and compared."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def hash_recovery_code(text: str) -> str:
    """What the database keeps of a recovery code (80 random bits: a fast hash is enough)."""
    return hashlib.sha256(b"dfi-recovery-code:" + normalize_recovery_code(text).encode()).hexdigest()
