"""The dashboard's SVG charts: nothing clipped or cut, one scale for all, statuses stacked with a legend."""
from __future__ import annotations

import re

from dfi_casos.catalogs.enums import CriterionStatus, IascCriterion
from dfi_casos.reports.charts import WIDTH, Series, bar_chart, stacked_bar_chart

#: A generous width per character at font-size 11-12 (Noto Sans / Arial average is ~6.2 px).
CHAR_PX = 7


def _texts(svg: str) -> list[tuple[float, str]]:
    return [(float(x), text) for x, text in re.findall(r'<text x="([\d.]+)"[^>]*>([^<]+)</text>', svg)]


def test_every_legend_name_of_the_monthly_chart_fits_on_the_canvas():
    names = ["Evaluaciones nuevas", "Cierres por solución duradera alcanzada", "Cierres (todos los motivos)"]
    svg = str(bar_chart("g", "t", ["2026-11"], [Series(n, [1]) for n in names]))
    for name in names:
        x = next(x for x, text in _texts(svg) if text == name)
        assert x + CHAR_PX * len(name) <= WIDTH, name


def test_long_criterion_names_are_wrapped_whole_never_cut():
    labels = [c.label for c in IascCriterion]
    svg = str(bar_chart("g", "t", labels, [Series("s", [1] * len(labels))]))
    assert "…" not in svg
    shown = " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg))
    for label in labels:
        for word in label.split():
            assert word in shown


def test_every_chart_is_drawn_at_its_natural_width_so_all_share_one_scale():
    one = str(bar_chart("a", "t", ["x"], [Series("s", [1])]))
    two = str(bar_chart("b", "t", ["x", "y"], [Series("s", [1, 2]), Series("r", [3, 4])]))
    for svg in (one, two):
        assert f'width="{WIDTH}"' in svg.split(">", 1)[0]
        assert 'width="100%"' not in svg


def test_criteria_chart_stacks_the_five_statuses_with_a_legend():
    statuses = [s.label for s in CriterionStatus]
    series = [Series(name, [1, 2]) for name in statuses]
    svg = str(stacked_bar_chart("c", "Hogares por criterio y estado", ["Seguridad", "Vivienda"], series))
    legend = [text for _x, text in _texts(svg)]
    assert all(name in legend for name in statuses)
    assert svg.count("<rect") == 2 * len(statuses) + len(statuses)  # ten segments and five legend keys
    assert ">5</text>" in svg and ">10</text>" in svg  # each bar's total beside it


def test_stacked_segments_of_one_bar_are_proportional_and_contiguous():
    svg = str(stacked_bar_chart("c", "t", ["a"], [Series("x", [2]), Series("y", [3])]))
    rects = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="16"', svg)
    (x1, w1), (x2, w2) = [(float(x), float(w)) for x, w in rects]
    assert abs(x1 + w1 - x2) < 0.01 and abs(w2 / w1 - 1.5) < 0.01
