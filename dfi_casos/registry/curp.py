"""CURP validation (structure, birth date, state, check digit) and synthetic CURPs for tests."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from dfi_casos.catalogs.enums import RegisteredSex
from dfi_casos.catalogs.geography import CURP_STATE_CODES
from dfi_casos.i18n import day as day_text

CURP_LENGTH = 18
CHECK_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
SEX_LETTERS = ("H", "M", "X")

# Ñ is accepted where letters go: RENAPO writes X today, but older keys may carry it
_LETTERS = re.compile(r"[A-ZÑ]{4}")
_DIGITS = re.compile(r"[0-9]{6}")
_CONSONANTS = re.compile(r"[B-DF-HJ-NP-TV-ZÑ]{3}")
_DIFFERENTIATOR = re.compile(r"[0-9A-Z]")


class CurpInvalida(ValueError):
    """The CURP is malformed; the message tells the caseworker which part is wrong."""


@dataclass(frozen=True)
class CurpInfo:
    """What a valid CURP says about its holder."""

    curp: str
    birth_date: date
    #: "H", "M" or "X"
    sex: str
    #: one of the 32 CURP state codes, or "NE" (born abroad)
    state_curp_code: str

    @property
    def born_abroad(self) -> bool:
        return self.state_curp_code == "NE"


def normalize_curp(value: str) -> str:
    """The CURP as stored and compared: no surrounding blanks, upper case."""
    # NFC: an Ñ typed as N + combining tilde must count as one character
    return unicodedata.normalize("NFC", value.strip().upper())


def curp_check_digit(first17: str) -> int:
    """RENAPO's check digit for the first 17 characters (position 0 weighs 18, the last 2)."""
    if len(first17) != CURP_LENGTH - 1 or any(ch not in CHECK_ALPHABET for ch in first17):
        raise ValueError(_("Se necesitan los primeros 17 caracteres de una CURP."))
    total = sum(CHECK_ALPHABET.index(ch) * (CURP_LENGTH - position) for position, ch in enumerate(first17))
    return (10 - total % 10) % 10


def validate_curp(value: str) -> CurpInfo:
    """Check a CURP part by part; raise CurpInvalida at the first wrong part."""
    curp = normalize_curp(value)
    _check_structure(curp)
    birth_date = _birth_date(curp)
    expected = curp_check_digit(curp[:17])
    if int(curp[17]) != expected:
        raise CurpInvalida(_("El dígito verificador no coincide: debería ser %(digit)s.", digit=expected))
    return CurpInfo(curp=curp, birth_date=birth_date, sex=curp[10], state_curp_code=curp[11:13])


def _check_structure(curp: str) -> None:
    if len(curp) != CURP_LENGTH:
        raise CurpInvalida(_("La CURP debe tener 18 caracteres (tiene %(n)s).", n=len(curp)))
    if not _LETTERS.fullmatch(curp[0:4]):
        raise CurpInvalida(_("Las posiciones 1 a 4 de la CURP (iniciales de apellidos y nombre) deben ser letras."))
    if not _DIGITS.fullmatch(curp[4:10]):
        raise CurpInvalida(_("La fecha de nacimiento de la CURP (posiciones 5 a 10) debe tener 6 dígitos (AAMMDD)."))
    if curp[10] not in SEX_LETTERS:
        raise CurpInvalida(_("El sexo de la CURP (posición 11) debe ser H, M o X."))
    if curp[11:13] not in CURP_STATE_CODES:
        raise CurpInvalida(_("La clave de entidad de la CURP (posiciones 12 y 13) no existe: %(code)s.",
                             code=curp[11:13]))
    if not _CONSONANTS.fullmatch(curp[13:16]):
        raise CurpInvalida(_("Las posiciones 14 a 16 de la CURP (consonantes internas) deben ser consonantes."))
    if not _DIFFERENTIATOR.fullmatch(curp[16]):
        raise CurpInvalida(_("El diferenciador de la CURP (posición 17) debe ser un dígito o una letra."))
    if not curp[17].isascii() or not curp[17].isdigit():
        raise CurpInvalida(_("El dígito verificador de la CURP (posición 18) debe ser un dígito."))


def _birth_date(curp: str) -> date:
    # RENAPO assigns a digit differentiator to births before 2000 and a letter from 2000 on
    century = 1900 if curp[16].isdigit() else 2000
    year, month, day = century + int(curp[4:6]), int(curp[6:8]), int(curp[8:10])
    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise CurpInvalida(
            _("La fecha de nacimiento de la CURP (posiciones 5 a 10) no existe: %(date)s.",
              date=f"{day:02d}/{month:02d}/{year}")
        ) from None
    if birth_date > date.today():
        raise CurpInvalida(
            _("La fecha de nacimiento de la CURP (posiciones 5 a 10) es posterior a hoy: %(date)s.",
              date=day_text(birth_date))
        )
    return birth_date


