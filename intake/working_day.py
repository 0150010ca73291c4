"""Working days and hub hours for England: every deadline the service promises is computed here.

Pure functions over an aware `now`; times are stored in UTC and business rules are applied in Europe/London, so a
deadline is right across the clock changes. Bank holidays come from the `holidays` package (England & Wales,
including one-off days such as coronations).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")

# weekday (0 = Monday) -> ("09:00", "17:00"); a missing day is closed.
HubHours = Mapping[int, tuple[str, str]]

DEFAULT_HUB_HOURS: dict[int, tuple[str, str]] = {
    0: ("09:00", "17:00"),
    1: ("09:00", "17:00"),
    2: ("09:00", "17:00"),
    3: ("09:00", "17:00"),
    4: ("09:00", "16:30"),
}


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date, hours: HubHours = DEFAULT_HUB_HOURS) -> bool:
    return day.weekday() in hours and not is_bank_holiday(day)


def _clock(value: str) -> time:
    hh, mm = value.split(":")
    return time(int(hh), int(mm))


def _opening(day: date, hours: HubHours) -> tuple[datetime, datetime]:
    open_, close = hours[day.weekday()]
    return (datetime.combine(day, _clock(open_), LONDON), datetime.combine(day, _clock(close), LONDON))


def next_working_day(day: date, hours: HubHours = DEFAULT_HUB_HOURS) -> date:
    day += timedelta(days=1)
    while not is_working_day(day, hours):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, n: int, hours: HubHours = DEFAULT_HUB_HOURS) -> date:
    for _ in range(n):
        day = next_working_day(day, hours)
    return day


def hub_is_open(now: datetime, hours: HubHours = DEFAULT_HUB_HOURS) -> bool:
    local = now.astimezone(LONDON)
    if not is_working_day(local.date(), hours):
        return False
    opens, closes = _opening(local.date(), hours)
    return opens <= local < closes


def next_opening(now: datetime, hours: HubHours = DEFAULT_HUB_HOURS) -> datetime:
    """The moment the hub's clock starts for something received at `now` (now itself when open)."""
    local = now.astimezone(LONDON)
    day = local.date()
    if is_working_day(day, hours):
        opens, closes = _opening(day, hours)
        if local < opens:
            return opens.astimezone(UTC)
        if local < closes:
            return now.astimezone(UTC)
    opens, _ = _opening(next_working_day(day, hours), hours)
    return opens.astimezone(UTC)


def working_deadline(received: datetime, working_days: int, hours: HubHours = DEFAULT_HUB_HOURS) -> datetime:
    """`working_days` hub days after the clock starts, at the same time of day, but never after that day's close.

    Received Monday 10:00 with 1 working day -> Tuesday 10:00; Thursday 16:50 -> Friday 16:30 (Friday closes
    earlier); Saturday -> Tuesday 09:00 (the clock starts at Monday's opening).
    """
    start = next_opening(received, hours).astimezone(LONDON)
    day = add_working_days(start.date(), working_days, hours)
    opens, closes = _opening(day, hours)
    due = datetime.combine(day, start.time(), LONDON)
    due = min(max(due, opens), closes)
    return due.astimezone(UTC)


def opening_on_or_after(day: date, hours: HubHours = DEFAULT_HUB_HOURS) -> datetime:
    """The hub's opening moment on `day`, or on the next working day when `day` is not one (e.g. a review due
    on Easter Monday is raised on the Tuesday at opening)."""
    if not is_working_day(day, hours):
        day = next_working_day(day, hours)
    return _opening(day, hours)[0].astimezone(UTC)


def week_start(now: datetime) -> datetime:
    """Monday 00:00 (London) of the week containing `now`, in UTC."""
    local = now.astimezone(LONDON).date()
    monday = local - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0, 0), LONDON).astimezone(UTC)
