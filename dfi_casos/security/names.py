"""Mexican names for search: normalization, a Spanish phonetic key, and the tokens a name indexes.

Three steps, each a pure function with tests of its own:

1. `name_words` normalizes what a caseworker types: case, accents, Ñ, punctuation, spaces;
   it expands the usual abbreviations of given names (MA., Mª, J., GPE., FCO., ...) and drops
   the particles (DE, DEL, LA, LOS, Y, ...) that come and go between two records of one person.
2. `phonetic_key` codes one word so that spellings of one sound meet (the "soundexES" coding of
   Latin American record linkage, plus X = J as in Mexican names): B/V, LL/Y, S/Z/C before E
   and I, silent H, QU/K/C, G before E and I = J, GU before A and O = W, RR = R, vowels dropped
   after the first letter.
3. `name_tokens` turns a person's names and birth year into the strings a token blind index
   stores: pairs (given word + surname, both surnames, surname + birth year), so one lookup
   answers each kind of query a caseworker makes.

Ñ is folded to N. Many keyboards and older records have no Ñ (CURP itself writes it as X),
so "Pena" and "Peña" must meet; the ranking step compares the decrypted names with Ñ kept,
so the exact spelling still comes first.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

#: Leading or inner particles skipped by the CURP rules (Instructivo Normativo), and "Y".
PARTICLES = frozenset({
    "DA", "DAS", "DE", "DEL", "DER", "DI", "DIE", "DD", "EL", "LA", "LOS", "LAS", "LE", "LES",
    "MAC", "MC", "VAN", "VON", "Y",
})

#: Abbreviations of given names, after punctuation is gone ("MA." -> "MA", "Mª" -> "MA").
GIVEN_NAME_ABBREVIATIONS = {
    "MA": "MARIA", "J": "JOSE", "GPE": "GUADALUPE", "FCO": "FRANCISCO", "FCA": "FRANCISCA",
    "GMO": "GUILLERMO", "STGO": "SANTIAGO",
}

_SEPARATORS = re.compile(r"[^A-Z0-9Ñ]+")
_VOWELS = frozenset("AEIOU")
#: Longest word kept: a 200-character "name" is noise, and the index must not grow with it.
MAX_WORD = 30
#: At most this many words of one name part are indexed.
MAX_WORDS = 4


def fold(value: str | None) -> str:
    """Upper case without accents, Ñ kept; everything but letters and digits becomes one space."""
    if not value:
        return ""
    upper = value.upper().replace("Ñ", "\x00")
    # NFKD splits an accent into a combining mark (then dropped) and turns "ª" into "A".
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", upper) if not unicodedata.combining(ch))
    plain = plain.upper().replace("\x00", "Ñ")
    return " ".join(_SEPARATORS.sub(" ", plain).split())


def _drop_particles(words: list[str]) -> list[str]:
    kept = [w for w in words if w not in PARTICLES]
    return kept or words  # a name made only of particles keeps them


def name_words(value: str | None, *, given: bool = False) -> list[str]:
    """The words of one name part, normalized, abbreviations expanded (given names), particles dropped.

    "Ma. de los Ángeles" -> ["MARIA", "ANGELES"]; "De la Peña" -> ["PEÑA"].
    """
    words = [w[:MAX_WORD] for w in fold(value).split() if not w.isdigit()]
    if given:
        words = [GIVEN_NAME_ABBREVIATIONS.get(w, w) for w in words]
    return _drop_particles(words)[:MAX_WORDS]


def phonetic_key(word: str, *, keep_vowels: bool = False) -> str:
    """Spanish phonetic code of one folded word; words that sound alike share it.

    "VALDEZ", "BALDES" -> "BLDS"; "LLESENIA", "YESENIA" -> "YSN"; "XIMENA", "JIMENA" -> "JMN".
    With `keep_vowels` the code is stricter ("MARIA" and "MARIO" differ): what the ranking uses
    to call two spellings the same sound.
    """
    w = word.replace("Ñ", "N")
    codes: list[str] = []
    i, n = 0, len(w)
    while i < n:
        c = w[i]
        nxt = w[i + 1] if i + 1 < n else ""
        after = w[i + 2] if i + 2 < n else ""
        step, code = 1, c
        if c == "H":
            if nxt == "U" and after in _VOWELS:  # HUERTA ~ GUERTA ~ WERTA
                step, code = 2, "W"
            else:
                code = ""  # silent
        elif c == "C":
            if nxt == "H":
                step, code = 2, "Y"
            else:
                code = "S" if nxt in ("E", "I") else "K"
        elif c == "Q":
            step, code = (2 if nxt == "U" else 1), "K"
        elif c == "G":
            if nxt == "U" and after in ("E", "I"):  # GUILLERMO: hard G, silent U
                step, code = 2, "G"
            elif nxt == "U" and after in ("A", "O"):  # GUADALUPE ~ WADALUPE
                step, code = 2, "W"
            else:
                code = "J" if nxt in ("E", "I") else "G"
        elif c == "L" and nxt == "L":
            step, code = 2, "Y"
        elif c == "S" and nxt == "H":
            step, code = 2, "Y"
        elif c == "Y":
            code = "Y" if nxt in _VOWELS else "I"  # a vowel Y (REY, YVONNE) is an I
        elif c in ("Z", "S"):
            code = "S"
        elif c == "X":
            code = "J"
        elif c == "V":
            code = "B"
        elif c == "K":
            code = "K"
        elif c == "W":
            code = "W"
        codes.append(code)
        i += step
    codes = [c for c in codes if c]
    collapsed: list[str] = []
    for code in codes:
        if not collapsed or collapsed[-1] != code:  # RR, NN, SS, TT
            collapsed.append(code)
    if not collapsed:
        return ""
    if keep_vowels:
        return "".join(collapsed)
    head, tail = collapsed[0], collapsed[1:]
    if head in _VOWELS:
        head = "A"  # a leading vowel varies too (ELIZABETH / ILIZABETH, IVONNE / YVONNE)
    return head + "".join(c for c in tail if c not in _VOWELS)


def phonetic_words(value: str | None, *, given: bool = False) -> list[str]:
    """Phonetic keys of one name part's words, in order, without repeats or empties."""
    keys = (phonetic_key(w) for w in name_words(value, given=given))
    return list(dict.fromkeys(k for k in keys if k))


