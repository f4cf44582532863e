"""Realistic misspellings of registered names: the test set of the name-search recall benchmark.

    variants = make_variants(persons, random.Random(7))   # persons: (id, given, first, second, birth_date)

One variant changes one thing, the way caseworkers write names differently from the record:
accent dropped, second surname missing, B/V, LL/Y, S/Z (or C before E/I), María/José
abbreviated, one typo. A kind that does not apply to a name (no accent, no B or V, ...) is
skipped for that person.
"""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

KINDS = ("acento", "sin_segundo_apellido", "b_v", "ll_y", "s_z", "abreviatura", "errata")


@dataclass(frozen=True)
class Variant:
    person_id: Any
    kind: str
    given_names: str
    first_surname: str
    second_surname: str | None
    birth_year: int | None


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
                   or c == "\u0303")  # keep the tilde of Ñ: dropping accents is not dropping Ñ


def _swap(text: str, pairs: list[tuple[str, str]]) -> str | None:
    """Replace the first occurrence of the first pair found (case-insensitive), keeping the capital."""
    lower = text.lower()
    for old, new in pairs:
        i = lower.find(old)
        if i >= 0:
            replaced = new.capitalize() if text[i].isupper() else new
            return text[:i] + replaced + text[i + len(old):]
    return None


def _typo(text: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters[1:])  # the first letter is the one people get right
    operation = rng.choice(("substitute", "delete", "insert", "transpose"))
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    if operation == "substitute":
        return text[:i] + rng.choice(alphabet.replace(text[i].lower(), "")) + text[i + 1:]
    if operation == "delete":
        return text[:i] + text[i + 1:]
    if operation == "insert":
        return text[:i] + rng.choice(alphabet) + text[i:]
    j = i - 1 if i == letters[-1] else i
    return text[:j] + text[j + 1] + text[j] + text[j + 2:] if text[j + 1].isalpha() else text


_ABBREVIATIONS = [(re.compile(r"\bMar[ií]a\b", re.I), "Ma."), (re.compile(r"\bJos[eé]\b", re.I), "J.")]


def variant_of(kind: str, given: str, first: str, second: str | None, rng: random.Random) -> tuple | None:
    """(given, first, second) written the `kind` way, or None when the kind does not apply."""
    parts = [given, first, second or ""]
    if kind == "acento":
        changed = [_strip_accents(p) for p in parts]
        return None if changed == parts else tuple(changed)
    if kind == "sin_segundo_apellido":
        return (given, first, None) if second else None
    if kind == "abreviatura":
        for pattern, short in _ABBREVIATIONS:
            if pattern.search(given):
                return (pattern.sub(short, given, count=1), first, second)
        return None
    swaps = {"b_v": [("v", "b"), ("b", "v")], "ll_y": [("ll", "y"), ("y", "ll")],
             "s_z": [("z", "s"), ("ce", "se"), ("ci", "si"), ("s", "z")]}
    order = rng.sample(range(3), 3)
    for position in order:
        if not parts[position]:
            continue
        new = _typo(parts[position], rng) if kind == "errata" else _swap(parts[position], swaps[kind])
        if new is not None and new != parts[position]:
            parts[position] = new
            return (parts[0], parts[1], parts[2] or None)
    return None


def make_variants(persons: list[tuple[Any, str, str, str | None, date | None]], rng: random.Random,
                  per_kind: int) -> list[Variant]:
    """Up to `per_kind` variants of each kind, each from a different person drawn at random."""
    variants: list[Variant] = []
    for kind in KINDS:
        count = 0
        for person_id, given, first, second, birth in rng.sample(persons, len(persons)):
            written = variant_of(kind, given, first, second, rng)
            if written is None:
                continue
            variants.append(Variant(person_id, kind, written[0], written[1], written[2],
                                    birth.year if birth else None))
            count += 1
            if count >= per_kind:
                break
    return variants
