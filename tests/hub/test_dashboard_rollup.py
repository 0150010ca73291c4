"""The kept months and days (hub.dashboard.rollup) give exactly the live figures: for periods made of whole months,
parts of months, the current month and today, after decisions made since they were kept, and with today's
requests."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.dashboard import figures, rollup
from hub.dashboard.period import EVERYONE, Filters, Period
from intake.store.database import Database
from intake.store.referrer import Referrer
from intake.store.support_request import DECIDED, SupportRequest
from intake.working_day import LONDON
from tests.hub.dashboard_data import add_request, make_referrer

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
AGENCIES = ["school", "police", "gp", None]
OUTCOMES = ["child_in_need_assessment", "strategy_discussion", "early_help_intensive", None]

# Whole months kept, parts of months, the current month (never kept), a period inside one month, and one that
# crosses the clocks going back (25 October) and forward (29 March).
PERIODS = [
    Period(date(2026, 7, 15), date(2026, 11, 24)),
    Period(date(2026, 8, 1), date(2026, 10, 31)),
    Period(date(2026, 6, 20), date(2026, 9, 30)),
    Period(date(2026, 9, 1), date(2026, 9, 30)),
    Period(date(2026, 10, 3), date(2026, 10, 9)),
    Period(date(2025, 11, 24), date(2026, 11, 24)),
]


def _seed(session: Session, seed: int = 7, count: int = 240) -> None:
    rng = random.Random(seed)
    ref = make_referrer(session)
    start = datetime(2026, 2, 20, tzinfo=UTC)
    moments = [start + timedelta(minutes=rng.randrange(0, 60 * 24 * 277)) for _ in range(count)]
    # Either side of midnight at the ends of months, in summer time and in winter time.
    moments += [datetime(2026, 8, 31, 23, 30, tzinfo=UTC), datetime(2026, 10, 31, 23, 59, tzinfo=UTC)]
    moments += [datetime(2026, 3, 31, 23, 30, tzinfo=UTC), datetime(2026, 9, 30, 22, 59, tzinfo=UTC)]
    for i, received in enumerate(sorted(moments)):
        child = rng.randrange(60)  # about a third come back: repeats
        fields: dict = {
            "received_at": received,
            "referring_agency": rng.choice(AGENCIES),
            "referring_organisation": rng.choice(["Testhill Primary", "Testshire Police", None]),
            "level": rng.randint(1, 4),
            "route": rng.choice(["early_help_intensive", "hub_child_in_need", "universal_signpost"]),
            "decision_due_at": received + timedelta(hours=24),
            "child_name_key": f"child{child} testchild",
            "child_dob": date(2015, 1, 1) + timedelta(days=child),
            "child_postcode": f"FY{child % 9} 1AA",
            "verified_by": ["email_partner", "email_other", "slack_partner", "teams_other", None][i % 5],
        }
        if received < NOW - timedelta(days=2) and rng.random() < 0.9:
            decided = received + timedelta(hours=rng.expovariate(1 / 8), seconds=rng.random())
            fields |= {"decided_at": decided, "hub_level": rng.randint(1, 4), "hub_outcome": rng.choice(OUTCOMES)}
            if rng.random() < 0.8:
                fields["feedback_sent_at"] = decided + timedelta(hours=rng.random() * 30)
        add_request(session, ref, f"RFS-2026-{i:06d}", **fields)


def _assert_same(session: Session, period: Period, filters: Filters = EVERYONE) -> None:
    assert rollup.breakdowns(session, period, filters, 2) == figures.breakdowns(session, period, filters, 2), period
    assert rollup.breakdowns(session, period, filters) == figures.breakdowns(session, period, filters), period
    kept, live = rollup.overview(session, period, filters), figures.overview(session, period, filters)
    assert kept == live, period
    # The medians to the last bit, not approximately.
    assert kept.timeliness.distribution.median_hours == live.timeliness.distribution.median_hours
    assert kept.feedback.median_hours == live.feedback.median_hours


def _kept(db: Database, span: str = rollup.MONTH) -> dict[date, bool]:
    K = rollup.DashboardRollup
    with db.reading() as s:
        return dict(s.execute(select(K.start, K.stale).where(K.span == span)).all())


@pytest.fixture
def db(database_url: str) -> Database:
    db = Database(database_url)
    with db.transaction() as s:
        _seed(s)
    yield db
    db.dispose()


def test_kept_months_give_the_live_figures(db: Database) -> None:
    made = rollup.refresh(db, NOW)
    kept, days = _kept(db), _kept(db, rollup.DAY)
    # February to October, not November (the current month); every day from the first request's to yesterday.
    assert sorted(kept) == [date(2026, m, 1) for m in range(2, 11)] and not any(kept.values())
    first = min(days)
    assert first == date(2026, 2, 1) and sorted(days) == [first + timedelta(days=i) for i in range(len(days))]
    assert max(days) == date(2026, 11, 23) and not any(days.values()) and made == len(kept) + len(days)
    assert rollup.refresh(db, NOW) == 0  # nothing changed
    with db.reading() as s:
        whole_months = rollup._Parts(s, PERIODS[1])
        assert len(whole_months.kept) == 3 and not whole_months.live
        year = rollup._Parts(s, PERIODS[-1])
        # Only today is counted live, and the months before the first request (nothing to keep or count).
        assert year.live == [
            Period(date(2025, 11, 24), date(2026, 1, 31)),
            Period(date(2026, 11, 24), date(2026, 11, 24)),
        ]
        for period in PERIODS:
            _assert_same(s, period)
            _assert_same(s, period, Filters(agency="school"))  # counted live


def test_a_decision_after_the_month_was_kept_counts_at_once(db: Database) -> None:
    rollup.refresh(db, NOW)
    with db.transaction() as s:
        waiting = s.scalars(
            select(SupportRequest).where(
                SupportRequest.decided_at.is_(None),
                SupportRequest.received_at >= datetime(2026, 9, 1, tzinfo=UTC),
                SupportRequest.received_at < datetime(2026, 9, 30, tzinfo=UTC),
            )
        ).first()
        assert waiting is not None
        waiting.status, waiting.decided_at, waiting.hub_level = DECIDED, NOW, 4
        waiting.hub_outcome, waiting.feedback_sent_at = "strategy_discussion", NOW
    # Marked stale by the trigger: September and that day are counted live (SQLite may mark the next day too).
    assert _kept(db)[date(2026, 9, 1)] is True
    assert not any(stale for month, stale in _kept(db).items() if month != date(2026, 9, 1))
    day = waiting.received_at.astimezone(LONDON).date()
    stale_days = {d for d, stale in _kept(db, rollup.DAY).items() if stale}
    assert day in stale_days and stale_days <= {day, day + timedelta(days=1)}
    with db.reading() as s:
        for period in PERIODS:
            _assert_same(s, period)
    assert rollup.refresh(db, NOW) == 1 + len(stale_days)
    with db.reading() as s:
        for period in PERIODS:
            _assert_same(s, period)


def test_todays_requests_and_deletions(db: Database) -> None:
    rollup.refresh(db, NOW)
    with db.transaction() as s:
        ref = s.scalars(select(Referrer)).one()
        add_request(s, ref, "RFS-2026-900001", received_at=NOW - timedelta(minutes=5), level=3, route="x")
        # A request back-dated into a kept month, and one deleted from another: both months go stale.
        add_request(s, ref, "RFS-2026-900002", received_at=datetime(2026, 5, 5, 9, tzinfo=UTC), level=2, route="x")
        s.execute(update(SupportRequest).where(SupportRequest.reference == "RFS-2026-900002").values(level=1))
        first_july = s.scalars(
            select(SupportRequest).where(SupportRequest.received_at >= datetime(2026, 7, 2, tzinfo=UTC))
        ).first()
        s.delete(first_july)
    kept = _kept(db)
    assert kept[date(2026, 5, 1)] and kept[date(2026, 7, 1)] and not kept[date(2026, 8, 1)]
    with db.reading() as s:
        for period in [*PERIODS, Period(date(2026, 11, 24), date(2026, 11, 24))]:
            _assert_same(s, period)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 11, 1000, 1001])
def test_median_of_sorted_runs_is_percentile_cont(n: int) -> None:
    rng = random.Random(n)
    values = [round(rng.expovariate(0.1), rng.choice([0, 3, 12])) for _ in range(n)]  # with ties
    runs: list[list[float]] = [[], [], []]
    for v in values:
        runs[rng.randrange(3)].append(v)
    ordered = sorted(values)
    lower, upper = ordered[(n - 1) // 2], ordered[n // 2]
    assert rollup.median([sorted(r) for r in runs]) == figures.middle_of(lower, upper)
    assert rollup.median([[], []]) is None


def test_the_clock_keeps_the_months(app: Flask) -> None:
    from app.clock import build_scheduler

    job = {job.id: job for job in build_scheduler(app).get_jobs()}["dashboard_rollups"]
    with app.extensions["db"].transaction() as s:
        _seed(s, count=20)
    assert job.func(*job.args) > 0 and job.func(*job.args) == 0


def test_figures_kept_in_another_format_are_not_read(db: Database) -> None:
    rollup.refresh(db, NOW)
    with db.transaction() as s:
        s.execute(update(rollup.DashboardRollup).where(rollup.DashboardRollup.span == rollup.MONTH).values(format="0"))
    with db.reading() as s:
        assert all(k.span == rollup.DAY for k in rollup._Parts(s, PERIODS[1]).kept)
        _assert_same(s, PERIODS[1])
    assert rollup.refresh(db, NOW) == 9  # kept again
