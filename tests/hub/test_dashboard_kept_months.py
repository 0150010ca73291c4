"""The kept months (hub.dashboard.kept_months) give exactly the live figures: for periods made of whole months,
parts of months, the current month and today, after decisions made since they were kept, and with today's
requests; and keeping them blocks no writer."""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from hub.dashboard import figures, kept_months, queries
from hub.dashboard.period import EVERYONE, Filters, Period
from intake.store.database import Database
from intake.store.referrer import Referrer
from intake.store.support_request import DECIDED, SupportRequest
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
KEPT = [date(2026, m, 1) for m in range(2, 11)]  # February (the first request's month) to October


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
    assert kept_months.breakdowns(session, period, filters, 2) == queries.breakdowns(session, period, filters, 2)
    assert kept_months.breakdowns(session, period, filters) == queries.breakdowns(session, period, filters), period
    kept, live = kept_months.overview(session, period, filters), queries.overview(session, period, filters)
    assert kept == live, period
    # The medians to the last bit, not approximately.
    assert kept.timeliness.distribution.median_hours == live.timeliness.distribution.median_hours
    assert kept.feedback.median_hours == live.feedback.median_hours


def _used(db: Database, period: Period) -> list[date]:
    """The kept months the dashboard would read for `period` now."""
    with db.reading() as s:
        return [k.month for k in kept_months._Parts(s, period).kept]


@pytest.fixture
def db(database_url: str) -> Database:
    db = Database(database_url)
    with db.transaction() as s:
        _seed(s)
    yield db
    db.dispose()


def _decide_one_in_september(db: Database, at: datetime) -> None:
    with db.transaction() as s:
        waiting = s.scalars(
            select(SupportRequest).where(
                SupportRequest.decided_at.is_(None),
                SupportRequest.received_at >= datetime(2026, 9, 1, tzinfo=UTC),
                SupportRequest.received_at < datetime(2026, 9, 30, tzinfo=UTC),
            )
        ).first()
        assert waiting is not None
        waiting.status, waiting.decided_at, waiting.hub_level = DECIDED, at, 4
        waiting.hub_outcome, waiting.feedback_sent_at = "strategy_discussion", at


def test_kept_months_give_the_live_figures(db: Database) -> None:
    assert kept_months.keep_months(db, NOW) == len(KEPT)
    assert kept_months.keep_months(db, NOW) == 0  # nothing changed
    assert _used(db, PERIODS[1]) == [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
    with db.reading() as s:
        year = kept_months._Parts(s, PERIODS[-1])
        # The months before the first request (nothing kept) and the current month are counted live.
        assert [k.month for k in year.kept] == KEPT
        assert year.live == [
            Period(date(2025, 11, 24), date(2026, 1, 31)),
            Period(date(2026, 11, 1), date(2026, 11, 24)),
        ]
        for period in PERIODS:
            _assert_same(s, period)
            _assert_same(s, period, Filters(agency="school"))  # counted live


def test_a_decision_after_the_month_was_kept_counts_at_once(db: Database) -> None:
    kept_months.keep_months(db, NOW)
    _decide_one_in_september(db, NOW + timedelta(minutes=5))
    # September is counted live from now on; the other months are still read as kept.
    assert date(2026, 9, 1) not in _used(db, PERIODS[-1])
    assert _used(db, PERIODS[-1]) == [m for m in KEPT if m != date(2026, 9, 1)]
    with db.reading() as s:
        for period in PERIODS:
            _assert_same(s, period)
    assert kept_months.keep_months(db, NOW + timedelta(hours=1)) == 1  # the clock keeps September again
    assert _used(db, PERIODS[-1]) == KEPT
    with db.reading() as s:
        for period in PERIODS:
            _assert_same(s, period)


def test_a_decision_still_committing_when_the_month_was_kept_is_not_missed(db: Database) -> None:
    # Stamped a moment before the month was kept, committed after: the kept figures cannot have counted it.
    kept_months.keep_months(db, NOW)
    _decide_one_in_september(db, NOW - timedelta(seconds=30))
    assert date(2026, 9, 1) not in _used(db, PERIODS[-1])
    with db.reading() as s:
        _assert_same(s, PERIODS[-1])


def test_todays_requests_are_counted_live(db: Database) -> None:
    kept_months.keep_months(db, NOW)
    with db.transaction() as s:
        ref = s.scalars(select(Referrer)).one()
        add_request(s, ref, "RFS-2026-900001", received_at=NOW - timedelta(minutes=5), level=3, route="x")
    with db.reading() as s:
        for period in [*PERIODS, Period(date(2026, 11, 24), date(2026, 11, 24))]:
            _assert_same(s, period)


def test_a_month_is_kept_only_once_it_has_ended(db: Database) -> None:
    # Two minutes after October ended (London), nothing submitted in its last moments can be missed: wait.
    just_after = datetime(2026, 11, 1, 0, 2, tzinfo=UTC)
    kept_months.keep_months(db, just_after)
    with db.reading() as s:
        assert max(s.scalars(select(kept_months.K.month))) == date(2026, 9, 1)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 11, 1000, 1001])
def test_median_of_sorted_runs_is_percentile_cont(n: int) -> None:
    rng = random.Random(n)
    values = [round(rng.expovariate(0.1), rng.choice([0, 3, 12])) for _ in range(n)]  # with ties
    runs: list[list[float]] = [[], [], []]
    for v in values:
        runs[rng.randrange(3)].append(v)
    ordered = sorted(values)
    lower, upper = ordered[(n - 1) // 2], ordered[n // 2]
    assert kept_months.median([sorted(r) for r in runs]) == figures.middle_of(lower, upper)
    assert kept_months.median([[], []]) is None


def test_the_clock_keeps_the_months(app: Flask) -> None:
    from app.clock import build_scheduler

    job = {job.id: job for job in build_scheduler(app).get_jobs()}["dashboard_months"]
    with app.extensions["db"].transaction() as s:
        _seed(s, count=20)
    assert job.func(*job.args) > 0 and job.func(*job.args) == 0


def test_figures_kept_in_another_format_are_not_read(db: Database) -> None:
    kept_months.keep_months(db, NOW)
    with db.transaction() as s:
        s.execute(update(kept_months.K).values(format="0"))
    assert _used(db, PERIODS[1]) == []
    with db.reading() as s:
        _assert_same(s, PERIODS[1])
    assert kept_months.keep_months(db, NOW) == len(KEPT)  # kept again


@pytest.mark.database
def test_keeping_months_blocks_no_writer(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the clock keeps a month, a submission, a claim and a decision go straight through."""
    if not db.is_postgresql:
        pytest.skip("SQLite has one writer at a time by design; the question is PostgreSQL's locks")
    reading, written = threading.Event(), threading.Event()
    tallies = queries.tallies

    def slow_tallies(session: Session, period: Period, *args: object) -> figures.Tallies:
        found = tallies(session, period, *args)
        reading.set()
        written.wait(timeout=10)  # hold the keeping transaction open while another connection writes
        return found

    monkeypatch.setattr(queries, "tallies", slow_tallies)
    keeper = threading.Thread(target=lambda: kept_months.keep_months(db, NOW))
    try:
        keeper.start()
        assert reading.wait(timeout=10)
        with db.transaction() as s:
            s.execute(text("SET LOCAL lock_timeout = '2s'"))
            ref = s.scalars(select(Referrer)).one()
            add_request(s, ref, "RFS-2026-900003", received_at=NOW, level=2, route="x")
            s.execute(update(SupportRequest).where(SupportRequest.decided_at.is_(None)).values(status="in_triage"))
    finally:
        written.set()
        keeper.join(timeout=30)
