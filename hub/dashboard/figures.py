"""What managers measure, as plain functions over a session and a period: each is one aggregate query in SQL.

Requests are counted by when they were received (a cohort), so "decided within one working day" and "time to
feedback" describe the requests that came in during the period, however late they were handled. Nothing here loads
rows into Python to count them: GROUP BY, CASE and EXISTS do the work and the indexes on received_at,
(referring_agency, received_at), (referring_organisation, received_at) and the child-matching keys keep it fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from hub.dashboard import dialect
from hub.dashboard.period import EVERYONE, Filters, Period
from intake.store.support_request import DECIDED, SupportRequest

R = SupportRequest

# Hub outcomes that mean a statutory assessment: a child in need assessment (s17) or a strategy discussion (s47).
STATUTORY_OUTCOMES: dict[str, str] = {
    "child_in_need_assessment": "Child in need assessment (section 17)",
    "strategy_discussion": "Strategy discussion (section 47)",
}
OUTCOME_LABELS: dict[str, str] = dict(STATUTORY_OUTCOMES)

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


def requests_per_week(session: Session, period: Period, filters: Filters = EVERYONE) -> list[Count]:
    """Every week (Monday start, London) the period touches, with zero for a week without requests."""
    pg = dialect.prepare(session)
    week = dialect.week_start(pg, R.received_at).label("week")
    rows = session.execute(select(week, func.count()).where(*in_scope(period, filters)).group_by(week)).all()
    found = {dialect.as_date(w): n for w, n in rows}
    return [Count(w, found.get(w, 0)) for w in period.weeks()]


def requests_per_month(session: Session, period: Period, filters: Filters = EVERYONE) -> list[Count]:
    pg = dialect.prepare(session)
    month = dialect.month_start(pg, R.received_at).label("month")
    rows = session.execute(select(month, func.count()).where(*in_scope(period, filters)).group_by(month)).all()
    found = {dialect.as_date(m): n for m, n in rows}
    return [Count(m, found.get(m, 0)) for m in period.months()]


def _counts_by(session: Session, column: Any, period: Period, filters: Filters, limit: int | None) -> list[Count]:
    query = (
        select(column, func.count().label("n"))
        .where(*in_scope(period, filters))
        .group_by(column)
        .order_by(func.count().desc(), column)
    )
    if limit is not None:
        query = query.limit(limit)
    return [Count(k, n) for k, n in session.execute(query).all()]


def requests_by_agency(session: Session, period: Period, filters: Filters = EVERYONE) -> list[Count]:
    return _counts_by(session, R.referring_agency, period, filters, None)


def requests_by_organisation(
    session: Session, period: Period, filters: Filters = EVERYONE, limit: int | None = None
) -> list[Count]:
    """Most requests first; organisations are free text, so `limit` keeps the page to the top few."""
    return _counts_by(session, R.referring_organisation, period, filters, limit)


def requests_by_route(session: Session, period: Period, filters: Filters = EVERYONE) -> list[Count]:
    return _counts_by(session, R.route, period, filters, None)


def requests_by_outcome(session: Session, period: Period, filters: Filters = EVERYONE) -> list[Count]:
    """The hub's outcome for decided requests; key None counts those not decided yet."""
    outcome = case((R.status == DECIDED, R.hub_outcome), else_=None).label("outcome")
    query = select(outcome, func.count()).where(*in_scope(period, filters)).group_by(outcome)
    rows = session.execute(query).all()
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


def requests_by_level(session: Session, period: Period, filters: Filters = EVERYONE) -> list[LevelRow]:
    """Levels 1 to 4 always appear, so a level nobody was recommended at shows as nought rather than vanishing."""
    decided = R.hub_level.is_not(None)
    query = (
        select(
            R.level,
            func.count(),
            func.count(case((decided, 1))),
            func.count(case((and_(decided, R.hub_level != R.level), 1))),
        )
        .where(*in_scope(period, filters))
        .group_by(R.level)
    )
    found = {level: LevelRow(level, n, d, o) for level, n, d, o in session.execute(query).all()}
    return [found.pop(level, LevelRow(level, 0, 0, 0)) for level in (1, 2, 3, 4)] + sorted(
        found.values(), key=lambda r: r.level
    )


