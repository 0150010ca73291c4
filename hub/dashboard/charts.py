"""The dashboard's charts, drawn on the server as SVG: bar, column, line and histogram, each with a visible title, axis
labels, <title>/<desc> and role="img", so they need no script or web font and read out sensibly; and which chart
each table gets (`draw`), drawn from the numbers of the table the page puts beside it.

Plain string building over escaped text: the shapes are simple and a chart library would bring a browser runtime.
Colours meet WCAG contrast on white: GOV.UK blue bars (5.2:1) and near-black text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

from hub.dashboard.tables import Table

BAR = "#1d70b8"
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Arial, sans-serif"'
WIDTH = 640

Format = Callable[[float], str]


def count_format(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def percent_format(value: float) -> str:
    return f"{value:.0%}"


def nice_ticks(maximum: float, count: int = 5, integer: bool = True) -> list[float]:
    """Round tick values from 0 to at least `maximum`: steps of 1, 2 or 5 times a power of ten."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(step, 1)
    top = math.ceil(maximum / step - 1e-9) * step
    return [round(i * step, 10) for i in range(round(top / step) + 1)]


def _x(value: str) -> str:
    return escape(value, quote=True)


def _clip(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    cid = _x(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'{FONT} font-size="13" fill="{TEXT}">',
        f'<title id="{cid}-title">{_x(title)}</title>',
        f'<desc id="{cid}-desc">{_x(desc)}</desc>',
        f'<text x="{width / 2:.0f}" y="20" text-anchor="middle" font-size="15" font-weight="bold">{_x(title)}</text>',
    ]


def _describe(kind: str, labels: Sequence[str], values: Sequence[float], fmt: Format, desc: str | None) -> str:
    if desc:
        return desc
    if not values or max(values) <= 0:
        return f"{kind}. No data in this period."
    top = max(range(len(values)), key=lambda i: values[i])
    return (
        f"{kind} with {len(values)} values. Highest: {labels[top]}, {fmt(values[top])}. "
        "The same figures are in the table next to the chart."
    )


def _empty(parts: list[str], width: int, height: int) -> Markup:
    parts.append(f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle">No data in this period</text>')
    parts.append("</svg>")
    return Markup("\n".join(parts))  # noqa: S704 - every piece of text above went through escape()


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    desc: str | None = None,
    fmt: Format = count_format,
    integer: bool = True,
) -> Markup:
    """Horizontal bars, one per category (agencies, routes, outcomes): long names stay readable."""
    label_width, row, top, bottom, right = 220, 26, 50, 46, 60
    height = top + max(len(values), 1) * row + bottom
    parts = _open(chart_id, title, _describe("Bar chart", labels, values, fmt, desc), WIDTH, height)
    if not values:
        return _empty(parts, WIDTH, height)
    plot = WIDTH - label_width - right
    ticks = nice_ticks(max(values), integer=integer)
    scale = plot / ticks[-1]
    base = top + len(values) * row
    for t in ticks:
        x = label_width + t * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{base}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle">{_x(fmt(t))}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        w = max(value * scale, 0)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end">{_x(_clip(label, 30))}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{BAR}">'
            f"<title>{_x(label)}: {_x(fmt(value))}</title></rect>"
        )
        parts.append(f'<text x="{label_width + w + 6:.1f}" y="{y + row / 2 + 4:.1f}">{_x(fmt(value))}</text>')
    parts.append(f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{base}" stroke="{TEXT}"/>')
    parts.append(f'<text x="{label_width + plot / 2:.0f}" y="{height - 10}" text-anchor="middle">{_x(x_label)}</text>')
    # The category axis is named above its labels: rotated beside them it would collide with long names.
    parts.append(f'<text x="{label_width - 8}" y="{top - 8}" text-anchor="end" font-weight="bold">{_x(y_label)}</text>')
    parts.append("</svg>")
    return Markup("\n".join(parts))  # noqa: S704 - every piece of text above went through escape()


def _vertical(
    kind: str,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    desc: str | None = None,
    fmt: Format = count_format,
    integer: bool = True,
) -> Markup:
    """Vertical bars (column chart, histogram) or points joined by a line, over an ordered axis."""
    left, right, top, bottom, height = 64, 20, 40, 100, 340
    parts = _open(chart_id, title, _describe(kind, labels, values, fmt, desc), WIDTH, height)
    if not values:
        return _empty(parts, WIDTH, height)
    plot_w, base = WIDTH - left - right, height - bottom
    plot_h = base - top
    ticks = nice_ticks(max(values), integer=integer)
    scale = plot_h / ticks[-1]
    for t in ticks:
        y = base - t * scale
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_x(fmt(t))}</text>')
    n = len(values)
    slot = plot_w / n
    # Label every value when they fit, else every k-th so they never overlap.
    every = max(1, math.ceil(n / 12))
    if kind == "Line chart":
        points = [(left + slot * (i + 0.5), base - v * scale) for i, v in enumerate(values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="2.5"/>')
        for (x, y), label, value in zip(points, labels, values, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BAR}"><title>{_x(label)}: {_x(fmt(value))}</title>'
                "</circle>"
            )
    else:
        gap = 1 if kind == "Histogram" else max(2.0, slot * 0.2)
        for i, (label, value) in enumerate(zip(labels, values, strict=True)):
            h = max(value * scale, 0)
            parts.append(
                f'<rect x="{left + i * slot + gap / 2:.1f}" y="{base - h:.1f}" width="{slot - gap:.1f}" '
                f'height="{h:.1f}" fill="{BAR}"><title>{_x(label)}: {_x(fmt(value))}</title></rect>'
            )
            if n <= 12:
                parts.append(
                    f'<text x="{left + (i + 0.5) * slot:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">'
                    f"{_x(fmt(value))}</text>"
                )
    # Level labels fit flat under their bars; dates and buckets are slanted so neighbours never overlap.
    flat = max(len(label) for label in labels) * 7.5 <= slot * every - 6
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = left + (i + 0.5) * slot
        if flat:
            parts.append(f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle">{_x(label)}</text>')
        else:
            parts.append(
                f'<text x="{x:.1f}" y="{base + 14}" text-anchor="end" transform="rotate(-35 {x:.1f} {base + 14})">'
                f"{_x(_clip(label, 16))}</text>"
            )
    parts.append(f'<line x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}" stroke="{TEXT}"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="{TEXT}"/>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle">{_x(x_label)}</text>')
    parts.append(
        f'<text x="14" y="{top + plot_h / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.0f})">{_x(y_label)}</text>'
    )
    parts.append("</svg>")
    return Markup("\n".join(parts))  # noqa: S704 - every piece of text above went through escape()


def column_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float], **options: Any) -> Markup:
    """Vertical bars over an ordered axis (months, levels). Options as bar_chart's."""
    return _vertical("Column chart", chart_id, title, labels, values, **options)


