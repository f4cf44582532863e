"""CURP validation, check digit, mismatch warnings and the synthetic-CURP builder."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from dfi_casos.catalogs.enums import RegisteredSex
from dfi_casos.catalogs.geography import CURP_STATE_CODES
from dfi_casos.registry.curp import (
    CurpInfo,
    CurpInvalida,
    curp_check_digit,
    curp_mismatches,
    make_curp,
    validate_curp,
)

REAL_EXAMPLES = ["HEGG560427MVZRRL04", "MAHJ280603MSPRRV09"]


def with_check_digit(first17: str) -> str:
    return first17 + str(curp_check_digit(first17))


# --- valid CURPs --------------------------------------------------------------------------

@pytest.mark.parametrize("curp", REAL_EXAMPLES)
def test_real_examples_validate(curp: str) -> None:
    assert validate_curp(curp).curp == curp


def test_valid_curp_yields_birth_date_sex_and_state() -> None:
    info = validate_curp("HEGG560427MVZRRL04")
    assert info == CurpInfo(curp="HEGG560427MVZRRL04", birth_date=date(1956, 4, 27), sex="M", state_curp_code="VZ")
    assert not info.born_abroad


def test_lower_case_and_surrounding_whitespace_are_normalized() -> None:
    assert validate_curp("  mahj280603msprrv09\n").curp == "MAHJ280603MSPRRV09"


def test_sex_x_is_accepted() -> None:
    curp = with_check_digit("PEXA900101XGRRRN0")
    assert validate_curp(curp).sex == "X"


def test_born_abroad_state_code_is_accepted() -> None:
    info = validate_curp(with_check_digit("GOLM850315HNELPR0"))
    assert info.state_curp_code == "NE"
    assert info.born_abroad


def test_digit_differentiator_means_born_in_the_1900s() -> None:
    assert validate_curp(with_check_digit("GOLM050315HGRLPR5")).birth_date == date(1905, 3, 15)


def test_letter_differentiator_means_born_from_2000() -> None:
    assert validate_curp(with_check_digit("GOLM050315HGRLPRA")).birth_date == date(2005, 3, 15)


def test_29_february_of_a_leap_year_is_accepted() -> None:
    assert validate_curp(with_check_digit("GOLM000229MGRLPRA")).birth_date == date(2000, 2, 29)


# --- each failure names its part ----------------------------------------------------------

def assert_refused(curp: str, message: str) -> None:
    with pytest.raises(CurpInvalida) as error:
        validate_curp(curp)
    assert str(error.value) == message


def test_curp_is_a_value_error() -> None:
    assert issubclass(CurpInvalida, ValueError)


@pytest.mark.parametrize(("curp", "length"), [("HEGG560427MVZRRL0", 17), ("HEGG560427MVZRRL045", 19), ("", 0)])
def test_wrong_length_is_refused(curp: str, length: int) -> None:
    assert_refused(curp, f"La CURP debe tener 18 caracteres (tiene {length}).")


def test_digit_among_the_initials_is_refused() -> None:
    assert_refused(
        "H3GG560427MVZRRL04", "Las posiciones 1 a 4 de la CURP (iniciales de apellidos y nombre) deben ser letras."
    )


def test_letter_in_the_date_is_refused() -> None:
    assert_refused(
        "HEGG56O427MVZRRL04", "La fecha de nacimiento de la CURP (posiciones 5 a 10) debe tener 6 dígitos (AAMMDD)."
    )


def test_unknown_sex_letter_is_refused() -> None:
    assert_refused("HEGG560427FVZRRL04", "El sexo de la CURP (posición 11) debe ser H, M o X.")


def test_unknown_state_code_is_refused() -> None:
    assert_refused("HEGG560427MZZRRL04", "La clave de entidad de la CURP (posiciones 12 y 13) no existe: ZZ.")


def test_vowel_among_the_internal_consonants_is_refused() -> None:
    assert_refused(
        "HEGG560427MVZRAL04", "Las posiciones 14 a 16 de la CURP (consonantes internas) deben ser consonantes."
    )


def test_symbol_as_differentiator_is_refused() -> None:
    assert_refused("HEGG560427MVZRRL-4", "El diferenciador de la CURP (posición 17) debe ser un dígito o una letra.")


def test_letter_as_check_digit_is_refused() -> None:
    assert_refused("HEGG560427MVZRRL0A", "El dígito verificador de la CURP (posición 18) debe ser un dígito.")


def test_30_february_is_refused() -> None:
    assert_refused(
        with_check_digit("GOLM900230HGRLPR0"),
        "La fecha de nacimiento de la CURP (posiciones 5 a 10) no existe: 30/02/1990.",
    )


def test_29_february_of_a_common_year_is_refused() -> None:
    assert_refused(
        with_check_digit("GOLM010229HGRLPRA"),
        "La fecha de nacimiento de la CURP (posiciones 5 a 10) no existe: 29/02/2001.",
    )


def test_month_13_is_refused() -> None:
    assert_refused(
        with_check_digit("GOLM901301HGRLPR0"),
        "La fecha de nacimiento de la CURP (posiciones 5 a 10) no existe: 01/13/1990.",
    )


def test_future_birth_date_is_refused() -> None:
    # a letter differentiator with year 99 means 2099
    assert_refused(
        with_check_digit("GOLM990101HGRLPRA"),
        "La fecha de nacimiento de la CURP (posiciones 5 a 10) es posterior a hoy: 01/01/2099.",
    )


def test_wrong_check_digit_is_refused_telling_the_right_one() -> None:
    assert_refused("HEGG560427MVZRRL05", "El dígito verificador no coincide: debería ser 4.")


def test_check_digit_of_the_real_examples() -> None:
    assert curp_check_digit("HEGG560427MVZRRL0") == 4
    assert curp_check_digit("MAHJ280603MSPRRV0") == 9


def test_check_digit_needs_17_known_characters() -> None:
    with pytest.raises(ValueError):
        curp_check_digit("HEGG560427MVZRRL")
    with pytest.raises(ValueError):
        curp_check_digit("HEGG560427MVZRRL-")


# --- mismatch warnings --------------------------------------------------------------------

def test_matching_data_gives_no_warning() -> None:
    info = validate_curp("HEGG560427MVZRRL04")
    assert curp_mismatches(info, birth_date=date(1956, 4, 27), sex="M") == []
    assert curp_mismatches(info, birth_date=date(1956, 4, 27), sex=RegisteredSex.FEMALE) == []


def test_different_birth_date_is_warned() -> None:
    info = validate_curp("HEGG560427MVZRRL04")
    assert curp_mismatches(info, birth_date=date(1956, 4, 28)) == [
        "La fecha de nacimiento de la CURP (27/04/1956) no coincide con la registrada (28/04/1956)."
    ]


@pytest.mark.parametrize("sex", ["H", "h", RegisteredSex.MALE, "male"])
def test_different_sex_is_warned(sex: str) -> None:
    info = validate_curp("HEGG560427MVZRRL04")
    assert curp_mismatches(info, sex=sex) == ["El sexo de la CURP (M) no coincide con el registrado (H)."]


@pytest.mark.parametrize("sex", [None, "", RegisteredSex.UNKNOWN, "unknown"])
def test_unknown_sex_gives_no_warning(sex: str | None) -> None:
    info = validate_curp("HEGG560427MVZRRL04")
    assert curp_mismatches(info, sex=sex) == []


def test_both_mismatches_are_reported() -> None:
    info = validate_curp("HEGG560427MVZRRL04")
    assert len(curp_mismatches(info, birth_date=date(1960, 1, 1), sex="X")) == 2


# --- building CURPs -----------------------------------------------------------------------

def test_make_curp_rebuilds_a_real_example() -> None:
    assert make_curp("Hernández", "Garza", "Gloria", date(1956, 4, 27), "M", "VZ") == "HEGG560427MVZRRL04"


def test_make_curp_turns_enie_into_x_and_drops_accents() -> None:
    curp = make_curp("Muñoz", "Ávila", "Íñigo", date(1980, 5, 17), "H", "OC")
    assert curp[:4] == "MUAI"
    assert curp[13:16] == "XVX"


def test_make_curp_without_second_surname_uses_x() -> None:
    curp = make_curp("López", None, "Ana", date(1975, 1, 2), "M", "GR")
    assert curp[2] == "X" and curp[14] == "X"


def test_make_curp_skips_particles_and_a_leading_maria_or_jose() -> None:
    curp = make_curp("de la Cruz", "del Valle", "María Luisa", date(1990, 7, 8), "M", "CS")
    assert curp[:4] == "CUVL"
    assert curp[13:16] == "RLS"


def test_make_curp_uses_digit_before_2000_and_letter_from_2000() -> None:
    assert make_curp("Ruiz", "Paz", "Eva", date(1999, 12, 31), "M", "DF")[16] == "0"
    assert make_curp("Ruiz", "Paz", "Eva", date(2000, 1, 1), "M", "DF")[16] == "A"


def test_make_curp_refuses_a_differentiator_of_the_wrong_century() -> None:
    with pytest.raises(ValueError):
        make_curp("Ruiz", "Paz", "Eva", date(2010, 1, 1), "M", "DF", differentiator="3")
    with pytest.raises(ValueError):
        make_curp("Ruiz", "Paz", "Eva", date(1990, 1, 1), "M", "DF", differentiator="B")


def test_make_curp_refuses_unknown_sex_or_state() -> None:
    with pytest.raises(ValueError):
        make_curp("Ruiz", "Paz", "Eva", date(1990, 1, 1), "F", "DF")
    with pytest.raises(ValueError):
        make_curp("Ruiz", "Paz", "Eva", date(1990, 1, 1), "M", "ZZ")


SURNAMES = ["Hernández", "García", "Martínez", "López", "González", "Pérez", "Núñez", "de la Rosa", "Ibarra",
            "Ortiz", "Uc", "Ek", "Yáñez", "del Ángel", "Oh", "Muñoz", "Ávalos", "Santiago", "Vázquez", "Chi"]
GIVEN_NAMES = ["Juan", "María Guadalupe", "José Luis", "Ana", "Itzel", "Ñeri", "Úrsula", "Eduardo", "Xóchitl",
               "Ángel", "Ma. Elena", "Yael", "Ian", "Sofía", "Ixchel"]


def test_make_curp_output_validates_for_many_random_inputs() -> None:
    rng = random.Random(20260101)  # noqa: S311 (test data, not secrets)
    states = sorted(CURP_STATE_CODES)
    for _ in range(2000):
        birth_date = date(1920, 1, 1) + timedelta(days=rng.randrange(0, 365 * 100))
        if birth_date > date.today():
            continue
        second = rng.choice([*SURNAMES, None, ""])
        differentiator = rng.choice("0123456789") if birth_date.year < 2000 else rng.choice("ABCDEFGHIJKLMNPQRSTUVWXYZ")
        sex = rng.choice("HMX")
        curp = make_curp(
            rng.choice(SURNAMES), second, rng.choice(GIVEN_NAMES), birth_date, sex, rng.choice(states), differentiator
        )
        info = validate_curp(curp)
        assert info.birth_date == birth_date
        assert info.sex == sex
        assert curp[16] == differentiator
