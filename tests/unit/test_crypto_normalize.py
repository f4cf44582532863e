"""Normalization before blind indexing: the spellings a caseworker may type must index alike."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dfi_casos.security.normalize import normalize_curp, normalize_full_name_dob, normalize_name, normalize_phone


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("José María", "JOSE MARIA"),
        ("  josé   maría ", "JOSE MARIA"),
        ("PEÑA", "PENA"),
        ("Núñez", "NUNEZ"),
        ("O'Connor", "OCONNOR"),
        ("Ruíz-Gómez", "RUIZGOMEZ"),
        ("María\tdel  Carmen", "MARIA DEL CARMEN"),
        ("Ünal", "UNAL"),
        ("", ""),
        (None, ""),
        (" . , ", ""),
    ],
)
def test_names_fold_case_accents_punctuation_and_spaces(typed: str | None, normalized: str) -> None:
    assert normalize_name(typed) == normalized


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [(" hegg560427mvzrrl04 ", "HEGG560427MVZRRL04"), ("MAHJ280603MSPRRV09", "MAHJ280603MSPRRV09"), (None, "")],
)
def test_curp_is_upper_case_and_trimmed(typed: str | None, normalized: str) -> None:
    assert normalize_curp(typed) == normalized


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("+52 (55) 1234-5678", "5512345678"),
        ("55 1234 5678", "5512345678"),
        ("044 55 1234 5678", "5512345678"),
        ("1234", "1234"),
        ("sin teléfono", ""),
        ("٥٥١٢٣٤٥٦٧٨", ""),
        (None, ""),
    ],
)
def test_phone_keeps_the_last_ten_digits(typed: str | None, normalized: str) -> None:
    assert normalize_phone(typed) == normalized


def test_full_name_with_date_of_birth() -> None:
    born = date(1956, 4, 27)
    assert normalize_full_name_dob("Gloria", "Hernández", "García", born) == "GLORIA HERNANDEZ GARCIA|1956-04-27"
    assert normalize_full_name_dob(" gloria", "HERNANDEZ ", "garcía", born) == "GLORIA HERNANDEZ GARCIA|1956-04-27"
    assert normalize_full_name_dob("Gloria", "Hernández", None, born) == "GLORIA HERNANDEZ|1956-04-27"


@pytest.mark.parametrize(
    "parts", [("Gloria", "Hernández", "García", None), (None, None, None, date(1956, 4, 27)), ("", " ", "", None)]
)
def test_full_name_without_name_or_date_is_not_indexed(parts: tuple[Any, ...]) -> None:
    assert normalize_full_name_dob(*parts) == ""
