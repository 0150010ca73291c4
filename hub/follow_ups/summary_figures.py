"""The Monday summary's headline figures as words, one list every channel shows (mail in hub/mail/messages.py,
Slack and Teams in hub/notifiers/), from the payload hub/follow_ups/weekly_summary.py queues. Counts only: no
request or child is ever named.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

WEEKLY_REPORT_PATH = "/hub/dashboard/weekly"


def period(payload: Mapping[str, Any]) -> str:
    """'16 November to 22 November 2026', or 'last week' when the payload has no days."""
    try:
        first = date.fromisoformat(str(payload.get("first_day")))
        last = date.fromisoformat(str(payload.get("last_day")))
    except ValueError:
        return "last week"
    return f"{first.strftime('%d %B')} to {last.strftime('%d %B %Y')}"


def headline_rows(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) for each headline figure, in the order every channel shows them."""
    share = payload.get("decided_within_deadline_percent")
    repeat = payload.get("repeat_percent")
    return [
        ("Requests received", str(payload.get("received", 0))),
        (
            "Decided within one working day",
            f"{payload.get('decided_within_deadline', 0)} of {payload.get('decided', 0)} decided"
            + (f" ({share}%)" if share is not None else ""),
        ),
        ("Decisions made in the week", str(payload.get("decisions_made", 0))),
        ("Waiting past their deadline at the end of the week", str(payload.get("overdue", 0))),
        ("Repeat requests within 12 months", f"{payload.get('repeats', 0)}" + (f" ({repeat}%)" if repeat else "")),
        ("Led to a statutory assessment", str(payload.get("statutory_assessments", 0))),
        ("Referrers told the outcome", str(payload.get("feedback_sent", 0))),
    ]


def by_level(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(f"Level {k}", str(v)) for k, v in (payload.get("by_level") or {}).items()]


def by_route(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in (payload.get("by_route_labels") or payload.get("by_route") or {}).items()]
