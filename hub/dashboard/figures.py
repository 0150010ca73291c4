"""What managers measure, as plain functions over a session and a period: each is one aggregate query in SQL.

Requests are counted by when they were received (a cohort), so "decided within one working day" and "time to
feedback" describe the requests that came in during the period, however late they were handled. Nothing here loads
rows into Python to count them: GROUP BY, CASE and EXISTS do the work and the indexes on received_at,
(referring_agency, received_at), (referring_organisation, received_at) and the child-matching keys keep it fast.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, select, tuple_
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from hub.dashboard import dialect
from hub.dashboard.period import EVERYONE, Filters, Period
from intake.store.support_request import AWAITING_DECISION, DECIDED, IN_TRIAGE, SupportRequest
from intake.triage import OUTCOMES

R = SupportRequest

# Hub outcomes that mean a statutory assessment: a child in need assessment (s17) or a strategy discussion (s47).
STATUTORY_OUTCOMES: dict[str, str] = {
    "child_in_need_assessment": "Child in need assessment (section 17)",
    "strategy_discussion": "Strategy discussion (section 47)",
}
OUTCOME_LABELS: dict[str, str] = {**STATUTORY_OUTCOMES, **OUTCOMES}  # the hub's own names (intake.triage)

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


def in_scope(period: Period, filters: Filters, table: Any = R) -> list[ColumnElement[bool]]:
    first, after = period.bounds()
    conditions = [table.received_at >= first, table.received_at < after]
    if filters.agency:
        conditions.append(table.referring_agency == filters.agency)
    if filters.organisation:
        conditions.append(table.referring_organisation == filters.organisation)
    return conditions


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


def requests_per_week(session: Session, period: Period, filters: Filters = EVERYONE) -> list[Count]:
    """Every week (Monday start, London) the period touches, with zero for a week without requests."""
    pg = dialect.prepare(session)
    week = dialect.week_start(pg, R.received_at).label("week")
    rows = session.execute(select(week, func.count()).where(*in_scope(period, filters)).group_by(week)).all()
    return _weeks({dialect.as_date(w): n for w, n in rows}, period)


def requests_per_month(session: Session, period: Period, filters: Filters = EVERYONE) -> list[Count]:
    pg = dialect.prepare(session)
    month = dialect.month_start(pg, R.received_at).label("month")
    rows = session.execute(select(month, func.count()).where(*in_scope(period, filters)).group_by(month)).all()
    return _months({dialect.as_date(m): n for m, n in rows}, period)


def _counts_by(session: Session, column: Any, period: Period, filters: Filters, limit: int | None) -> list[Count]:
    dialect.prepare(session)
    query = (
        select(column, func.count().label("n"))
        .where(*in_scope(period, filters))
        .group_by(column)
        .order_by(func.count().desc(), column.asc().nulls_last())
    )
    if limit is not None:
        query = query.limit(limit)
    return _ranked(session.execute(query).all())


def requests_by_agency(session: Session, period: Period, filters: Filters = EVERYONE) -> list[Count]:
    return _counts_by(session, R.referring_agency, period, filters, None)


def requests_by_organisation(
    session: Session, period: Period, filters: Filters = EVERYONE, limit: int | None = None
) -> list[Count]:
    """Most requests first; organisations are free text, so `limit` keeps the page to the top few."""
    return _counts_by(session, R.referring_organisation, period, filters, limit)


def requests_by_route(session: Session, period: Period, filters: Filters = EVERYONE) -> list[Count]:
    return _counts_by(session, R.route, period, filters, None)


OUTCOME = case((R.status == DECIDED, R.hub_outcome), else_=None)


def requests_by_outcome(session: Session, period: Period, filters: Filters = EVERYONE) -> list[Count]:
    """The hub's outcome for decided requests; key None counts those not decided yet."""
    dialect.prepare(session)
    outcome = OUTCOME.label("outcome")
    query = select(outcome, func.count()).where(*in_scope(period, filters)).group_by(outcome)
    return _outcomes(session.execute(query).all())


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