def name_tokens(given_names: str | None, first_surname: str | None, second_surname: str | None,
                birth_year: int | None) -> set[str]:
    """What a person's token index stores: one string per (given word, surname), surnames, surname+year.

    Surnames are paired without their position: people swap them or give only one.
    """
    givens = phonetic_words(given_names, given=True)
    surnames = list(dict.fromkeys(phonetic_words(first_surname) + phonetic_words(second_surname)))
    return query_tokens(givens, surnames, birth_year, both_surnames=True)


def person_name_tokens(given_names: str | None, first_surname: str | None, second_surname: str | None,
                       birth_date: date | None) -> set[str]:
    """`name_tokens` with the year taken from a date of birth: the tokenizer of the person token index."""
    return name_tokens(given_names, first_surname, second_surname, birth_date.year if birth_date else None)


def query_tokens(givens: Iterable[str], surnames: list[str], birth_year: int | None, *,
                 both_surnames: bool = True) -> set[str]:
    """Token strings for phonetic keys: the same function builds what is stored and what is looked up."""
    tokens: set[str] = set()
    for surname in surnames:
        tokens.update(f"gs:{given}|{surname}" for given in givens)
        if birth_year is not None:
            tokens.add(f"sy:{surname}|{birth_year}")
    if both_surnames:
        for position, first in enumerate(surnames):
            tokens.update(f"ss:{'|'.join(sorted((first, other)))}" for other in surnames[position + 1:])
    return tokens


def ranking_form(value: str | None, *, given: bool = False) -> str:
    """A name part as the similarity ranking compares it: folded, abbreviations expanded, no particles."""
    return " ".join(name_words(value, given=given))
