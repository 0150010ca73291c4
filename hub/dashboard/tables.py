"""The dashboard's named tables: one source for the page, the CSV export and the printable report, so what a manager
downloads is exactly what they looked at, and what each table's chart draws (hub.dashboard.charts).

A `FigureSet` asks the database lazily and once per request: the page costs three queries (the seven breakdowns,
the single-row overview and the repeat list), a CSV export only what its table needs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from hub.dashboard import figures, kept_months, queries
from hub.dashboard.period import Filters, Period
from intake import verification
from intake.labels import Labels
from intake.working_day import LONDON

# How many rows the page shows of the long tables; their CSV export has every row.
PAGE_ORGANISATIONS = 15
PAGE_REPEATS = 50

TEXT, COUNT, PERCENT, HOURS, DATE, DATETIME, RATE = "text", "count", "percent", "hours", "date", "datetime", "rate"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT


@dataclass(frozen=True)
class Cell:
    """A value whose kind differs from its column's (the headline table mixes counts, shares and hours)."""

    value: Any
    kind: str


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    note: str = ""
    # What the table's chart draws (hub.dashboard.charts): a label and a value for each bar or point; None for none.
    series: tuple[list[str], list[float]] | None = None


class FigureSet:
    """The figures for one period and filter, each asked of the database at most once."""

    def __init__(
        self,
        session: Session,
        period: Period,
        filters: Filters,
        labels: Labels,
        child_population: int,
        full: bool = False,
    ) -> None:
        self.session, self.period, self.filters, self.labels = session, period, filters, labels
        self.child_population = child_population
        self.full = full  # True for an export: every row of the long tables, and no note or chart that costs a query

    @cached_property
    def breakdowns(self) -> figures.Breakdowns:
        limit = None if self.full else PAGE_ORGANISATIONS
        return kept_months.breakdowns(self.session, self.period, self.filters, organisation_limit=limit)

    @property
    def per_week(self) -> list[figures.Count]:
        return self.breakdowns.per_week

    @property
    def per_month(self) -> list[figures.Count]:
        return self.breakdowns.per_month

    @property
    def agencies(self) -> list[figures.Count]:
        return self.breakdowns.agencies

    @property
    def organisations(self) -> list[figures.Count]:
        return self.breakdowns.organisations

    @property
    def levels(self) -> list[figures.LevelRow]:
        return self.breakdowns.levels

    @property
    def routes(self) -> list[figures.Count]:
        return self.breakdowns.routes

    @property
    def outcomes(self) -> list[figures.Count]:
        return self.breakdowns.outcomes

    @property
    def verified(self) -> list[figures.Count]:
        return self.breakdowns.verified

    @cached_property
    def overview(self) -> figures.Overview:
        return kept_months.overview(self.session, self.period, self.filters)

    @property
    def timeliness(self) -> figures.Timeliness:
        return self.overview.timeliness

    @property
    def feedback(self) -> figures.Distribution:
        return self.overview.feedback

    @property
    def repeats(self) -> figures.Repeats:
        return self.overview.repeats

    @cached_property
    def repeat_list(self) -> list[figures.RepeatRow]:
        limit = None if self.full else PAGE_REPEATS
        return queries.repeat_list(self.session, self.period, self.filters, limit=limit)

    @property
    def statutory(self) -> figures.Statutory:
        return self.overview.statutory

    @property
    def received(self) -> int:
        return sum(c.requests for c in self.per_week)

    @property
    def rate(self) -> figures.Rate:
        # Reuses the weekly counts rather than counting again.
        return figures.Rate(self.received, self.child_population, self.period.days)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def summary(f: FigureSet) -> Table:
    t, fb, rep, stat, rate = f.timeliness, f.feedback, f.repeats, f.statutory, f.rate
    decided = sum(r.decided for r in f.levels)
    overridden = sum(r.overridden for r in f.levels)
    rows: list[tuple[Any, ...]] = [
        ("Requests received", Cell(f.received, COUNT)),
        ("Requests per 10,000 children in the period", Cell(rate.per_10k, RATE)),
        ("Requests per 10,000 children, at this rate for a year", Cell(rate.per_10k_a_year, RATE)),
        ("Decided so far", Cell(t.decided, COUNT)),
        ("Decided within one working day (share of decided)", Cell(t.on_time_share, PERCENT)),
        ("Median hours from receipt to decision", Cell(t.distribution.median_hours, HOURS)),
        ("Referrer told the outcome", Cell(fb.counted, COUNT)),
        ("Median hours from receipt to feedback", Cell(fb.median_hours, HOURS)),
        ("Repeat requests within 12 months", Cell(rep.repeats, COUNT)),
        ("Repeat requests (share of received)", Cell(rep.share, PERCENT)),
        ("Hub level differs from the recommendation (share of decided)", Cell(_share(overridden, decided), PERCENT)),
        ("Led to a statutory assessment (s17 or s47)", Cell(stat.total, COUNT)),
        ("Led to a statutory assessment (share of decided)", Cell(stat.share_of_decided, PERCENT)),
    ]
    note = (
        f"Child population {f.child_population:,} (CHILD_POPULATION)."
        if f.child_population > 0
        else "Set CHILD_POPULATION to see rates per 10,000 children."
    )
    return Table(
        "summary",
        "Headline figures",
        (Column("Measure"), Column("Value")),
        rows,
        note=note,
    )


