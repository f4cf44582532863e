"""Normalization before blind indexing: one function per kind of value, so equal means equal."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

_NOT_WORD = re.compile(r"[^\w\s]|_")


def normalize_name(value: str | None) -> str:
    """Names: upper case, accents removed, punctuation dropped, spaces collapsed.

    "  José  de-la  Peña " and "JOSE DELA PENA" index alike; Ñ folds to N as CURP does.
    """
    if not value:
        return ""
    # After NFKD an accent is a separate combining mark, which like punctuation is not \w.
    kept = _NOT_WORD.sub("", unicodedata.normalize("NFKD", value))
    return " ".join(kept.split()).upper()


def normalize_curp(value: str | None) -> str:
    """CURP: upper case, trimmed."""
    return (value or "").strip().upper()


def normalize_phone(value: str | None) -> str:
    """Phone: digits only, the last 10 (a Mexican number without +52 or the old 044/045 prefixes)."""
    digits = "".join(char for char in (value or "") if char.isdigit() and char.isascii())
    return digits[-10:]


def normalize_full_name_dob(
    given_names: str | None, first_surname: str | None, second_surname: str | None, birth_date: date | None
) -> str:
    """Full name plus date of birth, for duplicate detection; empty when either part is missing."""
    name = " ".join(part for part in map(normalize_name, (given_names, first_surname, second_surname)) if part)
    if not name or birth_date is None:
        return ""
    return f"{name}|{birth_date.isoformat()}"
