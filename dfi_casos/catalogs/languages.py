"""The INALI catalog of the 68 indigenous linguistic groupings (agrupaciones lingüísticas)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from dfi_casos.catalogs.geography import CatalogError, spanish_sort_key

INALI_GROUPINGS = 68


@dataclass(frozen=True)
class IndigenousLanguage:
    """One agrupación lingüística."""

    #: this project's stable number, "01".."68", in INALI's order of presentation
    code: str
    name: str


@lru_cache(maxsize=1)
def indigenous_languages() -> tuple[IndigenousLanguage, ...]:
    """The 68 groupings in INALI's order (by linguistic family)."""
    data = resources.files("dfi_casos.catalogs") / "data" / "indigenous_languages.csv"
    rows = csv.DictReader(data.read_text(encoding="utf-8").splitlines())
    languages = tuple(IndigenousLanguage(row["code"], row["name"]) for row in rows)
    # the file ships with the code, so a wrong count is a packaging bug, not a user error
    if len(languages) != INALI_GROUPINGS or len({lang.code for lang in languages}) != INALI_GROUPINGS:
        raise CatalogError("El catálogo de lenguas indígenas debe tener 68 agrupaciones con claves únicas.")
    return languages


def language_name(code: str) -> str:
    """The grouping's name; KeyError for an unknown code."""
    for language in indigenous_languages():
        if language.code == code:
            return language.name
    raise KeyError(code)


def language_choices() -> list[tuple[str, str]]:
    """(code, name) pairs sorted alphabetically, for a select field."""
    ordered = sorted(indigenous_languages(), key=lambda lang: spanish_sort_key(lang.name))
    return [(lang.code, lang.name) for lang in ordered]