def curp_mismatches(
    info: CurpInfo, birth_date: date | None = None, sex: RegisteredSex | str | None = None
) -> list[str]:
    """Warnings (not errors) when the CURP disagrees with the person's recorded data.

    `sex` is a RegisteredSex (or its stored value) or a CURP letter (H, M, X); unknown gives no warning.
    """
    warnings: list[str] = []
    if birth_date is not None and birth_date != info.birth_date:
        warnings.append(
            _("La fecha de nacimiento de la CURP (%(curp_date)s) no coincide con la registrada (%(date)s).",
              curp_date=day_text(info.birth_date), date=day_text(birth_date))
        )
    letter = _sex_letter(sex)
    if letter is not None and letter != info.sex:
        warnings.append(_("El sexo de la CURP (%(curp_sex)s) no coincide con el registrado (%(sex)s).",
                          curp_sex=info.sex, sex=letter))
    return warnings


def _sex_letter(sex: RegisteredSex | str | None) -> str | None:
    """The CURP letter for a RegisteredSex, its stored value ("female") or a letter; None if unknown."""
    if not sex:
        return None
    if sex in _REGISTERED_SEX_VALUES:
        return RegisteredSex(sex).curp_letter
    letter = sex.strip().upper()
    return letter if letter in SEX_LETTERS else None


_REGISTERED_SEX_VALUES = frozenset(member.value for member in RegisteredSex)


# --- building synthetic CURPs -------------------------------------------------------------

VOWELS = "AEIOU"
CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"
# particles RENAPO skips in compound surnames and names ("DE LA CRUZ" -> CRUZ)
_PARTICLES = {"DA", "DAS", "DE", "DEL", "DER", "DI", "DIE", "DD", "EL", "LA", "LAS", "LE", "LES", "LOS", "MAC",
              "MC", "VAN", "VON", "Y"}
# in a compound given name RENAPO skips a leading MARÍA or JOSÉ ("MARÍA LUISA" -> LUISA)
_COMMON_FIRST_NAMES = {"MARIA", "MA", "JOSE", "J"}


def make_curp(
    first_surname: str,
    second_surname: str | None,
    given_name: str,
    birth_date: date,
    sex: str,
    state_curp_code: str,
    differentiator: str | None = None,
) -> str:
    """A structurally valid CURP with the right check digit, built like RENAPO builds one.

    Simplified: the list of inconvenient words RENAPO rewrites (e.g. words that would spell an
    insult) is not applied. For tests and synthetic data only; a person's CURP comes from RENAPO.
    """
    first, second, given = _key_word(first_surname), _key_word(second_surname or ""), _given_name_word(given_name)
    sex, state = sex.upper(), state_curp_code.upper()
    if sex not in SEX_LETTERS:
        raise ValueError(_("El sexo debe ser H, M o X."))
    if state not in CURP_STATE_CODES:
        raise ValueError(_("Clave de entidad de CURP desconocida: %(code)s.", code=state_curp_code))
    if not 1900 <= birth_date.year <= 2099:
        raise ValueError(_("La CURP solo cubre nacimientos de 1900 a 2099."))
    differentiator = _differentiator(birth_date, differentiator)
    first17 = (
        (first[:1] or "X")
        + _first_internal(first, VOWELS)
        + (second[:1] or "X")
        + (given[:1] or "X")
        + f"{birth_date:%y%m%d}"
        + sex
        + state
        + _first_internal(first, CONSONANTS)
        + _first_internal(second, CONSONANTS)
        + _first_internal(given, CONSONANTS)
        + differentiator
    )
    return first17 + str(curp_check_digit(first17))


def _differentiator(birth_date: date, chosen: str | None) -> str:
    before_2000 = birth_date.year < 2000
    if chosen is None:
        return "0" if before_2000 else "A"
    chosen = chosen.upper()
    valid = chosen.isdigit() if before_2000 else chosen.isalpha()
    if len(chosen) != 1 or not chosen.isascii() or not valid:
        raise ValueError(_("El diferenciador es un dígito antes de 2000 y una letra desde 2000."))
    return chosen


def _first_internal(word: str, alphabet: str) -> str:
    """The first letter of `alphabet` after the word's initial, or X when there is none."""
    return next((ch for ch in word[1:] if ch in alphabet), "X")


def _plain_letters(text: str) -> str:
    """Upper case A-Z only: Ñ becomes X (as RENAPO does), accents and other signs are dropped."""
    upper = text.upper().replace("Ñ", "X")
    decomposed = unicodedata.normalize("NFD", upper)
    return "".join(ch for ch in decomposed if "A" <= ch <= "Z" or ch == " ")


def _key_word(surname: str) -> str:
    """The word of a surname that the CURP uses: the first one that is not a particle."""
    words = _plain_letters(surname).split()
    return next((w for w in words if w not in _PARTICLES), words[0] if words else "")


def _given_name_word(given_name: str) -> str:
    words = [w for w in _plain_letters(given_name).split() if w not in _PARTICLES]
    if len(words) > 1 and words[0] in _COMMON_FIRST_NAMES:
        return words[1]
    return words[0] if words else ""