def line_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float], **options: Any) -> Markup:
    """A series over time (requests per week). Options as bar_chart's."""
    return _vertical("Line chart", chart_id, title, labels, values, **options)


def histogram(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float], **options: Any) -> Markup:
    """Counts per bucket of a continuous measure (hours to decision), bars touching. Options as bar_chart's."""
    return _vertical("Histogram", chart_id, title, labels, values, **options)


# Each dashboard table's chart ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    draw: Callable[..., Markup]
    chart_id: str
    x_label: str
    y_label: str
    title: str | None = None  # the table's own title unless it reads too long above a chart
    fmt: Format = count_format
    integer: bool = True


_LEVEL_AXIS = "Level recommended by the rules"
STYLES: dict[str, Style] = {
    "per-week": Style(line_chart, "chart-per-week", "Week beginning (Monday)", "Requests"),
    "per-month": Style(column_chart, "chart-per-month", "Month", "Requests"),
    "by-agency": Style(bar_chart, "chart-agency", "Requests", "Agency"),
    "by-organisation": Style(bar_chart, "chart-organisation", "Requests", "Organisation"),
    "by-level": Style(column_chart, "chart-level", _LEVEL_AXIS, "Requests", "Requests by recommended level of need"),
    "override-rate": Style(
        column_chart, "chart-override", _LEVEL_AXIS, "Share of decided requests", fmt=percent_format, integer=False
    ),
    "by-route": Style(bar_chart, "chart-route", "Requests", "Route"),
    "by-outcome": Style(bar_chart, "chart-outcome", "Requests", "Outcome"),
    "by-verification": Style(bar_chart, "chart-verified", "Requests", "How verified"),
    "time-to-decision": Style(histogram, "chart-decision", "Clock hours from receipt to decision", "Requests"),
    "time-to-feedback": Style(histogram, "chart-feedback", "Clock hours from receipt to feedback", "Requests"),
    "statutory": Style(bar_chart, "chart-statutory", "Requests", "Outcome"),
    "repeats": Style(bar_chart, "chart-repeats", "Requests", "Request"),
}


def draw(table: Table) -> Markup | None:
    """The chart beside a dashboard table, drawn from the table's own series; None for a table without one."""
    style = STYLES.get(table.name)
    if style is None or table.series is None:
        return None
    labels, values = table.series
    return style.draw(
        style.chart_id,
        style.title or table.title,
        labels,
        values,
        x_label=style.x_label,
        y_label=style.y_label,
        fmt=style.fmt,
        integer=style.integer,
    )
