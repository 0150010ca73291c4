"""Every dashboard figure on a hand-made data set (tests/hub/dashboard_data.py), answers worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.orm import Session

from hub.dashboard import figures, queries
from hub.dashboard.period import Filters, Period
from intake.store.database import Database
from tests.hub.dashboard_data import PERIOD, S17, S47, add_request, at, make_referrer, seed


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    db = Database(database_url)
    with db.transaction() as s:
        seed(s)
    with db.reading() as s:
        yield s
    db.dispose()


def test_requests_per_week_and_month(session: Session) -> None:
    weeks = queries.breakdowns(session, PERIOD).per_week
    # r1 r2 | r3 | r4 | r5 r6 (r6 at 23:00 on the last Sunday is in; r_after at midnight is out)
    assert [(c.key, c.requests) for c in weeks] == [
        (date(2026, 11, 2), 2),
        (date(2026, 11, 9), 1),
        (date(2026, 11, 16), 1),
        (date(2026, 11, 23), 2),
    ]
    months = queries.breakdowns(session, Period(date(2025, 12, 1), date(2026, 1, 31))).per_month
    assert [(c.key, c.requests) for c in months] == [(date(2025, 12, 1), 0), (date(2026, 1, 1), 1)]


def test_weeks_and_months_follow_london_time(database_url: str) -> None:
    db = Database(database_url)
    with db.transaction() as s:
        ref = make_referrer(s)
        # Sunday 28 June 23:30 UTC is Monday 29 June 00:30 in London (BST); 30 June 23:30 UTC is 1 July in London.
        add_request(s, ref, "RFS-2026-000201", received_at=at(28, 23, month=6, minute=30), level=2, route="x")
        add_request(s, ref, "RFS-2026-000202", received_at=at(30, 23, month=6, minute=30), level=2, route="x")
        add_request(s, ref, "RFS-2026-000203", received_at=at(28, 22, month=6, minute=30), level=2, route="x")
    with db.reading() as s:
        period = Period(date(2026, 6, 22), date(2026, 7, 5))
        weeks = queries.breakdowns(s, period).per_week
        months = queries.breakdowns(s, period).per_month
    db.dispose()
    assert [(c.key, c.requests) for c in weeks] == [(date(2026, 6, 22), 1), (date(2026, 6, 29), 2)]
    assert [(c.key, c.requests) for c in months] == [(date(2026, 6, 1), 2), (date(2026, 7, 1), 1)]


def test_by_agency_organisation_and_route(session: Session) -> None:
    agencies = queries.breakdowns(session, PERIOD).agencies
    assert [(c.key, c.requests) for c in agencies] == [("school", 3), ("police", 2), ("gp", 1)]
    organisations = queries.breakdowns(session, PERIOD).organisations
    assert [(c.key, c.requests) for c in organisations] == [
        ("Testhill Primary", 2),
        ("Testshire Police", 2),
        ("Testbridge Academy", 1),
        ("Testford Surgery", 1),
    ]
    assert len(queries.breakdowns(session, PERIOD, organisation_limit=3).organisations) == 3
    routes = queries.breakdowns(session, PERIOD).routes
    assert [(c.key, c.requests) for c in routes] == [
        ("early_help_intensive", 2),
        ("early_help_universal_plus", 1),
        ("hub_child_in_need", 1),
        ("hub_child_protection", 1),
        ("universal_signpost", 1),
    ]


def test_by_level_with_override_rate(session: Session) -> None:
    rows = queries.breakdowns(session, PERIOD).levels
    # level 3: r3 (hub said 4) and r4 (hub said 2) both overridden; level 4: r2 decided as 4, r6 undecided.
    assert [(r.level, r.requests, r.decided, r.overridden) for r in rows] == [
        (1, 1, 0, 0),
        (2, 1, 1, 0),
        (3, 2, 2, 2),
        (4, 2, 1, 0),
    ]
    assert [r.override_rate for r in rows] == [None, 0.0, 1.0, 0.0]


def test_by_hub_outcome(session: Session) -> None:
    outcomes = queries.breakdowns(session, PERIOD).outcomes
    assert [(c.key, c.requests) for c in outcomes] == [("early_help_universal_plus", 2), (S17, 1), (S47, 1), (None, 2)]


def test_timeliness_and_time_to_decision(session: Session) -> None:
    t = queries.overview(session, PERIOD).timeliness
    # Decided: r1 (4h, on time), r2 (2h, on time), r3 (48h, late), r4 (10h, on time); r5 and r6 waiting.
    assert (t.received, t.decided, t.on_time, t.late) == (6, 4, 3, 1)
    assert t.on_time_share == 0.75
    d = t.distribution
    assert (d.counted, d.waiting) == (4, 2)
    assert [c.requests for c in d.buckets] == [1, 1, 1, 0, 1, 0, 0]
    assert [c.key for c in d.buckets] == list(figures.HOUR_BUCKETS)
    assert d.median_hours == pytest.approx(7.0)  # (4 + 10) / 2


def test_time_to_feedback(session: Session) -> None:
    d = queries.overview(session, PERIOD).feedback
    # r1 5h, r2 3h, r4 24h (exactly a day: the "1 to 2 days" bucket); the other three have had no feedback yet.
    assert (d.counted, d.waiting) == (3, 3)
    assert [c.requests for c in d.buckets] == [1, 1, 0, 1, 0, 0, 0]
    assert d.median_hours == pytest.approx(5.0)


def test_repeat_requests_and_list(session: Session) -> None:
    repeats = queries.overview(session, PERIOD).repeats
    # r3 (same name and birthday as r1) and r4 (same postcode and birthday as r0 in January).
    # r5's child was last referred 14 months earlier; r6 has no date of birth; r1 and r2 are first requests.
    assert (repeats.requests, repeats.repeats) == (6, 2)
    assert repeats.share == pytest.approx(1 / 3)
    rows = queries.repeat_list(session, PERIOD)
    assert [(r.reference, r.previous_reference) for r in rows] == [
        ("RFS-2026-000104", "RFS-2026-000010"),
        ("RFS-2026-000103", "RFS-2026-000101"),
    ]
    assert rows[0].previous_received_at == at(10, 10, month=1)
    assert rows[1].received_at == at(9, 10)
    assert [r.reference for r in queries.repeat_list(session, PERIOD, limit=1)] == ["RFS-2026-000104"]


def test_repeat_window_is_twelve_months(database_url: str) -> None:
    db = Database(database_url)
    child = {"child_name_key": "sam testchild", "child_dob": date(2015, 1, 1), "child_postcode": "FY1 1AA"}
    with db.transaction() as s:
        ref = make_referrer(s)
        add_request(s, ref, "RFS-2025-000301", received_at=at(10, 9, month=11, year=2025), level=2, route="x", **child)
        add_request(s, ref, "RFS-2026-000302", received_at=at(10, 11, month=11), level=2, route="x", **child)
        add_request(s, ref, "RFS-2026-000303", received_at=at(9, 11, month=11, year=2027), level=2, route="x", **child)
    with db.reading() as s:
        # 12 months and 2 hours after the first: not a repeat. 364 days after the second: a repeat.
        assert queries.overview(s, Period(date(2026, 11, 1), date(2026, 11, 30))).repeats.repeats == 0
        assert queries.overview(s, Period(date(2027, 11, 1), date(2027, 11, 30))).repeats.repeats == 1
    db.dispose()


def test_rate_per_10k_children() -> None:
    rate = figures.Rate(6, child_population=30_000, days=PERIOD.days)
    assert rate.per_10k == pytest.approx(2.0)
    assert rate.per_10k_a_year == pytest.approx(2.0 * 365 / 28)
    assert figures.Rate(6, child_population=0, days=28).per_10k is None


def test_statutory_assessments(session: Session) -> None:
    s = queries.overview(session, PERIOD).statutory
    assert (s.received, s.decided, s.total) == (6, 4, 2)
    assert [(c.key, c.requests) for c in s.by_outcome] == [(S17, 1), (S47, 1)]
    assert s.share_of_received == pytest.approx(1 / 3)
    assert s.share_of_decided == 0.5


def test_filters_narrow_every_figure(session: Session) -> None:
    school = Filters(agency="school")
    assert [c.requests for c in queries.breakdowns(session, PERIOD, school).per_week] == [1, 1, 0, 1]
    # r3 is still a repeat: the earlier request about the child may have come from anyone.
    assert queries.overview(session, PERIOD, school).repeats.repeats == 1
    assert queries.overview(session, PERIOD, school).timeliness.on_time == 1
    police = Filters(organisation="Testshire Police")
    assert sum(c.requests for c in queries.breakdowns(session, PERIOD, police).per_week) == 2
    assert [(c.key, c.requests) for c in queries.breakdowns(session, PERIOD, police).outcomes] == [(S47, 1), (None, 1)]
    both = Filters(agency="school", organisation="Testshire Police")
    assert queries.overview(session, PERIOD, both).repeats.requests == 0


def test_weekly_figures(session: Session) -> None:
    first = queries.weekly_figures(session, date(2026, 11, 2), date(2026, 11, 8))
    assert (first.received, first.decisions_made, first.decided_on_time, first.repeats) == (2, 2, 2, 0)
    assert (first.statutory, first.feedback_sent, first.overdue) == (1, 2, 0)
    assert first.by_level == {2: 1, 4: 1}
    assert first.by_route == {"early_help_universal_plus": 1, "hub_child_protection": 1}
    second = queries.weekly_figures(session, date(2026, 11, 9), date(2026, 11, 15))
    assert (second.received, second.decisions_made, second.decided_on_time, second.repeats) == (1, 1, 0, 1)
    assert second.on_time_share == 0.0 and second.repeat_share == 1.0
    payload = second.as_payload()
    assert payload["start"] == "2026-11-09" and payload["statutory_assessments"] == 1
    assert payload["decided_within_deadline_percent"] == 0 and payload["repeat_percent"] == 100.0
    assert payload["by_level"] == {"3": 1}
    # Decisions are counted in the week they were made: r4 came in and was decided on 18 November.
    third = queries.weekly_figures(session, date(2026, 11, 16), date(2026, 11, 22))
    assert (third.received, third.decisions_made) == (1, 1)
    # r5 (due 24 Nov) and r6 (due 30 Nov) are undecided: one is overdue by the end of the last week, both after.
    assert queries.weekly_figures(session, date(2026, 11, 23), date(2026, 11, 29)).overdue == 1
    assert queries.weekly_figures(session, date(2026, 11, 30), date(2026, 12, 6)).overdue == 2
    assert (
        queries.weekly_figures(session, date(2026, 11, 23), date(2026, 11, 29), Filters(agency="police")).overdue == 0
    )


def test_empty_period_gives_noughts_not_errors(session: Session) -> None:
    empty = Period(date(2020, 1, 6), date(2020, 1, 12))
    assert [c.requests for c in queries.breakdowns(session, empty).per_week] == [0]
    t = queries.overview(session, empty).timeliness
    assert t.on_time_share is None and t.distribution.median_hours is None
    assert queries.overview(session, empty).repeats.share is None
    assert queries.overview(session, empty).statutory.share_of_decided is None
    assert [r.override_rate for r in queries.breakdowns(session, empty).levels] == [None] * 4


def test_the_breakdowns_and_the_overview_agree_on_what_they_both_count(session: Session) -> None:
    # On PostgreSQL the breakdowns are one GROUPING SETS query and the overview another single pass.
    for filters in (Filters(), Filters(agency="school"), Filters(organisation="Testshire Police")):
        b, o = queries.breakdowns(session, PERIOD, filters), queries.overview(session, PERIOD, filters)
        received = sum(c.requests for c in b.per_week)
        assert received == sum(c.requests for c in b.per_month) == sum(c.requests for c in b.agencies)
        assert received == o.timeliness.received == o.repeats.requests == o.statutory.received
        assert sum(r.decided for r in b.levels) == o.statutory.decided == o.timeliness.decided
        assert sum(c.requests for c in b.outcomes if c.key is not None) == o.statutory.decided
    empty = queries.breakdowns(session, Period(date(2020, 1, 6), date(2020, 1, 12)))
    assert [c.requests for c in empty.per_week] == [0] and empty.agencies == []


def test_the_weekly_summary_to_managers_carries_the_headline_figures(session: Session) -> None:
    from hub.follow_ups import weekly_figures as weekly_summary_payload

    payload = weekly_summary_payload(session, at(9, 0), at(16, 0))
    assert payload["start"] == "2026-11-09T00:00:00+00:00"
    assert (payload["received"], payload["repeats"], payload["statutory_assessments"]) == (1, 1, 1)
    assert payload["decided_within_deadline_percent"] == 0
