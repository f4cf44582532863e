"""The forms of an HTML page as a browser would submit them: action, method and each field's current value."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    #: (name, value, kind) in document order; kind is the input type, "select" or "textarea".
    fields: list[tuple[str, str, str]] = field(default_factory=list)

    def data(self) -> dict[str, str]:
        """The values a browser would send (first value per name)."""
        sent: dict[str, str] = {}
        for name, value, _kind in self.fields:
            sent.setdefault(name, value)
        return sent

    def names(self, *kinds: str) -> list[str]:
        return [name for name, _value, kind in self.fields if not kinds or kind in kinds]


class _Parser(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action") or self.page_path, (a.get("method") or "get").lower()))
        elif not self.forms or "name" not in a and tag in ("input", "select", "textarea"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1].fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else ""), kind))
        elif tag == "select":
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea":
            self._textarea = (a["name"], [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self.forms:
            name, options, selected = self._select
            chosen = selected[:1] or options[:1]
            self.forms[-1].fields.append((name, chosen[0] if chosen else "", "select"))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self.forms:
            self.forms[-1].fields.append((self._textarea[0], "".join(self._textarea[1]).lstrip("\n"), "textarea"))
            self._textarea = None


def forms_of(html: str, page_path: str) -> list[Form]:
    """Every form of a page; a form without action posts to the page itself."""
    parser = _Parser(page_path)
    parser.feed(html)
    return parser.forms