def per_week(f: FigureSet) -> Table:
    series = ([f"{c.key:%-d %b %Y}" for c in f.per_week], [c.requests for c in f.per_week])
    rows = [(c.key, c.requests) for c in f.per_week]
    note = (
        "The first and last weeks may be part weeks." if f.period.start.weekday() or f.period.end.weekday() != 6 else ""
    )
    columns = (Column("Week beginning", DATE), Column("Requests", COUNT))
    return Table("per-week", "Requests per week", columns, rows, note, series)


def per_month(f: FigureSet) -> Table:
    series = ([f"{c.key:%b %Y}" for c in f.per_month], [c.requests for c in f.per_month])
    rows = [(c.key.strftime("%Y-%m"), c.requests) for c in f.per_month]
    return Table("per-month", "Requests per month", (Column("Month"), Column("Requests", COUNT)), rows, "", series)


def by_agency(f: FigureSet) -> Table:
    names = [f.labels.agency(c.key) for c in f.agencies]
    rows = [(n, c.requests, _share(c.requests, f.received)) for n, c in zip(names, f.agencies, strict=True)]
    columns = (Column("Referring agency"), Column("Requests", COUNT), Column("Share", PERCENT))
    series = (names, [c.requests for c in f.agencies])
    return Table("by-agency", "Requests by referring agency", columns, rows, "", series)


def by_organisation(f: FigureSet) -> Table:
    names = [c.key or "Not given" for c in f.organisations]
    rows = [(n, c.requests) for n, c in zip(names, f.organisations, strict=True)]
    note = "" if f.full else f"The {PAGE_ORGANISATIONS} organisations with most requests; the CSV has them all."
    columns = (Column("Referring organisation"), Column("Requests", COUNT))
    series = (names, [c.requests for c in f.organisations])
    return Table("by-organisation", "Requests by referring organisation", columns, rows, note, series)


def by_level(f: FigureSet) -> Table:
    names = [f.labels.level(r.level) for r in f.levels]
    rows = [(n, r.requests, r.decided, r.overridden, r.override_rate) for n, r in zip(names, f.levels, strict=True)]
    columns = (
        Column("Recommended level"),
        Column("Requests", COUNT),
        Column("Decided", COUNT),
        Column("Hub chose another level", COUNT),
        Column("Override rate", PERCENT),
    )
    title = "Requests by recommended level, and how often the hub chose another"
    return Table("by-level", title, columns, rows, "", (names, [r.requests for r in f.levels]))


def override_rate(f: FigureSet) -> Table:
    names = [f.labels.level(r.level) for r in f.levels]
    rows = [(n, r.decided, r.overridden, r.override_rate) for n, r in zip(names, f.levels, strict=True)]
    columns = (
        Column("Recommended level"),
        Column("Decided", COUNT),
        Column("Hub chose another level", COUNT),
        Column("Override rate", PERCENT),
    )
    series = (names, [r.override_rate or 0.0 for r in f.levels])
    return Table("override-rate", "Override rate by recommended level", columns, rows, "", series)


def by_route(f: FigureSet) -> Table:
    names = [f.labels.route(c.key) for c in f.routes]
    rows = [(n, c.key, c.requests) for n, c in zip(names, f.routes, strict=True)]
    columns = (Column("Recommended route"), Column("Route code"), Column("Requests", COUNT))
    series = (names, [c.requests for c in f.routes])
    return Table("by-route", "Requests by recommended route", columns, rows, "", series)


def by_outcome(f: FigureSet) -> Table:
    names = [f.labels.outcome(c.key) for c in f.outcomes]
    rows = [(n, c.requests, _share(c.requests, f.received)) for n, c in zip(names, f.outcomes, strict=True)]
    columns = (Column("Hub outcome"), Column("Requests", COUNT), Column("Share", PERCENT))
    series = (names, [c.requests for c in f.outcomes])
    return Table("by-outcome", "Requests by hub outcome", columns, rows, "", series)


