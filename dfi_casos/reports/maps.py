"""Choropleth of Mexico by state as inline SVG, drawn on the server from a published (suppressed) table.

Outlines: npm @svg-maps/mexico 2.0.0 (MapSVG), CC BY 4.0, simplified by data/simplify_map.py and keyed by
INEGI code (data/mexico_states.json, 36 kB). No municipal map: no outline set small enough and under a
compatible licence was at hand; the municipal breakdown is a table.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.i18n import number

#: Sequential blues (ColorBrewer "Blues", 5 classes), light to dark.
SHADES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
SUPPRESSED = "#bdbdbd"
OUTSIDE = "#ffffff"
ATTRIBUTION = _l("Contornos: @svg-maps/mexico (MapSVG), CC BY 4.0, simplificados.")


@dataclass(frozen=True)
class MapClass:
    label: str
    colour: str


@cache
def outlines() -> dict[str, object]:
    """The packaged outlines: {"viewBox": ..., "states": {INEGI code: path}, "source", "licence"}."""
    return dict(json.loads(resources.files("dfi_casos.reports").joinpath("data/mexico_states.json").read_text()))


def classes(values: Mapping[str, int | str]) -> list[tuple[int, int]]:
    """Five equal-width classes from 1 to the largest shown value (at least one state per non-empty map)."""
    peak = max((v for v in values.values() if isinstance(v, int)), default=0)
    if peak <= 0:
        return []
    step = max(1, -(-peak // len(SHADES)))
    return [(1 + k * step, min(peak, (k + 1) * step)) for k in range(len(SHADES)) if 1 + k * step <= peak]


def colour_of(value: int | str | None, bins: list[tuple[int, int]]) -> str:
    if value is None:
        return OUTSIDE
    if isinstance(value, str):
        return SUPPRESSED
    if value == 0:
        return SHADES[0]
    for k, (_low, high) in enumerate(bins):
        if value <= high:
            return SHADES[min(k, len(SHADES) - 1)]
    return SHADES[-1]


def legend(values: Mapping[str, int | str]) -> list[MapClass]:
    bins = classes(values)
    found = [MapClass(f"{number(low)}–{number(high)}" if low != high else number(low), SHADES[k])
             for k, (low, high) in enumerate(bins)]
    return [MapClass("0", SHADES[0]) if not bins else found[0], *found[1:],
            MapClass(_("<5 o reservado (*)"), SUPPRESSED), MapClass(_("Fuera de su territorio"), OUTSIDE)]


def state_map(map_id: str, title: str, values: Mapping[str, int | str]) -> Markup:
    """An SVG map: each state filled by its published value (a number, "<5" or "*"); states absent from
    `values` (outside the reader's territory) stay white. Each state's <title> names it and its value."""
    data = outlines()
    bins = classes(values)
    ident = escape(map_id)
    description = _("Mapa por entidad federativa; los mismos datos están en la tabla contigua.")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart map" role="img" width="100%" '
             f'viewBox="{escape(str(data["viewBox"]))}" aria-labelledby="{ident}-title {ident}-desc">',
             f'<title id="{ident}-title">{escape(title)}</title>',
             f'<desc id="{ident}-desc">{escape(description)} {ATTRIBUTION}</desc>']
    states: Mapping[str, str] = data["states"]  # type: ignore[assignment]
    for code, path in states.items():
        value = values.get(code)
        state = state_by_code(code)
        name = state.name if state else code
        shown = _("sin datos de su territorio") if value is None else str(value)
        parts.append(f'<path d="{escape(path)}" fill="{colour_of(value, bins)}" stroke="#52606d" '
                     f'stroke-width="0.6"><title>{escape(name)}: {escape(shown)}</title></path>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text went through escape()
