"""The dashboard page, its CSV exports and the weekly report, on the hand-made data set."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hub.auth import HUB_MANAGER, HUB_WORKER
from hub.dashboard.export import table_csv
from hub.dashboard.pages import parse_child_population
from hub.dashboard.tables import TABLES, Column, Table
from intake.labels import neutralise
from tests.conftest import sign_in_as
from tests.hub.dashboard_data import add_request, at, make_referrer, seed

PERIOD = "from=2026-11-02&to=2026-11-29"


@pytest.fixture(autouse=True)
def manager(app: Flask, client: FlaskClient) -> str:
    """Every test here looks as a signed-in hub manager unless it signs out."""
    return sign_in_as(app, client, HUB_MANAGER)


@pytest.fixture
def seeded(app: Flask) -> Flask:
    with app.extensions["db"].transaction() as s:
        seed(s)
    return app


def rows_of(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_page_shows_every_chart_with_its_table(seeded: Flask, client: FlaskClient) -> None:
    page = client.get(f"/hub/dashboard?{PERIOD}").get_data(as_text=True)
    assert "Requests received 2 Nov 2026 to 29 Nov 2026" in page
    for name in TABLES:
        assert f'id="{name}"' in page
        if name != "summary":
            assert f"/hub/dashboard/{name}.csv?from=2026-11-02" in page.replace("&amp;", "&")
    assert page.count('role="img"') == len(TABLES) - 1
    assert page.count("<table>") == len(TABLES)
    assert "75.0%" in page  # decided within one working day
    assert "RFS-2026-000104" in page  # the repeat list
    assert "<script" not in page


def test_filter_and_bad_dates(seeded: Flask, client: FlaskClient) -> None:
    page = client.get(f"/hub/dashboard?{PERIOD}&agency=police").get_data(as_text=True)
    assert "referring agency Police" in page and "RFS-2026-000104" not in page
    bad = client.get("/hub/dashboard?from=2026-13-01&to=2026-11-29")
    assert bad.status_code == 400
    assert "The start date must be a date like" in bad.get_data(as_text=True)


def test_csv_of_every_table_has_its_columns(seeded: Flask, client: FlaskClient) -> None:
    for name in TABLES:
        response = client.get(f"/hub/dashboard/{name}.csv?{PERIOD}")
        rows = rows_of(response)
        assert f'filename="{name}_2026-11-02_2026-11-29.csv"' in response.headers["Content-Disposition"]
        assert rows, name
    assert rows_of(client.get(f"/hub/dashboard/per-week.csv?{PERIOD}")) == [
        ["Week beginning", "Requests"],
        ["2026-11-02", "2"],
        ["2026-11-09", "1"],
        ["2026-11-16", "1"],
        ["2026-11-23", "2"],
    ]
    assert rows_of(client.get(f"/hub/dashboard/by-level.csv?{PERIOD}")) == [
        ["Recommended level", "Requests", "Decided", "Hub chose another level", "Override rate"],
        ["1 Universal", "1", "0", "0", ""],
        ["2 Universal Plus", "1", "1", "0", "0.0"],
        ["3 Intensive", "2", "2", "2", "100.0"],
        ["4 Specialist", "2", "1", "0", "0.0"],
    ]
    assert rows_of(client.get(f"/hub/dashboard/repeats.csv?{PERIOD}")) == [
        [
            "Reference",
            "Received",
            "Referring agency",
            "Recommended level",
            "Recommended route",
            "Previous request",
            "Previous received",
        ],
        [
            "RFS-2026-000104",
            "2026-11-18 10:00",
            "GP practice",
            "3 Intensive",
            "Request for support to the hub: intensive early help",
            "RFS-2026-000010",
            "2026-01-10 10:00",
        ],
        [
            "RFS-2026-000103",
            "2026-11-09 10:00",
            "School or college",
            "3 Intensive",
            "Request for support to the hub: intensive early help",
            "RFS-2026-000101",
            "2026-11-02 10:00",
        ],
    ]
    summary = dict(rows_of(client.get(f"/hub/dashboard/summary.csv?{PERIOD}"))[1:])
    assert summary["Requests received"] == "6"
    assert summary["Decided within one working day (share of decided)"] == "75.0"
    assert summary["Repeat requests (share of received)"] == "33.3"
    assert summary["Requests per 10,000 children in the period"] == ""  # CHILD_POPULATION not set in tests
    assert client.get("/hub/dashboard/no-such-table.csv").status_code == 404


def test_csv_neutralises_formulas(app: Flask, client: FlaskClient) -> None:
    nasty = ['=HYPERLINK("http://example.org","x")', "+44 Testschool", "-Test Academy", "@Testsum", "\tTesttab"]
    with app.extensions["db"].transaction() as s:
        ref = make_referrer(s)
        for i, organisation in enumerate(nasty):
            add_request(
                s,
                ref,
                f"RFS-2026-00090{i}",
                received_at=at(3, 10 + i),
                referring_organisation=organisation,
                level=2,
                route="early_help_universal_plus",
            )
    rows = rows_of(client.get(f"/hub/dashboard/by-organisation.csv?{PERIOD}"))
    assert sorted(r[0] for r in rows[1:]) == sorted("'" + n for n in nasty)
    assert all(r[1] == "1" for r in rows[1:])
    # Numbers stay numbers; only text is touched.
    assert neutralise(-3) == -3 and neutralise("Testhill") == "Testhill" and neutralise("=1+1") == "'=1+1"
    table = Table("t", "T", (Column("=Header"), Column("n", "count")), [("-x", 5)])
    assert table_csv(table) == "'=Header,n\r\n'-x,5\r\n"


def test_weekly_report(seeded: Flask, client: FlaskClient) -> None:
    response = client.get("/hub/dashboard/weekly?week=2026-11-11")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Week 9 Nov 2026 to 15 Nov 2026" in page
    assert "@media print" in client.get("/static/dashboard/dashboard.css").get_data(as_text=True)
    assert "RFS-2026-000103" in page  # the week's repeat
    # The clock says Tuesday 24 November, so "last week" is 16 to 22 November.
    assert "Week 16 Nov 2026 to 22 Nov 2026" in client.get("/hub/dashboard/weekly").get_data(as_text=True)
    bad = client.get("/hub/dashboard/weekly?week=soon").get_data(as_text=True)
    assert "The week must be a date" in bad


def test_child_population_setting() -> None:
    assert parse_child_population("") == 0
    assert parse_child_population("30,000") == 30000
    with pytest.raises(ValueError, match="whole number"):
        parse_child_population("about 30k")


def test_rates_use_the_configured_population(database_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    from app import create_app

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "CHILD_POPULATION": "30000",
        }
    )
    with app.extensions["db"].transaction() as s:
        seed(s)
    client = app.test_client()
    sign_in_as(app, client, HUB_MANAGER, email="second.manager@example.org")
    summary = dict(rows_of(client.get(f"/hub/dashboard/summary.csv?{PERIOD}"))[1:])
    app.extensions["db"].dispose()
    assert summary["Requests per 10,000 children in the period"] == "2.0"


@pytest.mark.parametrize("path", ["/hub/dashboard", "/hub/dashboard/per-week.csv", "/hub/dashboard/weekly"])
def test_only_hub_managers_see_the_dashboard(app: Flask, path: str) -> None:
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 302 and "/hub/sign-in" in response.headers["Location"]
    worker = app.test_client()
    sign_in_as(app, worker, HUB_WORKER)
    assert worker.get(path).status_code == 403
    manager = app.test_client()
    sign_in_as(app, manager, HUB_MANAGER, email="another.manager@example.org")
    assert manager.get(path).status_code == 200
    # Figures about children's requests are never cached by a browser or proxy.
    assert manager.get(path).headers["Cache-Control"] == "no-store"


def test_managers_see_the_link_and_workers_do_not(app: Flask, client: FlaskClient) -> None:
    assert 'href="/hub/dashboard"' in client.get("/hub/dashboard").get_data(as_text=True)
    worker = app.test_client()
    sign_in_as(app, worker, HUB_WORKER)
    assert 'href="/hub/dashboard"' not in worker.get("/hub/queue").get_data(as_text=True)