def _level_counts(level: Any, hub_level: Any) -> list[Any]:
    decided = hub_level.is_not(None)
    return [func.count(), func.count(case((decided, 1))), func.count(case((and_(decided, hub_level != level), 1)))]


def requests_by_level(session: Session, period: Period, filters: Filters = EVERYONE) -> list[LevelRow]:
    dialect.prepare(session)
    query = select(R.level, *_level_counts(R.level, R.hub_level)).where(*in_scope(period, filters)).group_by(R.level)
    return _levels(session.execute(query).all())


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
    from, and what adds up across periods (hub.dashboard.rollup keeps one per month)."""

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


def breakdowns(
    session: Session, period: Period, filters: Filters = EVERYONE, organisation_limit: int | None = None
) -> Breakdowns:
    """All seven breakdowns: on PostgreSQL one pass with GROUPING SETS (one read of the period's rows instead of
    seven), weeks and months summed from day counts."""
    return tallies(session, period, filters).breakdowns(period, organisation_limit)


def tallies(session: Session, period: Period, filters: Filters = EVERYONE) -> Tallies:
    """The period's Tallies. SQLite has no GROUPING SETS, so there it asks seven questions."""
    pg = dialect.prepare(session)
    if not pg:
        day = func.date(dialect.london(False, R.received_at)).label("day")
        days = session.execute(select(day, func.count()).where(*in_scope(period, filters)).group_by(day)).all()
        outcome = OUTCOME.label("outcome")
        outcomes = session.execute(select(outcome, func.count()).where(*in_scope(period, filters)).group_by(outcome))
        levels = session.execute(
            select(R.level, *_level_counts(R.level, R.hub_level)).where(*in_scope(period, filters)).group_by(R.level)
        )
        return Tallies(
            {dialect.as_date(d): n for d, n in days},
            dict(_raw_counts(session, R.referring_agency, period, filters)),
            dict(_raw_counts(session, R.referring_organisation, period, filters)),
            {level: (n, d, o) for level, n, d, o in levels},
            dict(_raw_counts(session, R.route, period, filters)),
            dict(outcomes.all()),
            dict(_raw_counts(session, R.verified_by, period, filters)),
        )
    rows = (
        select(
            dialect.day_number(R.received_at, period.day_starts()).label("day"),
            R.referring_agency.label("agency"),
            R.referring_organisation.label("organisation"),
            R.level.label("level"),
            R.route.label("route"),
            OUTCOME.label("outcome"),
            R.hub_level.label("hub_level"),
            R.verified_by.label("verified"),
        )
        .where(*in_scope(period, filters))
        .offset(0)  # worked out once per row, not once per grouping set
        .subquery("period_rows")
    )
    dims = [rows.c[name] for name in BREAKDOWNS]
    query = select(func.grouping(*dims), *dims, *_level_counts(rows.c.level, rows.c.hub_level)).group_by(
        func.grouping_sets(*(tuple_(d) for d in dims))
    )
    found: dict[str, list[tuple[Any, ...]]] = {name: [] for name in BREAKDOWNS}
    last = len(BREAKDOWNS) - 1
    for grouping, *values in session.execute(query).all():
        # GROUPING() sets a bit for every column NOT grouped in this row's set; the clear bit names the breakdown.
        i = next(i for i in range(len(BREAKDOWNS)) if not (grouping >> (last - i)) & 1)
        found[BREAKDOWNS[i]].append((values[i], *values[len(BREAKDOWNS) :]))
    counts = {name: {key: n for key, n, *_ in found[name]} for name in BREAKDOWNS}
    return Tallies(
        {period.start + timedelta(days=number - 1): n for number, n in counts["day"].items()},
        counts["agency"],
        counts["organisation"],
        {level: (n, d, o) for level, n, d, o in found["level"]},
        counts["route"],
        counts["outcome"],
        counts["verified"],
    )


def _raw_counts(session: Session, column: Any, period: Period, filters: Filters) -> Any:
    query = select(column, func.count()).where(*in_scope(period, filters)).group_by(column)
    return session.execute(query).all()


