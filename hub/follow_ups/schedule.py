"""Adding a follow-up row, once: used by the plan at submission and decision, the draft and summary sweeps, and the
decision listener `note_decision` (intake.triage.on_decision) that hands a decided request to the sweep.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub.follow_ups.kinds import AFTER_DECISION
from intake.store.follow_up import DONE, PENDING, FollowUp
from intake.store.support_request import SupportRequest


def schedule(
    session: Session,
    request_id: int | None,
    kind: str,
    due_at: datetime,
    now: datetime,
    *,
    draft_id: str | None = None,
    dedupe_key: str | None = None,
    status: str = PENDING,
) -> FollowUp:
    """Add a follow-up unless the same one exists (by dedupe key); returns the row either way. Safe against a
    concurrent sweeper scheduling the same one (INSERT ... ON CONFLICT DO NOTHING on the unique key)."""
    key = dedupe_key or f"{kind}:{request_id}"
    existing = session.scalar(select(FollowUp).where(FollowUp.dedupe_key == key))
    if existing is not None:
        return existing
    session.flush()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(FollowUp)
        .values(
            request_id=request_id,
            draft_id=draft_id,
            kind=kind,
            dedupe_key=key,
            status=status,
            due_at=due_at,
            attempts=0,
            created_at=now,
            done_at=now if status == DONE else None,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    row = session.scalar(select(FollowUp).where(FollowUp.dedupe_key == key))
    assert row is not None
    return row


def recipient_key(recipient: dict[str, Any]) -> str:
    for key in ("channel", "conversation_id", "id", "log", "email"):
        if recipient.get(key):
            return str(recipient[key])[:80]
    return "default"


def note_decision(session: Session, request: SupportRequest, decision: object, now: datetime) -> None:
    """Decision listener (intake.triage.on_decision): mark the request for the sweep, which stops its triage
    follow-ups and schedules any check-ins with the app's own timescales. Needs no configuration, so one module-level
    function serves every app."""
    schedule(session, request.id, AFTER_DECISION, now, now)


def schedule_after_decision(session: Session, request: SupportRequest, now: datetime) -> None:
    """For a hub front end that records a decision without the triage listeners: the same as `note_decision`."""
    note_decision(session, request, None, now)
