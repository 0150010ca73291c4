"""What managers measure, as plain data: the counts a period's requests give, and what follows from them (shares,
rates, weeks and months from days). No database here: hub.dashboard.queries counts, hub.dashboard.kept_months
adds kept months and live days together, hub.dashboard.tables shows them.

Requests are counted by when they were received (a cohort), so "decided within one working day" and "time to
feedback" describe the requests that came in during the period, however late they were handled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from hub.dashboard.period import Period

# Hub outcomes (intake.triage.OUTCOMES) that mean a statutory assessment: a child in need assessment (s17) or a
# strategy discussion (s47).
STATUTORY_OUTCOMES: tuple[str, ...] = ("child_in_need_assessment", "strategy_discussion")

# Upper edges in hours; the last bucket is open. Clock hours, not working hours: a Friday-evening request decided on
# Monday morning shows as "2 to 3 days" here, while the on-time share (against decision_due_at) is in working days.
HOUR_EDGES: tuple[float, ...] = (4, 8, 24, 48, 72, 120)
HOUR_BUCKETS: tuple[str, ...] = (
    "Under 4 hours",
    "4 to 8 hours",
    "8 to 24 hours",
    "1 to 2 days",
    "2 to 3 days",
    "3 to 5 days",
    "5 days or more",
)


@dataclass(frozen=True)
class Count:
    key: Any
    requests: int


def _weeks(found: dict[date, int], period: Period) -> list[Count]:
    return [Count(w, found.get(w, 0)) for w in period.weeks()]


def _months(found: dict[date, int], period: Period) -> list[Count]:
    return [Count(m, found.get(m, 0)) for m in period.months()]


def _ranked(rows: Any, limit: int | None = None) -> list[Count]:
    """Most requests first, then by name; "not given" (None) after the named ones."""
    ranked = sorted((Count(k, n) for k, n in rows), key=lambda c: (-c.requests, c.key is None, c.key or ""))
    return ranked if limit is None else ranked[:limit]


def _outcomes(rows: Any) -> list[Count]:
    """Decided outcomes by count, then the not-yet-decided (None) last whatever its size."""
    return sorted((Count(k, n) for k, n in rows), key=lambda c: (c.key is None, -c.requests, c.key or ""))


@dataclass(frozen=True)
class LevelRow:
    """Requests the bot recommended at `level`, how many the hub decided, and in how many it chose another level."""

    level: int
    requests: int
    decided: int
    overridden: int

    @property
    def override_rate(self) -> float | None:
        return self.overridden / self.decided if self.decided else None


def _levels(rows: Any) -> list[LevelRow]:
    """Levels 1 to 4 always appear, so a level nobody was recommended at shows as nought rather than vanishing."""
    found = {level: LevelRow(level, n, d, o) for level, n, d, o in rows}
    return [found.pop(level, LevelRow(level, 0, 0, 0)) for level in (1, 2, 3, 4)] + sorted(
        found.values(), key=lambda r: r.level
    )


@dataclass(frozen=True)
class Breakdowns:
    """The period's requests counted seven ways: what the dashboard's charts draw."""

    per_week: list[Count]
    per_month: list[Count]
    agencies: list[Count]
    organisations: list[Count]
    levels: list[LevelRow]
    routes: list[Count]
    outcomes: list[Count]
    verified: list[Count]  # by how the referrer was verified (SupportRequest.verified_by)


BREAKDOWNS = ("day", "agency", "organisation", "level", "route", "outcome", "verified")


@dataclass
class Tallies:
    """The period's requests counted seven ways, by London day rather than week or month: what Breakdowns are made
    from, and what adds up across periods (hub.dashboard.kept_months keeps one per month)."""

    days: dict[date, int]
    agencies: dict[Any, int]
    organisations: dict[Any, int]
    levels: dict[int, tuple[int, int, int]]  # requests, decided, overridden
    routes: dict[Any, int]
    outcomes: dict[Any, int]
    verified: dict[Any, int]

    def add(self, other: Tallies) -> None:
        for mine, theirs in (
            (self.days, other.days),
            (self.agencies, other.agencies),
            (self.organisations, other.organisations),
            (self.routes, other.routes),
            (self.outcomes, other.outcomes),
            (self.verified, other.verified),
        ):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n
        for level, counts in other.levels.items():
            have = self.levels.get(level, (0, 0, 0))
            self.levels[level] = (have[0] + counts[0], have[1] + counts[1], have[2] + counts[2])

    def breakdowns(self, period: Period, organisation_limit: int | None = None) -> Breakdowns:
        weeks: dict[date, int] = {}
        months: dict[date, int] = {}
        for day, n in self.days.items():
            monday = day - timedelta(days=day.weekday())
            weeks[monday] = weeks.get(monday, 0) + n
            months[day.replace(day=1)] = months.get(day.replace(day=1), 0) + n
        return Breakdowns(
            _weeks(weeks, period),
            _months(months, period),
            _ranked(self.agencies.items()),
            _ranked(self.organisations.items(), organisation_limit),
            _levels((level, *counts) for level, counts in self.levels.items()),
            _ranked(self.routes.items()),
            _outcomes(self.outcomes.items()),
            _ranked(self.verified.items()),
        )


@dataclass(frozen=True)
class Distribution:
    """Hours from receipt to an event, bucketed, with the median; `counted` had the event, `waiting` not yet."""

    counted: int
    waiting: int
    buckets: list[Count]
    median_hours: float | None


def middle_of(lower: float, upper: float) -> float:
    """The median between the two middle values, worked out exactly as PostgreSQL's percentile_cont(0.5) does
    (lower + (upper - lower) * 0.5), so every way of finding a median gives the same float."""
    return lower if lower == upper else lower + (upper - lower) * 0.5


@dataclass(frozen=True)
class Timeliness:
    """Decisions against the one-working-day deadline (decision_due_at), and how long they took in clock hours."""

    received: int
    decided: int
    on_time: int
    distribution: Distribution = field(repr=False)

    @property
    def late(self) -> int:
        return self.decided - self.on_time

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.decided if self.decided else None


@dataclass(frozen=True)
class Repeats:
    """Requests about a child who had another request in the 12 months before (same name and date of birth, or
    same postcode and date of birth), as marked on submission in `repeat_of_id` (intake.repeat_requests)."""

    requests: int
    repeats: int

    @property
    def share(self) -> float | None:
        return self.repeats / self.requests if self.requests else None


class RepeatRow(NamedTuple):
    """A named tuple, not a dataclass: made straight from database rows, tens of thousands of them for a year."""

    reference: str | None
    received_at: datetime
    referring_agency: str | None
    level: int
    route: str
    previous_reference: str | None
    previous_received_at: datetime | None


@dataclass(frozen=True)
class Rate:
    """Requests per 10,000 children, for the period and scaled to a year so periods compare."""

    requests: int
    child_population: int
    days: int

    @property
    def per_10k(self) -> float | None:
        return self.requests * 10_000 / self.child_population if self.child_population > 0 else None

    @property
    def per_10k_a_year(self) -> float | None:
        rate = self.per_10k
        return rate * 365 / self.days if rate is not None and self.days > 0 else None


@dataclass(frozen=True)
class Statutory:
    """Requests whose hub outcome was a statutory assessment, by outcome, against all received and all decided."""

    received: int
    decided: int
    by_outcome: list[Count]

    @property
    def total(self) -> int:
        return sum(c.requests for c in self.by_outcome)

    @property
    def share_of_received(self) -> float | None:
        return self.total / self.received if self.received else None

    @property
    def share_of_decided(self) -> float | None:
        return self.total / self.decided if self.decided else None


@dataclass(frozen=True)
class Overview:
    timeliness: Timeliness
    feedback: Distribution
    repeats: Repeats
    statutory: Statutory


@dataclass(frozen=True)
class WeeklyFigures:
    """Headline numbers for a week (or any period): what the weekly summary to managers and the printable report
    lead with. Counts only: no request or child is named."""

    start: date
    end: date
    received: int
    decided_of_received: int  # of the period's own requests, how many are decided now
    decided_on_time: int  # ... and how many of those within their one-working-day deadline
    decisions_made: int  # decisions made during the period, whenever the request came in
    repeats: int
    statutory: int
    feedback_sent: int
    overdue: int  # requests from any time still waiting for a decision whose deadline fell before the period ended
    by_level: dict[int, int]
    by_route: dict[str, int]

    @property
    def on_time_share(self) -> float | None:
        return self.decided_on_time / self.decided_of_received if self.decided_of_received else None

    @property
    def repeat_share(self) -> float | None:
        return self.repeats / self.received if self.received else None

    def as_payload(self) -> dict[str, Any]:
        """Plain numbers and ISO dates for an outbox payload (the weekly summary to Slack or Teams)."""
        share = self.on_time_share
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "received": self.received,
            "by_level": {str(k): v for k, v in sorted(self.by_level.items())},
            "by_route": dict(sorted(self.by_route.items())),
            "decided": self.decided_of_received,
            "decided_within_deadline": self.decided_on_time,
            "decided_within_deadline_percent": round(100 * share) if share is not None else None,
            "decisions_made": self.decisions_made,
            "overdue": self.overdue,
            "repeats": self.repeats,
            "repeat_percent": round(100 * self.repeat_share, 1) if self.repeat_share is not None else None,
            "statutory_assessments": self.statutory,
            "feedback_sent": self.feedback_sent,
        }
