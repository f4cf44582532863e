"""The English catalogue (#21): complete for every wrapped string, compiled, and faithful to placeholders.

Message ids are the Spanish source text. `make translations` re-extracts, updates and compiles.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "dfi_casos/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)s")
#: Sources whose every message must have its English translation: every template and all of the package,
#: except the API, whose error messages are documented in Spanish (docs/api.md). What stays Spanish without
#: being wrapped (official documents, CLI output, stored values) is listed in test_python_text.py.
TRANSLATED_AREAS = ("templates/", "dfi_casos/")
SPANISH_ONLY_AREAS = ("dfi_casos/api/",)


def _translated_area(filename: str) -> bool:
    filename = filename.replace("\\", "/")
    return filename.startswith(TRANSLATED_AREAS) and not filename.startswith(SPANISH_ONLY_AREAS)


def _extracted() -> dict[str | tuple[str, str], set[str]]:
    with open(ROOT / "config/babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str | tuple[str, str], set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        key = message if isinstance(message, str) else tuple(message[:2])
        found.setdefault(key, set()).add(filename)
    return found


@pytest.fixture(scope="module")
def catalog():
    with open(PO, "rb") as f:
        return read_po(f, locale="en")


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


def _msgid(key: str | tuple[str, str]) -> str | tuple[str, str]:
    return key if isinstance(key, str) else key[0]


def test_every_wrapped_string_is_in_the_catalogue(catalog, extracted):
    missing = sorted(str(k) for k in extracted if _msgid(k) not in catalog)
    assert not missing, f"run `make translations`; not in messages.po: {missing[:10]}"


def test_every_message_of_the_translated_areas_has_its_english(catalog, extracted):
    untranslated = []
    for key, files in extracted.items():
        if any(_translated_area(f) for f in files):
            message = catalog.get(_msgid(key))
            strings = message.string if message is not None else ""
            if not (all(strings) if isinstance(strings, tuple) else strings):
                untranslated.append(str(key))
    assert not untranslated, f"msgstr missing in messages.po: {untranslated[:10]}"


def test_translations_keep_the_placeholders_of_their_message(catalog):
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        wrong += [message.id for s in strings if s and set(PLACEHOLDER.findall(s)) != expected]
    assert not wrong, wrong[:10]


def test_the_compiled_catalogue_is_up_to_date(catalog):
    with open(MO, "rb") as f:
        compiled = read_mo(f)
    def key(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    # a translation equal to its id ("CURP") changes nothing, and pybabel compile keeps untranslated
    # plurals with their Spanish forms: neither counts
    source = {key(m.id): key(m.string) for m in catalog
              if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string) and key(m.string) != key(m.id)}
    shipped = {key(m.id): key(m.string) for m in compiled if m.id and key(m.string) != key(m.id)}
    assert shipped == source, "run `make translations` (pybabel compile) and commit messages.mo"
