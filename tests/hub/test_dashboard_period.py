"""Choosing the dashboard's period: presets, typed dates, and bad input answered with a message."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.dashboard.period import Filters, Period, choose, last_week, preset

TODAY = date(2026, 11, 24)  # a Tuesday


def test_presets() -> None:
    assert preset("last_4_weeks", TODAY) == Period(date(2026, 10, 28), TODAY)
    assert preset("this_month", TODAY) == Period(date(2026, 11, 1), TODAY)
    assert preset("last_quarter", TODAY) == Period(date(2026, 7, 1), date(2026, 9, 30))
    assert preset("last_quarter", date(2026, 2, 10)) == Period(date(2025, 10, 1), date(2025, 12, 31))
    assert last_week(TODAY) == Period(date(2026, 11, 16), date(2026, 11, 22))


def test_bounds_are_london_days_in_utc() -> None:
    summer = Period(date(2026, 7, 1), date(2026, 7, 31))
    assert summer.bounds() == (datetime(2026, 6, 30, 23, tzinfo=UTC), datetime(2026, 7, 31, 23, tzinfo=UTC))
    assert Period(date(2026, 11, 2), date(2026, 11, 8)).days == 7
    assert Period(date(2026, 11, 4), date(2026, 11, 17)).weeks() == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
    ]
    assert Period(date(2026, 11, 30), date(2027, 1, 1)).months() == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


def test_choose_reads_dates_presets_and_filters() -> None:
    c = choose({"from": "2026-11-02", "to": "2026-11-08", "agency": "police"}, TODAY)
    assert c.period == Period(date(2026, 11, 2), date(2026, 11, 8)) and c.filters == Filters("police", None)
    assert not c.errors and c.preset is None
    assert choose({"preset": "this_month", "organisation": " Testhill Primary "}, TODAY).filters == Filters(
        None, "Testhill Primary"
    )
    assert choose({}, TODAY).period == preset("last_4_weeks", TODAY)
    assert choose({"from": "2026-11-02"}, TODAY).period == Period(date(2026, 11, 2), TODAY)


def test_bad_dates_give_a_message_and_the_default() -> None:
    for args, words in (
        ({"from": "yesterday", "to": "2026-11-08"}, "start date must be a date"),
        ({"from": "2026-11-09", "to": "2026-11-08"}, "on or before the end date"),
        ({"to": "2026-11-08"}, "Enter a start date"),
        ({"from": "2000-01-01", "to": "2026-11-08"}, "five years or less"),
        ({"from": "2026-02-30", "to": "2026-03-08"}, "start date must be a date"),
    ):
        c = choose(args, TODAY)
        assert c.period == preset("last_4_weeks", TODAY)
        assert any(words in e for e in c.errors), (args, c.errors)
