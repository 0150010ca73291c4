"""The SVG charts: well-formed, labelled for screen readers, escaped, and drawn to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hub.dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - markup we just generated


@pytest.mark.parametrize("draw", [charts.bar_chart, charts.column_chart, charts.line_chart, charts.histogram])
def test_every_chart_is_accessible_svg_without_scripts(draw) -> None:  # type: ignore[no-untyped-def]
    svg = parse(draw("c1", "Requests by thing", ["A", "B", "C"], [3, 0, 7], x_label="Thing", y_label="Requests"))
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").get("id") == "c1-title"
    assert svg.find(f"{SVG}title").text == "Requests by thing"
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == "c1-desc" and "Highest: C, 7" in desc.text
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Requests by thing" in texts and "Thing" in texts and "Requests" in texts
    markup = str(draw("c1", "t", ["A"], [1], x_label="x", y_label="y"))
    assert "<script" not in markup and "http://" not in markup.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_bars_are_drawn_to_scale() -> None:
    svg = parse(charts.bar_chart("c", "t", ["A", "B"], [10, 5], x_label="x", y_label="y"))
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(2 * widths[1])
    svg = parse(charts.column_chart("c", "t", ["A", "B", "C"], [4, 2, 0], x_label="x", y_label="y"))
    heights = [float(r.get("height")) for r in svg.iter(f"{SVG}rect")]
    assert heights[0] == pytest.approx(2 * heights[1]) and heights[2] == 0
    # Each bar names its value for pointer users too.
    assert [r.find(f"{SVG}title").text for r in svg.iter(f"{SVG}rect")] == ["A: 4", "B: 2", "C: 0"]


def test_text_is_escaped() -> None:
    nasty = '<script>alert("x")</script> & Co'
    markup = str(charts.bar_chart("c", nasty, [nasty], [1], x_label=nasty, y_label="y", desc=nasty))
    assert "<script>" not in markup
    svg = parse(markup)
    assert svg.find(f"{SVG}title").text == nasty


def test_empty_data_says_so() -> None:
    svg = parse(charts.line_chart("c", "t", [], [], x_label="x", y_label="y"))
    assert "No data in this period" in [t.text for t in svg.iter(f"{SVG}text")]
    assert "No data" in svg.find(f"{SVG}desc").text


def test_nice_ticks() -> None:
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(1) == [0, 1]
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(1234) == [0, 500, 1000, 1500]
    assert charts.nice_ticks(0.37, integer=False) == [0, 0.1, 0.2, 0.3, 0.4]


def test_long_series_labels_do_not_crowd() -> None:
    labels = [f"L{i}" for i in range(60)]
    svg = parse(charts.line_chart("c", "t", labels, list(range(60)), x_label="Week", y_label="Requests"))
    shown = [t.text for t in svg.iter(f"{SVG}text") if t.text and t.text.startswith("L")]
    assert 0 < len(shown) <= 12 and len(list(svg.iter(f"{SVG}circle"))) == 60
