"""The choropleth: 32 states keyed by INEGI code, suppressed cells shaded apart, escaped, attributed."""
from __future__ import annotations

import re

from dfi_casos.reports import maps
from dfi_casos.reports.charts import Series, bar_chart


def test_the_packaged_outlines_hold_every_state_by_inegi_code_with_source_and_licence():
    data = maps.outlines()
    assert sorted(data["states"]) == [f"{k:02d}" for k in range(1, 33)]
    assert "CC BY 4.0" in data["licence"] and "@svg-maps/mexico" in data["source"]


def test_suppressed_states_are_shaded_apart_and_states_outside_the_territory_stay_white():
    svg = str(maps.state_map("m", "Personas", {"12": 40, "07": "<5", "16": "*", "20": 0}))
    fills = dict(re.findall(r'<path d="[^"]+" fill="(#[0-9a-f]+)"[^>]*><title>([^:]+):', svg)[k][::-1]
                 for k in range(32))
    assert fills["Guerrero"] == maps.SHADES[-1]
    assert fills["Chiapas"] == maps.SUPPRESSED and fills["Michoacán de Ocampo"] == maps.SUPPRESSED
    assert fills["Oaxaca"] == maps.SHADES[0]
    assert fills["Sonora"] == maps.OUTSIDE
    assert svg.count("<path") == 32 and "CC BY 4.0" in svg


def test_map_titles_are_escaped():
    assert "<b>" not in str(maps.state_map("m", "<b>x</b>", {}))


def test_legend_names_the_classes_the_suppressed_shade_and_the_outside():
    labels = [c.label for c in maps.legend({"12": 50, "07": "<5"})]
    assert labels[0] == "1–10" and labels[-2].startswith("<5") and labels[-1] == "Fuera de su territorio"


def test_suppressed_values_draw_no_bar_but_their_mark():
    svg = str(bar_chart("c", "t", ["a", "b"], [Series("n", [10, "<5"])]))
    assert '>&lt;5</text>' in svg and 'width="0"' in svg
