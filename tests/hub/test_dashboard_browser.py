"""The dashboard in a real browser (Debian Chromium through Playwright) on a real local server: every chart draws,
every table is there, the period chooser works, a CSV downloads and the print layout hides the controls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hub.dashboard.pages import init_dashboard
from hub.dashboard.tables import TABLES
from tests.hub.dashboard_data import seed

pytestmark = pytest.mark.browser


@pytest.fixture
def dashboard_app(app: Flask) -> Flask:
    if "dashboard" not in app.blueprints:
        init_dashboard(app, 30000)
    with app.extensions["db"].transaction() as s:
        seed(s)
    return app


def test_dashboard_draws_charts_and_tables(dashboard_app: Flask, live_server: str, page: Any, tmp_path: Path) -> None:
    page.goto(f"{live_server}/hub/dashboard?from=2026-11-02&to=2026-11-29")
    assert page.locator("h1").inner_text().endswith("dashboard")
    charts = page.locator("svg[role=img]")
    assert charts.count() == len(TABLES) - 1
    for i in range(charts.count()):
        svg = charts.nth(i)
        box = svg.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100
        title_id, desc_id = svg.get_attribute("aria-labelledby").split()
        assert page.locator(f"[id='{title_id}']").count() == 1 and page.locator(f"[id='{desc_id}']").count() == 1
    # Bars and points are drawn inside the charts (the per-week line has a point per week).
    assert page.locator("#chart-per-week circle").count() == 4
    assert page.locator("#chart-agency rect").count() == 3
    assert page.locator("section.figure table").count() == len(TABLES)
    summary = page.locator("#summary table")
    assert "Requests received" in summary.inner_text() and "75.0%" in summary.inner_text()
    assert "RFS-2026-000104" in page.locator("#repeats table").inner_text()

    with page.expect_download() as download:
        page.locator("#per-week a[download]").click()
    path = tmp_path / "per-week.csv"
    download.value.save_as(path)
    assert path.read_text().splitlines()[:2] == ["Week beginning,Requests", "2026-11-02,2"]

    page.emulate_media(media="print")
    assert not page.locator("form.period-form").is_visible()
    assert page.locator("#chart-per-week").is_visible()
    page.emulate_media(media="screen")

    # The period chooser: one week, police only.
    page.fill("#from", "2026-11-02")
    page.fill("#to", "2026-11-08")
    page.select_option("#agency", "police")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url("**agency=police**")
    assert "2 Nov 2026 to 8 Nov 2026" in page.locator(".showing").inner_text()
    assert page.locator("#per-week tbody tr").count() == 1
    assert page.locator("#per-week tbody td").first.inner_text() == "1"


def test_weekly_report_prints(dashboard_app: Flask, live_server: str, page: Any) -> None:
    page.goto(f"{live_server}/hub/dashboard/weekly?week=2026-11-02")
    assert "Week 2 Nov 2026 to 8 Nov 2026" in page.locator(".showing").inner_text()
    assert page.locator(".headline li").count() == 7
    assert page.locator("svg[role=img]").count() >= 5
    page.emulate_media(media="print")
    assert not page.locator(".week-nav").is_visible()
    assert page.locator(".headline").is_visible()
