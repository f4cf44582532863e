"""Mexican name normalization and the Spanish phonetic key that lets spelling variants meet."""
from __future__ import annotations

import pytest

from dfi_casos.security.names import (
    MAX_WORD,
    fold,
    name_tokens,
    name_words,
    phonetic_key,
    phonetic_words,
    query_tokens,
    ranking_form,
)


@pytest.mark.parametrize(("one", "other"), [
    ("VALDEZ", "BALDES"),          # B/V, S/Z
    ("LLESENIA", "YESENIA"),       # LL/Y
    ("CINTHIA", "SINTIA"),         # C before I = S, silent H
    ("CERVANTES", "SERBANTES"),    # C before E = S, B/V
    ("HERNANDEZ", "ERNANDES"),     # silent H
    ("QUINTERO", "KINTERO"),       # QU = K
    ("CARLOS", "KARLOS"),          # C before A = K
    ("GERARDO", "JERARDO"),        # G before E = J
    ("GISELA", "JISELA"),          # G before I = J
    ("XIMENA", "JIMENA"),          # X = J in Mexican names
    ("XAVIER", "JAVIER"),
    ("GUADALUPE", "WADALUPE"),     # GU before A = W
    ("CHAVEZ", "SHAVEZ"),          # CH / SH
    ("PEÑA", "PENA"),              # Ñ folded (keyboards without Ñ)
    ("IVONNE", "YVONNE"),          # leading vowel Y
    ("BARRERA", "BARERA"),         # RR = R
])
def test_spelling_variants_share_a_phonetic_key(one: str, other: str) -> None:
    assert phonetic_key(one) == phonetic_key(other)


@pytest.mark.parametrize(("one", "other"), [
    ("GUILLERMO", "JILLERMO"),    # GUI keeps a hard G
    ("LOPEZ", "PEREZ"),
    ("MARTINEZ", "MARTIN"),
    ("RAMOS", "RAMIREZ"),
])
def test_different_names_keep_different_keys(one: str, other: str) -> None:
    assert phonetic_key(one) != phonetic_key(other)


def test_fold_removes_accents_case_and_punctuation_but_keeps_enye() -> None:
    assert fold("  José   Ángel  Núñez-O'Neil ") == "JOSE ANGEL NUÑEZ O NEIL"


def test_fold_of_nothing_is_empty() -> None:
    assert fold(None) == "" and fold("   ") == ""


@pytest.mark.parametrize(("typed", "words"), [
    ("Ma. de los Ángeles", ["MARIA", "ANGELES"]),
    ("Mª José", ["MARIA", "JOSE"]),
    ("MA DE JESUS", ["MARIA", "JESUS"]),
    ("J. Luis", ["JOSE", "LUIS"]),
    ("Gpe.", ["GUADALUPE"]),
    ("Fco. Javier", ["FRANCISCO", "JAVIER"]),
])
def test_given_name_abbreviations_are_expanded_and_particles_dropped(typed: str, words: list[str]) -> None:
    assert name_words(typed, given=True) == words


def test_surname_particles_are_dropped() -> None:
    assert name_words("de la Cruz") == ["CRUZ"]
    assert name_words("Del Ángel") == ["ANGEL"]
    assert name_words("García y López") == ["GARCIA", "LOPEZ"]


def test_a_name_made_only_of_particles_keeps_them() -> None:
    assert name_words("De la") == ["DE", "LA"]


def test_abbreviations_are_not_expanded_in_surnames() -> None:
    assert name_words("Ma") == ["MA"]


def test_overlong_words_and_too_many_words_are_cut() -> None:
    words = name_words("A" * 200 + " B C D E F")
    assert len(words[0]) == MAX_WORD and len(words) == 4


def test_sql_and_html_are_reduced_to_plain_words() -> None:
    assert name_words("Robert'); DROP TABLE person;--") == ["ROBERT", "DROP", "TABLE", "PERSON"]
    assert phonetic_words("<script>alert(1)</script>") == ["SKRPT", "ALRT"]


def test_a_person_and_a_variant_of_their_name_share_tokens() -> None:
    stored = name_tokens("María José", "Hernández", "Valdés", 1985)
    typed = query_tokens(phonetic_words("Ma. José", given=True), phonetic_words("Ernandez") + ["BLDS"], 1985)
    assert typed <= stored


def test_surnames_pair_without_their_position() -> None:
    assert name_tokens("Ana", "López", "Pérez", None) & name_tokens("Ana", "Pérez", "López", None)
    assert "ss:LPS|PRS" in name_tokens("Ana", "Pérez", "López", None)


def test_birth_year_pairs_with_each_surname() -> None:
    tokens = name_tokens("Ana", "López", None, 1990)
    assert "sy:LPS|1990" in tokens and not any(t.startswith("ss:") for t in tokens)


def test_no_name_means_no_tokens() -> None:
    assert name_tokens(None, "  ", None, 1990) == set()


def test_ranking_form_keeps_enye_and_expands_abbreviations() -> None:
    assert ranking_form("Ma. de la Peña", given=True) == "MARIA PEÑA"


def test_the_strict_key_keeps_vowels_so_maria_and_mario_differ() -> None:
    assert phonetic_key("MARIA") == phonetic_key("MARIO")
    assert phonetic_key("MARIA", keep_vowels=True) != phonetic_key("MARIO", keep_vowels=True)
    assert phonetic_key("LLESENIA", keep_vowels=True) == phonetic_key("YESENIA", keep_vowels=True)
