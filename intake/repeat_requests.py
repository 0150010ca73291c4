"""Repeat requests: is this request about a child who had another request in the 12 months before?

Place in the flow: a submit listener (`mark_repeat`, wired in create_app) runs inside the submission's transaction
and stores the most recent earlier request about the same child in `SupportRequest.repeat_of_id`. The managers'
dashboard then counts a column instead of searching history for every request in a period (a million rows stay
fast), and a past period's repeat rate does not change when retention later removes old requests' child details.

Same child means the same normalised name and date of birth, or the same postcode and date of birth (the two
indexes on support_requests). Unborn babies (no date of birth) are never matched.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from intake.store.support_request import SupportRequest

WINDOW_MONTHS = 12


def months_before(moment: datetime, months: int = WINDOW_MONTHS) -> datetime:
    """The same day and time `months` earlier (29 February falls back to the 28th)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def earlier_request_id(session: Session, request: SupportRequest) -> int | None:
    """The most recent other request about the same child received in the 12 months before this one."""
    if request.child_dob is None or (not request.child_name_key and not request.child_postcode):
        return None
    earlier = aliased(SupportRequest)
    same_child = []
    if request.child_name_key:
        same_child.append(earlier.child_name_key == request.child_name_key)
    if request.child_postcode:
        same_child.append(earlier.child_postcode == request.child_postcode)
    query = (
        select(earlier.id)
        .where(
            or_(*same_child),
            earlier.child_dob == request.child_dob,
            earlier.received_at < request.received_at,
            earlier.received_at >= months_before(request.received_at),
        )
        .order_by(earlier.received_at.desc(), earlier.id.desc())
        .limit(1)
    )
    if request.id is not None:
        query = query.where(earlier.id != request.id)
    return session.scalar(query)


def mark_repeat(session: Session, request: SupportRequest, now: datetime) -> None:
    """Submit listener: record the earlier request, if any, in the same transaction as the submission."""
    request.repeat_of_id = earlier_request_id(session, request)
