"""How the dashboard's figures are counted: a few aggregate queries over a period's requests, in SQL.

Nothing here loads rows into Python to count them: GROUP BY, CASE and GROUPING SETS do the work, and the index on
received_at (which carries every column counted, so PostgreSQL reads the index alone) keeps it fast. The page costs
three queries: the seven breakdowns, the single-row overview and the repeat list (hub.dashboard.tables).
What the answers mean is hub.dashboard.figures.
"""

from __future__ import annotations

from array import array
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, tuple_
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from hub.dashboard import dialect
from hub.dashboard.figures import (
    BREAKDOWNS,
    HOUR_BUCKETS,
    HOUR_EDGES,
    STATUTORY_OUTCOMES,
    Breakdowns,
    Count,
    Distribution,
    Overview,
    RepeatRow,
    Repeats,
    Statutory,
    Tallies,
    Timeliness,
    WeeklyFigures,
    middle_of,
)
from hub.dashboard.period import EVERYONE, Filters, Period
from intake.store.support_request import AWAITING_DECISION, DECIDED, IN_TRIAGE, SupportRequest

R = SupportRequest


def in_scope(period: Period, filters: Filters, table: Any = R) -> list[ColumnElement[bool]]:
    first, after = period.bounds()
    conditions = [table.received_at >= first, table.received_at < after]
    if filters.agency:
        conditions.append(table.referring_agency == filters.agency)
    if filters.organisation:
        conditions.append(table.referring_organisation == filters.organisation)
    return conditions


OUTCOME = case((R.status == DECIDED, R.hub_outcome), else_=None)


def _level_counts(level: Any, hub_level: Any) -> list[Any]:
    decided = hub_level.is_not(None)
    return [func.count(), func.count(case((decided, 1))), func.count(case((and_(decided, hub_level != level), 1)))]


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


def _timeliness_columns(pg: bool, c: Any) -> list[Any]:
    return [func.count(), func.count(c.on_time), *_distribution_columns(pg, c.decision_hours)]


def _timeliness_from(
    values: list[Any], session: Session, pg: bool, period: Period, filters: Filters, medians: bool = True
) -> Timeliness:
    received, on_time, *rest = values
    distribution = _distribution_from(rest, received, session, pg, R.decided_at, period, filters, medians)
    return Timeliness(received, distribution.counted, on_time, distribution)


def _feedback_columns(pg: bool, c: Any) -> list[Any]:
    return [func.count(), *_distribution_columns(pg, c.feedback_hours)]


def _feedback_from(
    values: list[Any], session: Session, pg: bool, period: Period, filters: Filters, medians: bool = True
) -> Distribution:
    received, *rest = values
    return _distribution_from(rest, received, session, pg, R.feedback_sent_at, period, filters, medians)


def _repeat_columns(pg: bool, c: Any) -> list[Any]:
    return [func.count(), func.count(c.repeat_of_id)]


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


def _statutory_columns(pg: bool, c: Any) -> list[Any]:
    decided = c.status == DECIDED
    columns = [func.count(), func.count(case((decided, 1)))]
    return columns + [func.count(case((and_(decided, c.hub_outcome == code), 1))) for code in STATUTORY_OUTCOMES]


def _statutory_from(values: list[Any]) -> Statutory:
    received, decided, *counts = values
    return Statutory(received, decided, [Count(c, n) for c, n in zip(STATUTORY_OUTCOMES, counts, strict=True)])


def overview(session: Session, period: Period, filters: Filters = EVERYONE, medians: bool = True) -> Overview:
    """Timeliness, time to feedback, repeats and statutory assessments from one pass over the period: what the
    dashboard page shows, for the price of one query instead of four. `medians=False` leaves the medians out
    (None), for a part of a period whose median is taken with the rest (hub.dashboard.kept_months)."""
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
