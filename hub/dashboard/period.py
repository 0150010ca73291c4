"""The period and filters a manager chooses: dates are London calendar days, turned into UTC instants for queries.

Pure: `today` is passed in, so the presets (last 4 weeks, this month, last quarter) are testable without a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from intake.working_day import LONDON

# Longest period the page draws: a weekly series over this many days is still a readable chart.
MAX_DAYS = 366 * 5
# Dates outside these are refused with a message (and a 400): nothing here is older, and date arithmetic near year 1
# or 9999 overflows.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


@dataclass(frozen=True)
class Period:
    """From `start` to `end` inclusive, as London calendar days."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """[first instant, first instant after] in UTC, so a request at 23:30 BST lands on the right day."""
        first = datetime.combine(self.start, time(0), LONDON).astimezone(UTC)
        after = datetime.combine(self.end + timedelta(days=1), time(0), LONDON).astimezone(UTC)
        return first, after

    def day_starts(self) -> list[datetime]:
        """The UTC instant each London day of the period begins: bucket edges, so the database compares times
        instead of converting every row to London time (which costs more than the rest of the query)."""
        return [
            datetime.combine(self.start + timedelta(days=i), time(0), LONDON).astimezone(UTC) for i in range(self.days)
        ]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def weeks(self) -> list[date]:
        """The Monday of every week the period touches."""
        monday = self.start - timedelta(days=self.start.weekday())
        weeks = []
        while monday <= self.end:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks

    def months(self) -> list[date]:
        month = self.start.replace(day=1)
        months = []
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months

    def label(self) -> str:
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


@dataclass(frozen=True)
class Filters:
    """Optional narrowing to one referring agency and/or organisation (exact match)."""

    agency: str | None = None
    organisation: str | None = None

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in (("agency", self.agency), ("organisation", self.organisation)) if v}


EVERYONE = Filters()


PRESETS = {
    "last_4_weeks": "Last 4 weeks",
    "this_month": "This month",
    "last_quarter": "Last quarter",
}


def preset(name: str, today: date) -> Period:
    if name == "this_month":
        return Period(today.replace(day=1), today)
    if name == "last_quarter":
        # The last complete calendar quarter, as councils report them (Jul-Sep when asked in November).
        this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = this_quarter - timedelta(days=1)
        return Period(date(end.year, end.month - 2, 1), end)
    return Period(today - timedelta(days=27), today)


def last_week(today: date) -> Period:
    """The last complete Monday-to-Sunday week: what the weekly report covers by default."""
    monday = today - timedelta(days=today.weekday() + 7)
    return Period(monday, monday + timedelta(days=6))


@dataclass(frozen=True)
class Choice:
    period: Period
    filters: Filters
    preset: str | None
    errors: tuple[str, ...] = ()


def _parse_date(raw: str, what: str, errors: list[str]) -> date | None:
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        errors.append(f"The {what} date must be a date like 2026-11-02. Enter it again.")
        return None
    if not EARLIEST <= day <= LATEST:
        errors.append(f"The {what} date must be between {EARLIEST.year} and {LATEST.year}. Enter it again.")
        return None
    return day


def choose(args: Mapping[str, str], today: date) -> Choice:
    """Read the period chooser's query string. Bad input gives a message and the default period, never an error."""
    errors: list[str] = []
    agency = (args.get("agency") or "").strip()[:50] or None
    organisation = (args.get("organisation") or "").strip()[:200] or None
    filters = Filters(agency, organisation)
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    name = args.get("preset") or ""
    if name in PRESETS and not (raw_from or raw_to):
        return Choice(preset(name, today), filters, name)
    if raw_from or raw_to:
        start = _parse_date(raw_from, "start", errors) if raw_from else None
        end = _parse_date(raw_to, "end", errors) if raw_to else today
        if not raw_from:
            errors.append("Enter a start date as well as an end date.")
        elif start is None or end is None:
            pass  # the message is already there
        elif start > end:
            errors.append("The start date must be on or before the end date. Enter the dates again.")
        elif (end - start).days + 1 > MAX_DAYS:
            errors.append("Choose a period of five years or less.")
        else:
            return Choice(Period(start, end), filters, None)
    return Choice(preset("last_4_weeks", today), filters, "last_4_weeks", tuple(errors))
