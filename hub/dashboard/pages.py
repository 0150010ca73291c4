"""The managers' dashboard pages: the dashboard for a chosen period and filter, a CSV per table and a printable
weekly report. Hub managers only (hub.auth.require_role).

Reads only: every page opens a read-only unit of work and draws from hub.dashboard.tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request, url_for

from hub.auth import HUB_MANAGER, add_nav_link, require_role
from hub.dashboard import charts, queries
from hub.dashboard.export import table_csv
from hub.dashboard.kept_months import register_keep_months_job
from hub.dashboard.period import EARLIEST, LATEST, PRESETS, Choice, Filters, Period, choose, last_week
from hub.dashboard.tables import TABLES, FigureSet, cell_text
from intake.labels import Labels
from intake.working_day import LONDON

blueprint = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/dashboard",  # outside /hub: a stylesheet needs no sign-in
)


@dataclass(frozen=True)
class DashboardConfig:
    child_population: int
    labels: Labels


def parse_child_population(raw: str) -> int:
    """CHILD_POPULATION: a whole number of children aged 0-17; empty means not configured (rates not shown)."""
    raw = raw.strip().replace(",", "").replace("_", "")
    if not raw:
        return 0
    if not raw.isdigit():
        raise ValueError(f"CHILD_POPULATION must be a whole number of children, like 30000; got {raw!r}")
    return int(raw)


def init_dashboard(app: Flask, child_population: int) -> None:
    """Register the dashboard; the names it shows for stored codes are the app's (intake.labels)."""
    app.extensions["dashboard"] = DashboardConfig(child_population, app.extensions["labels"])
    app.register_blueprint(blueprint)
    add_nav_link(app, "dashboard.page", "Dashboard", HUB_MANAGER)
    app.extensions.setdefault("clock_jobs", []).append(register_keep_months_job)


def _config() -> DashboardConfig:
    return current_app.extensions["dashboard"]


def _today() -> date:
    return current_app.extensions["clock"]().astimezone(LONDON).date()


def _figure_set(session: Any, choice: Choice, full: bool) -> FigureSet:
    config = _config()
    return FigureSet(session, choice.period, choice.filters, config.labels, config.child_population, full=full)


def _query(choice: Choice) -> dict[str, str]:
    query = {"from": choice.period.start.isoformat(), "to": choice.period.end.isoformat()}
    return query | choice.filters.as_query()


@blueprint.get("/hub/dashboard")
@require_role(HUB_MANAGER)
def page() -> tuple[str, int]:
    choice = choose(request.args, _today())
    with current_app.extensions["db"].reading() as session:
        figure_set = _figure_set(session, choice, full=False)
        tables = {name: build(figure_set) for name, build in TABLES.items()}
    return render_template(
        "dashboard/page.html",
        choice=choice,
        tables=tables,
        query=_query(choice),
        presets=PRESETS,
        agencies=_config().labels.agencies,
        cell_text=cell_text,
        chart=charts.draw,
        weekly_url=url_for("dashboard.weekly", week=last_week(_today()).start.isoformat(), **choice.filters.as_query()),
    ), (400 if choice.errors else 200)  # bad dates: the default period, the message, and a 400


@blueprint.get("/hub/dashboard/<name>.csv")
@require_role(HUB_MANAGER)
def table_export(name: str) -> Response:
    build = TABLES.get(name)
    if build is None:
        abort(404)
    choice = choose(request.args, _today())
    if choice.errors:
        return Response(" ".join(choice.errors), status=400, mimetype="text/plain")
    with current_app.extensions["db"].reading() as session:
        body = table_csv(build(_figure_set(session, choice, full=True)))
    period = choice.period
    filename = f"{name}_{period.start.isoformat()}_{period.end.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _week(raw: str | None, today: date) -> tuple[Period, str | None]:
    if raw:
        try:
            day = date.fromisoformat(raw.strip())
            if not EARLIEST <= day <= LATEST:
                raise ValueError("out of range")
        except ValueError:
            return last_week(today), (
                f"The week must be a date like 2026-11-16, between {EARLIEST.year} and {LATEST.year}. Showing last "
                "week instead."
            )
        monday = day - timedelta(days=day.weekday())
        return Period(monday, monday + timedelta(days=6)), None
    return last_week(today), None


@blueprint.get("/hub/dashboard/weekly")
@require_role(HUB_MANAGER)
def weekly() -> tuple[str, int]:
    today = _today()
    period, error = _week(request.args.get("week"), today)
    chosen = choose(request.args, today)
    choice = Choice(period, chosen.filters, None, (error,) if error else ())
    with current_app.extensions["db"].reading() as session:
        headline = queries.weekly_figures(session, period.start, period.end, choice.filters)
        figure_set = _figure_set(session, choice, full=False)
        tables = {name: TABLES[name](figure_set) for name in WEEKLY_TABLES}
    return render_template(
        "dashboard/weekly.html",
        choice=choice,
        headline=headline,
        tables=tables,
        cell_text=cell_text,
        chart=charts.draw,
        query=_query(choice),
        previous_week=(period.start - timedelta(days=7)).isoformat(),
        next_week=(period.start + timedelta(days=7)).isoformat() if period.end < today else None,
        filters=choice.filters,
    ), (400 if error else 200)


# What the printed weekly report carries after its headline numbers.
WEEKLY_TABLES = ("by-agency", "by-level", "by-route", "by-outcome", "time-to-decision", "statutory", "repeats")

__all__ = ["Filters", "blueprint", "init_dashboard", "parse_child_population"]
