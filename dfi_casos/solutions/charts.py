"""Server-drawn SVG bar charts: no script, no style attributes (the CSP forbids both), a title for screen readers."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Colour-blind-safe palette (Okabe–Ito), one colour per series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
WIDTH = 720
LABEL_WIDTH = 260
BAR_HEIGHT = 16
GAP = 10
TOP = 8
LEGEND_ROW = 22


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]


def _nice_max(value: int) -> int:
    # Round the axis up so bars never touch the edge and the scale reads easily.
    if value <= 5:
        return 5
    magnitude: int = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value  # pragma: no cover


def bar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series],
              description: str = "") -> Markup:
    """A horizontal bar chart (grouped when several series) as inline SVG markup.

    The numbers are also in the table the template puts beside the chart; the SVG's
    <title> and <desc> name it for assistive technology (role="img", aria-labelledby).
    """
    groups = len(labels)
    per_group = len(series) * BAR_HEIGHT + GAP
    legend_height = LEGEND_ROW if len(series) > 1 else 0
    height = TOP + groups * per_group + legend_height + 24
    peak = _nice_max(max((v for s in series for v in s.values), default=0))
    plot = WIDTH - LABEL_WIDTH - 50
    ident = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="100%" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description or "Los mismos datos están en la tabla contigua.")}</desc>',
    ]
    for g, label in enumerate(labels):
        y0 = TOP + g * per_group
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y0 + len(series) * BAR_HEIGHT / 2 + 4:.0f}" '
                     f'text-anchor="end" font-size="12" fill="#1f2933">{escape(_short(label))}</text>')
        for k, s in enumerate(series):
            value = int(s.values[g])
            y = y0 + k * BAR_HEIGHT
            width = round(plot * value / peak) if peak else 0
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT - 2}" '
                         f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(label)} · {escape(s.name)}: '
                         f'{value}</title></rect>')
            parts.append(f'<text x="{LABEL_WIDTH + width + 4}" y="{y + BAR_HEIGHT - 4}" font-size="11" '
                         f'fill="#1f2933">{value}</text>')
    axis_y = TOP + groups * per_group
    parts.append(f'<line x1="{LABEL_WIDTH}" y1="{TOP - 4}" x2="{LABEL_WIDTH}" y2="{axis_y}" stroke="#52606d"/>')
    parts.append(f'<text x="{LABEL_WIDTH}" y="{axis_y + 14}" font-size="10" fill="#52606d">0</text>')
    parts.append(f'<text x="{LABEL_WIDTH + plot}" y="{axis_y + 14}" font-size="10" text-anchor="end" '
                 f'fill="#52606d">{peak}</text>')
    if len(series) > 1:
        x = LABEL_WIDTH
        legend_y = axis_y + 22
        for k, s in enumerate(series):
            parts.append(f'<rect x="{x}" y="{legend_y}" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>')
            parts.append(f'<text x="{x + 16}" y="{legend_y + 10}" font-size="11" fill="#1f2933">'
                         f'{escape(s.name)}</text>')
            x += 24 + 7 * len(s.name)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text went through escape()


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