@dataclass(frozen=True)
class Distribution:
    """Hours from receipt to an event, bucketed, with the median; `counted` had the event, `waiting` not yet."""

    counted: int
    waiting: int
    buckets: list[Count]
    median_hours: float | None


ON_TIME = and_(R.decided_at.is_not(None), R.decision_due_at.is_not(None), R.decided_at <= R.decision_due_at)


def _period_rows(pg: bool, period: Period, filters: Filters) -> Any:
    """The period's requests with the per-row values the single-row figures need, each worked out once per row.

    OFFSET 0 keeps PostgreSQL from folding the subquery into the aggregate, which would recompute the hours
    expression in every bucket's count (measured: 320 ms instead of 60 ms for four weeks of a million rows)."""
    return (
        select(
            R.decided_at,
            R.feedback_sent_at,
            R.repeat_of_id,
            R.status,
            R.hub_outcome,
            case((ON_TIME, 1)).label("on_time"),
            dialect.hours_between(pg, R.received_at, R.decided_at).label("decision_hours"),
            dialect.hours_between(pg, R.received_at, R.feedback_sent_at).label("feedback_hours"),
        )
        .where(*in_scope(period, filters))
        .offset(0)
        .subquery("period_rows")
    )


def _distribution_columns(pg: bool, hours: Any) -> list[ColumnElement[Any]]:
    """count(hours), one conditional count per bucket, and (PostgreSQL) the median: one pass over the period."""
    columns: list[ColumnElement[Any]] = [func.count(hours)]
    lower: float | None = None
    for edge in HOUR_EDGES:
        columns.append(func.count(case((hours < edge if lower is None else and_(hours >= lower, hours < edge), 1))))
        lower = edge
    columns.append(func.count(case((hours >= lower, 1))))
    if pg:
        columns.append(func.percentile_cont(0.5).within_group(hours))
    return columns


def _distribution_from(
    values: list[Any],
    received: int,
    session: Session,
    pg: bool,
    event: Any,
    period: Period,
    filters: Filters,
    medians: bool = True,
) -> Distribution:
    counted, *rest = values
    buckets = [Count(label, n) for label, n in zip(HOUR_BUCKETS, rest, strict=False)]
    median = None
    if medians:
        median = (float(rest[-1]) if rest[-1] is not None else None) if pg else _median(session, event, period, filters)
    return Distribution(counted, received - counted, buckets, median)


