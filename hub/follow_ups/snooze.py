"""Hub staff snooze or cancel a follow-up that has not happened yet, with a reason, or mark a to-do for a person
("phone the referrer") done; each change is audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from intake.store import audit
from intake.store.follow_up import CANCELLED, DONE, READY, SNOOZED, WAITING, FollowUp

MAX_REASON = 500


class FollowUpChangeError(ValueError):
    """The change cannot be made; the message says why, in words a hub worker can act on."""


def _changeable(session: Session, follow_up_id: int, reason: str) -> tuple[FollowUp, str]:
    row = session.get(FollowUp, follow_up_id)
    if row is None:
        raise FollowUpChangeError("There is no such follow-up. Reload the page.")
    if row.status not in READY:
        raise FollowUpChangeError("This follow-up has already happened or been stopped, so it cannot be changed.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise FollowUpChangeError("Give a reason, so colleagues know why.")
    if len(reason) > MAX_REASON:
        raise FollowUpChangeError(f"Keep the reason to {MAX_REASON} characters or fewer.")
    return row, reason


def snooze(session: Session, follow_up_id: int, until: datetime, reason: str, actor: str, now: datetime) -> FollowUp:
    row, reason = _changeable(session, follow_up_id, reason)
    if until.tzinfo is None:
        raise FollowUpChangeError("Give the time with its time zone.")
    if until <= now:
        raise FollowUpChangeError("Snooze it until a time in the future.")
    previous = row.due_at
    row.status, row.due_at, row.reason, row.changed_by = SNOOZED, until, reason, actor
    audit.record(
        session,
        at=now,
        actor=actor,
        action="follow_up.snoozed",
        request_id=row.request_id,
        detail={"follow_up_id": row.id, "kind": row.kind, "from": previous.isoformat(), "until": until.isoformat()},
    )
    return row


def cancel(session: Session, follow_up_id: int, reason: str, actor: str, now: datetime) -> FollowUp:
    row, reason = _changeable(session, follow_up_id, reason)
    row.status, row.reason, row.changed_by, row.done_at = CANCELLED, reason, actor, now
    row.outcome = "cancelled by hub staff"
    audit.record(
        session,
        at=now,
        actor=actor,
        action="follow_up.cancelled",
        request_id=row.request_id,
        detail={"follow_up_id": row.id, "kind": row.kind},
    )
    return row


def mark_done(session: Session, follow_up_id: int, note: str, actor: str, now: datetime) -> FollowUp:
    """A person did what a waiting follow-up asked (phoned the referrer). `note` is optional (what happened)."""
    row = session.get(FollowUp, follow_up_id)
    if row is None:
        raise FollowUpChangeError("There is no such follow-up. Reload the page.")
    if row.status != WAITING:
        raise FollowUpChangeError("This follow-up is not waiting for anyone, so it cannot be marked done.")
    note = " ".join((note or "").split())
    if len(note) > MAX_REASON:
        raise FollowUpChangeError(f"Keep the note to {MAX_REASON} characters or fewer.")
    row.status, row.done_at, row.changed_by = DONE, now, actor
    row.reason, row.outcome = note or None, "done by hub staff"
    audit.record(
        session,
        at=now,
        actor=actor,
        action="follow_up.done",
        request_id=row.request_id,
        detail={"follow_up_id": row.id, "kind": row.kind},
    )
    return row
