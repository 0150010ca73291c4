"""Follow-ups as hub staff see them: the request page's upcoming and past follow-ups, and the operators' list
(`earlyhelp followups list`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.follow_ups.kinds import AFTER_DECISION, LABELS
from intake.store.follow_up import OPEN, READY, WAITING, FollowUp
from intake.store.support_request import SupportRequest


@dataclass(frozen=True)
class FollowUpView:
    id: int
    kind: str
    label: str
    status: str
    due_at: datetime
    outcome: str | None
    reason: str | None
    changed_by: str | None
    last_error: str | None
    attempts: int
    can_change: bool
    # A to-do for a person (phone the referrer): open until someone marks it done.
    can_mark_done: bool = False


def follow_ups_for(session: Session, request_id: int) -> tuple[list[FollowUpView], list[FollowUpView]]:
    """(upcoming, past) follow-ups of one request: upcoming soonest first, past most recent first."""
    rows = session.scalars(
        select(FollowUp).where(FollowUp.request_id == request_id).order_by(FollowUp.due_at, FollowUp.id)
    ).all()
    views = [
        FollowUpView(
            f.id,
            f.kind,
            LABELS.get(f.kind, f.kind.replace("_", " ")),
            f.status,
            f.due_at,
            f.outcome,
            f.reason,
            f.changed_by,
            f.last_error,
            f.attempts,
            f.status in READY,
            f.status == WAITING,
        )
        for f in rows
        if f.kind != AFTER_DECISION
    ]
    upcoming = [v for v in views if v.status in OPEN]
    past = sorted((v for v in views if v.status not in OPEN), key=lambda v: v.due_at, reverse=True)
    return upcoming, past


def list_follow_ups(
    session: Session, *, statuses: Sequence[str] | None = None, request_id: int | None = None, limit: int = 50
) -> list[tuple[FollowUp, str | None]]:
    """Follow-ups with their request's reference, soonest first (for operators' `earlyhelp followups list`)."""
    query = (
        select(FollowUp, SupportRequest.reference)
        .outerjoin(SupportRequest, SupportRequest.id == FollowUp.request_id)
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(limit)
    )
    if statuses:
        query = query.where(FollowUp.status.in_(list(statuses)))
    if request_id is not None:
        query = query.where(FollowUp.request_id == request_id)
    return [(f, ref) for f, ref in session.execute(query).all()]