def _median(session: Session, event: Any, period: Period, filters: Filters) -> float | None:
    """SQLite has no percentile_cont: order and skip to the middle (cheap for one period on a laptop's data)."""
    hours = dialect.hours_between(False, R.received_at, event)
    n = session.scalar(select(func.count(event)).where(*in_scope(period, filters))) or 0
    if not n:
        return None
    query = select(hours).where(*in_scope(period, filters), event.is_not(None)).order_by(hours)
    middle = [float(v) for v in session.scalars(query.offset((n - 1) // 2).limit(2 - n % 2)).all()]
    return middle_of(middle[0], middle[-1])


def middle_of(lower: float, upper: float) -> float:
    """The median between the two middle values, worked out exactly as PostgreSQL's percentile_cont(0.5) does
    (lower + (upper - lower) * 0.5), so every way of finding a median gives the same float."""
    return lower if lower == upper else lower + (upper - lower) * 0.5


def hours_values(session: Session, event: Any, period: Period, filters: Filters = EVERYONE) -> array[float]:
    """Every request's hours from receipt to `event`, in order: what a median across periods is taken from.

    Read without the ORM's row handling, straight into an array: tens of thousands of numbers for a month."""
    pg = dialect.prepare(session)
    hours = dialect.hours_between(pg, R.received_at, event)
    query = select(hours).where(*in_scope(period, filters), event.is_not(None)).order_by(hours)
    return array("d", session.connection().execute(query).scalars().all())  # all(): one fetch, not one a row


def _single_row(session: Session, period: Period, filters: Filters, *parts: Any) -> list[list[Any]]:
    """Several figures' aggregate columns in one SELECT over the period's rows, handed back part by part.

    Each part is a function of (pg, period_rows) giving its columns."""
    pg = dialect.prepare(session)
    rows = _period_rows(pg, period, filters)
    built = [part(pg, rows.c) for part in parts]
    row = session.execute(select(*(c for columns in built for c in columns)).select_from(rows)).one()
    values, start = [], 0
    for columns in built:
        values.append(list(row[start : start + len(columns)]))
        start += len(columns)
    return values


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


def _timeliness_columns(pg: bool, c: Any) -> list[Any]:
    return [func.count(), func.count(c.on_time), *_distribution_columns(pg, c.decision_hours)]


def _timeliness_from(
    values: list[Any], session: Session, pg: bool, period: Period, filters: Filters, medians: bool = True
) -> Timeliness:
    received, on_time, *rest = values
    distribution = _distribution_from(rest, received, session, pg, R.decided_at, period, filters, medians)
    return Timeliness(received, distribution.counted, on_time, distribution)


def timeliness(session: Session, period: Period, filters: Filters = EVERYONE) -> Timeliness:
    pg = dialect.prepare(session)
    (values,) = _single_row(session, period, filters, _timeliness_columns)
    return _timeliness_from(values, session, pg, period, filters)


def _feedback_columns(pg: bool, c: Any) -> list[Any]:
    return [func.count(), *_distribution_columns(pg, c.feedback_hours)]


def _feedback_from(
    values: list[Any], session: Session, pg: bool, period: Period, filters: Filters, medians: bool = True
) -> Distribution:
    received, *rest = values
    return _distribution_from(rest, received, session, pg, R.feedback_sent_at, period, filters, medians)


def time_to_feedback(session: Session, period: Period, filters: Filters = EVERYONE) -> Distribution:
    """From the request arriving to the referrer being told the outcome (feedback_sent_at)."""
    pg = dialect.prepare(session)
    (values,) = _single_row(session, period, filters, _feedback_columns)
    return _feedback_from(values, session, pg, period, filters)


@dataclass(frozen=True)
class Repeats:
    """Requests about a child who had another request in the 12 months before (same name and date of birth, or
    same postcode and date of birth), as marked on submission in `repeat_of_id` (intake.repeat_requests)."""

    requests: int
    repeats: int

    @property
    def share(self) -> float | None:
        return self.repeats / self.requests if self.requests else None


def _repeat_columns(pg: bool, c: Any) -> list[Any]:
    return [func.count(), func.count(c.repeat_of_id)]


def repeat_requests(session: Session, period: Period, filters: Filters = EVERYONE) -> Repeats:
    ((total, repeats),) = _single_row(session, period, filters, _repeat_columns)
    return Repeats(total, repeats)


class RepeatRow(NamedTuple):
    """A named tuple, not a dataclass: made straight from database rows, tens of thousands of them for a year."""

    reference: str | None
    received_at: datetime
    referring_agency: str | None
    level: int
    route: str
    previous_reference: str | None
    previous_received_at: datetime | None


# The earlier request a repeat points at (support_requests.repeat_of_id).
PREVIOUS = aliased(R, name="previous")


def repeat_list_select(period: Period, filters: Filters, *columns: Any) -> Any:
    """SELECT `columns` for the period's repeat requests joined to their earlier requests, newest first."""
    return (
        select(*columns)
        .join_from(R, PREVIOUS, PREVIOUS.id == R.repeat_of_id)
        # Implied by the join, but said so that PostgreSQL reads the partial ix_support_requests_repeats_received.
        .where(R.repeat_of_id.is_not(None), *in_scope(period, filters))
        .order_by(R.received_at.desc(), R.id.desc())
    )


def repeat_list(
    session: Session, period: Period, filters: Filters = EVERYONE, limit: int | None = None
) -> list[RepeatRow]:
    """The repeat requests, newest first, each with the earlier request about the same child.

    References only, no names: a manager follows a reference into the hub's own pages."""
    dialect.prepare(session)
    query = repeat_list_select(
        period,
        filters,
        R.reference,
        R.received_at,
        R.referring_agency,
        R.level,
        R.route,
        PREVIOUS.reference,
        PREVIOUS.received_at,
    )
    if limit is not None:
        query = query.limit(limit)
    return list(map(RepeatRow._make, session.execute(query)))


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


def rate_per_10k(session: Session, period: Period, filters: Filters, child_population: int) -> Rate:
    requests = session.scalar(select(func.count()).where(*in_scope(period, filters))) or 0
    return Rate(requests, child_population, period.days)


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


def _statutory_columns(pg: bool, c: Any) -> list[Any]:
    decided = c.status == DECIDED
    columns = [func.count(), func.count(case((decided, 1)))]
    return columns + [func.count(case((and_(decided, c.hub_outcome == code), 1))) for code in STATUTORY_OUTCOMES]


def _statutory_from(values: list[Any]) -> Statutory:
    received, decided, *counts = values
    return Statutory(received, decided, [Count(c, n) for c, n in zip(STATUTORY_OUTCOMES, counts, strict=True)])


def statutory_assessments(session: Session, period: Period, filters: Filters = EVERYONE) -> Statutory:
    (values,) = _single_row(session, period, filters, _statutory_columns)
    return _statutory_from(values)


@dataclass(frozen=True)
class Overview:
    timeliness: Timeliness
    feedback: Distribution
    repeats: Repeats
    statutory: Statutory


def overview(session: Session, period: Period, filters: Filters = EVERYONE, medians: bool = True) -> Overview:
    """Timeliness, time to feedback, repeats and statutory assessments from one pass over the period: what the
    dashboard page shows, for the price of one query instead of four. `medians=False` leaves the medians out
    (None), for a part of a period whose median is taken with the rest (hub.dashboard.rollup)."""
    pg = dialect.prepare(session)
    t, fb, rep, stat = _single_row(
        session,
        period,
        filters,
        lambda pg, c: _timeliness_columns(pg and medians, c),
        lambda pg, c: _feedback_columns(pg and medians, c),
        _repeat_columns,
        _statutory_columns,
    )
    return Overview(
        _timeliness_from(t, session, pg, period, filters, medians),
        _feedback_from(fb, session, pg, period, filters, medians),
        Repeats(*rep),
        _statutory_from(stat),
    )


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


def _filtered(filters: Filters) -> list[ColumnElement[bool]]:
    conditions = []
    if filters.agency:
        conditions.append(R.referring_agency == filters.agency)
    if filters.organisation:
        conditions.append(R.referring_organisation == filters.organisation)
    return conditions


def weekly_figures(session: Session, start: date, end: date, filters: Filters = EVERYONE) -> WeeklyFigures:
    """Headline figures for the London days `start` to `end` inclusive (four small queries over one week)."""
    period = Period(start, end)
    dialect.prepare(session)
    statutory = and_(R.status == DECIDED, R.hub_outcome.in_(list(STATUTORY_OUTCOMES)))
    received, decided_of_received, in_time, repeats, stat, feedback = session.execute(
        select(
            func.count(),
            func.count(R.decided_at),
            func.count(case((ON_TIME, 1))),
            func.count(R.repeat_of_id),
            func.count(case((statutory, 1))),
            func.count(R.feedback_sent_at),
        ).where(*in_scope(period, filters))
    ).one()
    first, after = period.bounds()
    decisions = session.scalar(
        select(func.count()).where(R.decided_at >= first, R.decided_at < after, *_filtered(filters))
    )
    overdue = session.scalar(
        select(func.count()).where(
            R.status.in_((AWAITING_DECISION, IN_TRIAGE)), R.decision_due_at < after, *_filtered(filters)
        )
    )
    by_level: dict[int, int] = {}
    by_route: dict[str, int] = {}
    rows = session.execute(
        select(R.level, R.route, func.count()).where(*in_scope(period, filters)).group_by(R.level, R.route)
    ).all()
    for level, route, n in rows:
        by_level[level] = by_level.get(level, 0) + n
        by_route[route] = by_route.get(route, 0) + n
    return WeeklyFigures(
        start,
        end,
        received,
        decided_of_received,
        in_time,
        decisions or 0,
        repeats,
        stat,
        feedback,
        overdue or 0,
        by_level,
        by_route,
    )
