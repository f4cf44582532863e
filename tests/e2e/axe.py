"""axe-core in the page under test: the npm package from node_modules (`make test` installs it), never a CDN.

The source is evaluated through the DevTools protocol, which the app's Content-Security-Policy
(no inline script) does not govern; the app itself never serves it.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.0/2.1 A and AA rules, the level the issue asks for.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def _source() -> str:
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} no existe: ejecute `npm ci` (o `make test`, que lo hace)")
    return AXE_JS.read_text(encoding="utf-8")


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the current page: rule id, impact, help and the offending nodes."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def scrolls_sideways(page: Any) -> list[str]:
    """The elements that stick out of the viewport on the right (empty when nothing scrolls sideways)."""
    return list(page.evaluate("""() => {
        const limit = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= limit) return [];
        return Array.from(document.querySelectorAll('body *'))
          .filter(el => el.getBoundingClientRect().right > limit + 1)
          .filter(el => !el.closest('[hidden], .visually-hidden'))
          .slice(0, 10)
          .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                     + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
    }"""))