@dataclass(frozen=True)
class Distribution:
    """Hours from receipt to an event, bucketed, with the median; `counted` had the event, `waiting` not yet."""

    counted: int
    waiting: int
    buckets: list[Count]
    median_hours: float | None


def _distribution(session: Session, pg: bool, event: Any, period: Period, filters: Filters) -> Distribution:
    hours = dialect.hours_between(pg, R.received_at, event).label("hours")
    timed = select(hours).where(*in_scope(period, filters), event.is_not(None)).subquery()
    bucket = case(*((timed.c.hours < edge, i) for i, edge in enumerate(HOUR_EDGES)), else_=len(HOUR_EDGES))
    rows = dict(session.execute(select(bucket.label("b"), func.count()).group_by(bucket)).all())
    counted = sum(rows.values())
    total = session.scalar(select(func.count()).where(*in_scope(period, filters))) or 0
    buckets = [Count(label, rows.get(i, 0)) for i, label in enumerate(HOUR_BUCKETS)]
    return Distribution(counted, total - counted, buckets, _median(session, timed.c.hours, counted))


def _median(session: Session, column: Any, n: int) -> float | None:
    """Exact median by ordering and skipping: the same SQL on both databases, and cheap for one period."""
    if not n:
        return None
    middle = session.scalars(select(column).order_by(column).offset((n - 1) // 2).limit(2 - n % 2)).all()
    return sum(float(v) for v in middle) / len(middle)


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


def timeliness(session: Session, period: Period, filters: Filters = EVERYONE) -> Timeliness:
    pg = dialect.prepare(session)
    on_time = and_(R.decided_at.is_not(None), R.decision_due_at.is_not(None), R.decided_at <= R.decision_due_at)
    received, decided, in_time = session.execute(
        select(func.count(), func.count(R.decided_at), func.count(case((on_time, 1)))).where(*in_scope(period, filters))
    ).one()
    return Timeliness(received, decided, in_time, _distribution(session, pg, R.decided_at, period, filters))


def time_to_feedback(session: Session, period: Period, filters: Filters = EVERYONE) -> Distribution:
    """From the request arriving to the referrer being told the outcome (feedback_sent_at)."""
    pg = dialect.prepare(session)
    return _distribution(session, pg, R.feedback_sent_at, period, filters)


def _same_child(pg: bool, earlier: Any) -> list[ColumnElement[bool]]:
    """Both match keys as separate conditions, so each EXISTS can walk its own index."""
    window = [
        earlier.id != R.id,
        earlier.received_at < R.received_at,
        earlier.received_at >= dialect.twelve_months_before(pg, R.received_at),
    ]
    by_name = and_(earlier.child_name_key == R.child_name_key, earlier.child_dob == R.child_dob, *window)
    by_postcode = and_(earlier.child_postcode == R.child_postcode, earlier.child_dob == R.child_dob, *window)
    return [by_name, by_postcode]


def _is_repeat(pg: bool) -> ColumnElement[bool]:
    earlier = aliased(R, name="earlier")
    by_name, by_postcode = _same_child(pg, earlier)
    return and_(
        R.child_dob.is_not(None),
        or_(exists().where(by_name), exists().where(by_postcode)),
    )


@dataclass(frozen=True)
class Repeats:
    """Requests about a child who had another request in the 12 months before (same name and date of birth, or
    same postcode and date of birth)."""

    requests: int
    repeats: int

    @property
    def share(self) -> float | None:
        return self.repeats / self.requests if self.requests else None


def repeat_requests(session: Session, period: Period, filters: Filters = EVERYONE) -> Repeats:
    pg = dialect.prepare(session)
    total, repeats = session.execute(
        select(func.count(), func.count(case((_is_repeat(pg), 1)))).where(*in_scope(period, filters))
    ).one()
    return Repeats(total, repeats)


@dataclass(frozen=True)
class RepeatRow:
    reference: str | None
    received_at: datetime
    referring_agency: str | None
    level: int
    route: str
    previous_reference: str | None
    previous_received_at: datetime | None


def repeat_list(
    session: Session, period: Period, filters: Filters = EVERYONE, limit: int | None = None
) -> list[RepeatRow]:
    """The repeat requests, newest first, each with the most recent earlier request about the same child.

    References only, no names: a manager follows a reference into the hub's own pages."""
    pg = dialect.prepare(session)
    earlier = aliased(R, name="earlier")
    by_name, by_postcode = _same_child(pg, earlier)
    latest = select(earlier.id).where(or_(by_name, by_postcode)).order_by(earlier.received_at.desc()).limit(1)
    previous = aliased(R, name="previous")
    query = (
        select(R, previous.reference, previous.received_at)
        .join(previous, previous.id == latest.scalar_subquery())
        .where(*in_scope(period, filters), R.child_dob.is_not(None))
        .order_by(R.received_at.desc(), R.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        RepeatRow(r.reference, r.received_at, r.referring_agency, r.level, r.route, ref, at)
        for r, ref, at in session.execute(query).all()
    ]


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


def statutory_assessments(session: Session, period: Period, filters: Filters = EVERYONE) -> Statutory:
    codes = list(STATUTORY_OUTCOMES)
    columns = [func.count(), func.count(case((R.status == DECIDED, 1)))]
    columns += [func.count(case((and_(R.status == DECIDED, R.hub_outcome == c), 1))) for c in codes]
    received, decided, *counts = session.execute(select(*columns).where(*in_scope(period, filters))).one()
    return Statutory(received, decided, [Count(c, n) for c, n in zip(codes, counts, strict=True)])


@dataclass(frozen=True)
class WeeklyFigures:
    """Headline numbers for a week (or any period): what the weekly summary and the printable report lead with."""

    start: date
    end: date
    received: int
    decided_in_period: int
    decided_on_time: int
    decided_of_received: int
    repeats: int
    statutory: int
    feedback_sent: int

    @property
    def on_time_share(self) -> float | None:
        return self.decided_on_time / self.decided_of_received if self.decided_of_received else None

    @property
    def repeat_share(self) -> float | None:
        return self.repeats / self.received if self.received else None

    def as_payload(self) -> dict[str, Any]:
        """Plain numbers and ISO dates for an outbox payload: nothing identifies a child."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "received": self.received,
            "decided": self.decided_in_period,
            "decided_on_time": self.decided_on_time,
            "on_time_share": self.on_time_share,
            "repeats": self.repeats,
            "repeat_share": self.repeat_share,
            "statutory_assessments": self.statutory,
            "feedback_sent": self.feedback_sent,
        }


def weekly_figures(session: Session, start: date, end: date, filters: Filters = EVERYONE) -> WeeklyFigures:
    """Headline figures for the London days `start` to `end` inclusive.

    "Decided" counts decisions made in the period (by decided_at, whenever the request came in); the on-time share
    is over the period's own requests that have been decided."""
    period = Period(start, end)
    pg = dialect.prepare(session)
    on_time = and_(R.decided_at.is_not(None), R.decision_due_at.is_not(None), R.decided_at <= R.decision_due_at)
    statutory = and_(R.status == DECIDED, R.hub_outcome.in_(list(STATUTORY_OUTCOMES)))
    received, decided_of_received, in_time, repeats, stat, feedback = session.execute(
        select(
            func.count(),
            func.count(R.decided_at),
            func.count(case((on_time, 1))),
            func.count(case((_is_repeat(pg), 1))),
            func.count(case((statutory, 1))),
            func.count(R.feedback_sent_at),
        ).where(*in_scope(period, filters))
    ).one()
    first, after = period.bounds()
    decided_conditions = [R.decided_at >= first, R.decided_at < after]
    if filters.agency:
        decided_conditions.append(R.referring_agency == filters.agency)
    if filters.organisation:
        decided_conditions.append(R.referring_organisation == filters.organisation)
    decided = session.scalar(select(func.count()).where(*decided_conditions)) or 0
    return WeeklyFigures(start, end, received, decided, in_time, decided_of_received, repeats, stat, feedback)