def by_verification(f: FigureSet) -> Table:
    names = [verification.label(c.key) for c in f.verified]
    rows = [(n, c.requests, _share(c.requests, f.received)) for n, c in zip(names, f.verified, strict=True)]
    columns = (Column("How the referrer was verified"), Column("Requests", COUNT), Column("Share", PERCENT))
    note = (
        "Browser-chat referrers confirm their work email with a one-time code; Slack and Teams referrers are known "
        "by their workspace or tenant. Each is checked against the council's partner list."
    )
    series = (names, [c.requests for c in f.verified])
    return Table("by-verification", "Requests by how the referrer was verified", columns, rows, note, series)


def _distribution_table(name: str, title: str, what: str, d: figures.Distribution, note: str = "") -> Table:
    rows = [(c.key, c.requests, _share(c.requests, d.counted)) for c in d.buckets]
    note += f"{d.counted:,} with a {what}; {d.waiting:,} still waiting. Clock hours, including nights and weekends."
    if d.median_hours is not None:
        note += f" Median {d.median_hours:.1f} hours."
    columns = (Column("Time taken"), Column("Requests", COUNT), Column("Share", PERCENT))
    series = ([c.key for c in d.buckets], [c.requests for c in d.buckets])
    return Table(name, title, columns, rows, note, series)


def time_to_decision(f: FigureSet) -> Table:
    t = f.timeliness
    share = f"{t.on_time_share:.0%}" if t.on_time_share is not None else "none yet"
    note = f"Decided within one working day: {t.on_time:,} of {t.decided:,} decided ({share}); {t.late:,} late. "
    return _distribution_table("time-to-decision", "Time to decision", "decision", t.distribution, note)


def time_to_feedback(f: FigureSet) -> Table:
    return _distribution_table("time-to-feedback", "Time to feedback to the referrer", "feedback", f.feedback)


def statutory(f: FigureSet) -> Table:
    s = f.statutory
    names = [f.labels.outcome(c.key) for c in s.by_outcome]
    rows = [(n, c.requests, _share(c.requests, s.decided)) for n, c in zip(names, s.by_outcome, strict=True)]
    rows.append(("Total", s.total, s.share_of_decided))
    columns = (Column("Outcome"), Column("Requests", COUNT), Column("Share of decided", PERCENT))
    note = f"{s.decided:,} of {s.received:,} requests decided so far."
    series = (names, [c.requests for c in s.by_outcome])
    return Table("statutory", "Requests that led to a statutory assessment", columns, rows, note, series)


REPEAT_COLUMNS = (
    Column("Reference"),
    Column("Received", DATETIME),
    Column("Referring agency"),
    Column("Recommended level"),
    Column("Recommended route"),
    Column("Previous request"),
    Column("Previous received", DATETIME),
)


def repeats(f: FigureSet) -> Table:
    # Each code's label worked out once: an export lists tens of thousands of rows with a handful of codes.
    agency, level, route = (functools.cache(label) for label in (f.labels.agency, f.labels.level, f.labels.route))
    rows = [
        (
            r.reference,
            r.received_at,
            agency(r.referring_agency),
            level(r.level),
            route(r.route),
            r.previous_reference,
            r.previous_received_at,
        )
        for r in f.repeat_list
    ]
    title = "Repeat requests within 12 months"
    if f.full:
        # An export carries the rows only: the note and chart would cost a pass over the period for nothing.
        return Table("repeats", title, REPEAT_COLUMNS, rows)
    rep = f.repeats
    share = f"{rep.share:.1%}" if rep.share is not None else "none"
    note = (
        f"{rep.repeats:,} of {rep.requests:,} requests ({share}) were about a child with another request in the 12 "
        "months before (same name and date of birth, or same postcode and date of birth)."
    )
    if rep.repeats > PAGE_REPEATS:
        note += f" The newest {PAGE_REPEATS} are listed; the CSV has them all."
    series = (["Repeat requests", "First request in 12 months"], [rep.repeats, rep.requests - rep.repeats])
    return Table("repeats", title, REPEAT_COLUMNS, rows, note, series)


TABLES: dict[str, Callable[[FigureSet], Table]] = {
    "summary": summary,
    "per-week": per_week,
    "per-month": per_month,
    "by-agency": by_agency,
    "by-organisation": by_organisation,
    "by-level": by_level,
    "by-route": by_route,
    "by-outcome": by_outcome,
    "by-verification": by_verification,
    "time-to-decision": time_to_decision,
    "time-to-feedback": time_to_feedback,
    "repeats": repeats,
    "override-rate": override_rate,
    "statutory": statutory,
}


def cell_text(value: Any, kind: str) -> str:
    """How a cell reads on the page."""
    if isinstance(value, Cell):
        return cell_text(value.value, value.kind)
    if value is None:
        return "none"
    if kind == PERCENT:
        return f"{value:.1%}"
    if kind in (HOURS, RATE):
        return f"{value:,.1f}"
    if kind == COUNT:
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.astimezone(LONDON).strftime("%d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    return str(value)
