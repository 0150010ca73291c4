"""The child's age, worked out from the answers: whole years for the questions that depend on it, and years with
a fraction for the routing rules, which weigh babies in months. Calendar arithmetic is dateutil's.

Place in the flow: the plan (which questions apply), the request facts and the request schema all ask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta


def whole_years(born: date, today: date) -> int:
    """Completed years between two dates (negative when `born` is after `today`)."""
    return relativedelta(today, born).years


def years_with_fraction(born: date, today: date) -> float:
    """Completed years plus the share of the current year of life already lived, to three places."""
    years = max(0, whole_years(born, today))
    last = born + relativedelta(years=years)  # a 29 February birthday falls on 28 February in other years
    following = born + relativedelta(years=years + 1)
    fraction = (today - last).days / max(1, (following - last).days)
    return round(years + min(max(fraction, 0.0), 0.999), 3)


def child_age(unborn: Any, born: Any, estimate: Any, today: date) -> int | None:
    """Whole years, from the date of birth or else the estimate; None for an unborn baby or when unknown."""
    if unborn:
        return None
    if born:
        return max(0, whole_years(date.fromisoformat(born), today))
    return int(estimate) if isinstance(estimate, int | float) and not isinstance(estimate, bool) else None


def child_age_years(unborn: Any, born: Any, estimate: Any, today: date) -> float | None:
    """Years with the fraction since the last birthday when the date of birth is known; else the whole estimate."""
    if unborn:
        return None
    if born:
        return years_with_fraction(date.fromisoformat(born), today)
    whole = child_age(unborn, born, estimate, today)
    return None if whole is None else float(whole)


def age_of(answers: Mapping[str, Any], keys: tuple[str, str, str], today: date) -> int | None:
    """`child_age` over answers, given the ids of the unborn, date of birth and age estimate questions."""
    unborn, born, estimate = keys
    return child_age(answers.get(unborn), answers.get(born), answers.get(estimate), today)
