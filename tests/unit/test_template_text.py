"""Every word a template shows goes through the catalogue (#21): raw text is a string no English user reads.

Each template is lexed by Jinja (its expressions and tags stand in as a marker) and the HTML around them is
parsed: the text of elements and the attributes people read (title, aria-label, placeholder, alt) may hold
no word outside `_()`. Code samples (`<code>`, `<kbd>`, `<samp>`), scripts and styles are not prose.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
WORD = re.compile(r"[A-Za-zÁÉÍÓÚÑáéíóúñü]{2,}")
READ_ATTRIBUTES = frozenset({"title", "aria-label", "placeholder", "alt"})
NOT_PROSE = frozenset({"code", "kbd", "samp", "script", "style"})
#: Official documents addressed to Mexican authorities or to the person (they stay in Spanish, docs/i18n.md),
#: and the benchmark's reference page (no user reads it).
SPANISH_ONLY = frozenset({"documents/case_file.html", "documents/letter.html", "rights/access_report_pdf.html",
                          "bench/plain.html"})
#: Names, not words: the product, file formats, the time standard, the HTTP header a client copies.
NAMES = frozenset({"DFI", "Casos", "CSV", "XLSX", "UTC", "Authorization", "Bearer"})


class _Prose(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in NOT_PROSE:
            self._inside.append(tag)
        self.words += [w for name, value in attrs if name in READ_ATTRIBUTES and value for w in WORD.findall(value)]

    def handle_endtag(self, tag: str) -> None:
        if self._inside and self._inside[-1] == tag:
            self._inside.pop()

    def handle_data(self, data: str) -> None:
        if not self._inside:
            self.words += WORD.findall(data)


def raw_words(source: str) -> list[str]:
    """The words of a template's text and read attributes that are not inside an expression."""
    pieces = []
    for _lineno, token, value in Environment(autoescape=True, extensions=["jinja2.ext.i18n"]).lex(source):
        if token == "data":
            pieces.append(value)
        elif token in ("variable_begin", "block_begin", "comment_begin"):
            pieces.append(" \x00 ")
    parser = _Prose()
    parser.feed("".join(pieces))
    return [word for word in parser.words if word not in NAMES]


def test_the_scan_sees_raw_text_and_accepts_wrapped_text() -> None:
    assert raw_words('<p title="Ayuda">{{ _("Casos") }} abiertos</p>') == ["Ayuda", "abiertos"]
    assert raw_words('<p title="{{ _(\'Ayuda\') }}">{{ _("Casos abiertos") }} <code>dfi-casos db</code></p>') == []


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")
                                            if str(p.relative_to(TEMPLATES)) not in SPANISH_ONLY))
def test_a_template_shows_no_text_outside_the_catalogue(template: str) -> None:
    words = raw_words((TEMPLATES / template).read_text(encoding="utf-8"))
    assert not words, f"{template}: wrap in _() and run `make translations`: {' '.join(words[:12])}"
