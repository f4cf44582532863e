"""Server-drawn SVG bar charts: no script, no style attributes (the CSP forbids both), a title for screen readers.

Every chart is drawn on the same canvas width and shown at its natural size (never stretched to
its column), so the dashboard's charts share one scale of text and bars. Labels wrap instead of
being cut; the legend puts one series per line, so no name runs off the canvas.
"""
from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

#: Colour-blind-safe palette (Okabe–Ito), one colour per series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
WIDTH = 720
LABEL_WIDTH = 260
#: Characters of a label per line at font-size 12 within LABEL_WIDTH.
LABEL_CHARS = 36
LINE_HEIGHT = 14
BAR_HEIGHT = 16
GAP = 10
TOP = 8
LEGEND_ROW = 18
INK = "#1f2933"
AXIS = "#52606d"


@dataclass(frozen=True)
class Series:
    """One colour of bars. A value given as text ("<5", "*": a suppressed cell) draws no bar, only the text."""

    name: str
    values: Sequence[int | str]


def _nice_max(value: int) -> int:
    # Round the axis up so bars never touch the edge and the scale reads easily.
    if value <= 5:
        return 5
    magnitude: int = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value  # pragma: no cover


def wrap_label(label: str, width: int = LABEL_CHARS) -> list[str]:
    """A label in lines that fit beside the bars; every word is kept."""
    return textwrap.wrap(label, width, break_long_words=True) or [""]


def _open(chart_id: str, title: str, description: str, height: int) -> list[str]:
    ident = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description or _("Los mismos datos están en la tabla contigua."))}</desc>',
    ]


def _label(lines: list[str], y_middle: float) -> str:
    first = y_middle + 4 - (len(lines) - 1) * LINE_HEIGHT / 2
    spans = "".join(f'<tspan x="{LABEL_WIDTH - 8}" y="{first + i * LINE_HEIGHT:.0f}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text text-anchor="end" font-size="12" fill="{INK}">{spans}</text>'


def _axis(parts: list[str], axis_y: int, peak: int, plot: int) -> None:
    parts.append(f'<line x1="{LABEL_WIDTH}" y1="{TOP - 4}" x2="{LABEL_WIDTH}" y2="{axis_y}" stroke="{AXIS}"/>')
    parts.append(f'<text x="{LABEL_WIDTH}" y="{axis_y + 14}" font-size="10" fill="{AXIS}">0</text>')
    parts.append(f'<text x="{LABEL_WIDTH + plot}" y="{axis_y + 14}" font-size="10" text-anchor="end" '
                 f'fill="{AXIS}">{peak}</text>')


def _legend(parts: list[str], series: Sequence[Series], top: int) -> None:
    # One line per series: names of any length stay on the canvas.
    for k, s in enumerate(series):
        y = top + k * LEGEND_ROW
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + 18}" y="{y + 10}" font-size="11" fill="{INK}">{escape(s.name)}</text>')


def _legend_height(series: Sequence[Series], always: bool = False) -> int:
    return len(series) * LEGEND_ROW + 8 if (len(series) > 1 or always) else 0


def bar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series],
              description: str = "") -> Markup:
    """A horizontal bar chart (grouped when several series) as inline SVG markup.

    The numbers are also in the table the template puts beside the chart; the SVG's
    <title> and <desc> name it for assistive technology (role="img", aria-labelledby).
    """
    wrapped = [wrap_label(label) for label in labels]
    heights = [max(len(series) * BAR_HEIGHT, len(lines) * LINE_HEIGHT) + GAP for lines in wrapped]
    axis_y = TOP + sum(heights)
    height = axis_y + 24 + _legend_height(series)
    peak = _nice_max(max((v for s in series for v in s.values if isinstance(v, int)), default=0))
    plot = WIDTH - LABEL_WIDTH - 50
    parts = _open(chart_id, title, description, height)
    y0 = TOP
    for g, label in enumerate(labels):
        block = heights[g] - GAP
        bars_top = y0 + (block - len(series) * BAR_HEIGHT) / 2
        parts.append(_label(wrapped[g], y0 + block / 2))
        for k, s in enumerate(series):
            value = s.values[g]
            y = bars_top + k * BAR_HEIGHT
            width = round(plot * value / peak) if peak and isinstance(value, int) else 0
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y:.0f}" width="{width}" height="{BAR_HEIGHT - 2}" '
                         f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(label)} · {escape(s.name)}: '
                         f'{escape(str(value))}</title></rect>')
            parts.append(f'<text x="{LABEL_WIDTH + width + 4}" y="{y + BAR_HEIGHT - 4:.0f}" font-size="11" '
                         f'fill="{INK}">{escape(str(value))}</text>')
        y0 += heights[g]
    _axis(parts, axis_y, peak, plot)
    if len(series) > 1:
        _legend(parts, series, axis_y + 24)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text went through escape()


def stacked_bar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series],
                      description: str = "") -> Markup:
    """One bar per label made of one segment per series (e.g. the five statuses of a criterion), with a legend."""
    wrapped = [wrap_label(label) for label in labels]
    heights = [max(BAR_HEIGHT + 4, len(lines) * LINE_HEIGHT) + GAP for lines in wrapped]
    axis_y = TOP + sum(heights)
    height = axis_y + 24 + _legend_height(series, always=True)
    totals = [sum(int(s.values[g]) for s in series) for g in range(len(labels))]
    peak = _nice_max(max(totals, default=0))
    plot = WIDTH - LABEL_WIDTH - 50
    parts = _open(chart_id, title, description, height)
    y0 = TOP
    for g, label in enumerate(labels):
        block = heights[g] - GAP
        y = y0 + (block - BAR_HEIGHT) / 2
        parts.append(_label(wrapped[g], y0 + block / 2))
        x = float(LABEL_WIDTH)
        for k, s in enumerate(series):
            value = int(s.values[g])
            width = plot * value / peak if peak else 0
            if value:
                parts.append(f'<rect x="{x:.1f}" y="{y:.0f}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                             f'fill="{PALETTE[k % len(PALETTE)]}" stroke="#ffffff" stroke-width="1">'
                             f'<title>{escape(label)} · {escape(s.name)}: {value}</title></rect>')
            x += width
        parts.append(f'<text x="{x + 4:.0f}" y="{y + BAR_HEIGHT - 3:.0f}" font-size="11" fill="{INK}">'
                     f'{totals[g]}</text>')
        y0 += heights[g]
    _axis(parts, axis_y, peak, plot)
    _legend(parts, series, axis_y + 24)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text went through escape()
