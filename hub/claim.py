"""Claiming due rows so that two sweepers (two clock processes, or a clock and an operator's `run-due`) never both
work on the same row: the shared step of the outbox sweep and the follow-up sweep.

One conditional UPDATE claims: `status -> running, attempts + 1, claimed_at = now` for due pending rows, returning
the ids it changed. On PostgreSQL the candidate rows are picked with `FOR UPDATE SKIP LOCKED`, so concurrent
sweepers take different rows instead of queueing; on SQLite the statement runs under the database's single write
lock. Either way the `status = 'pending'` test in the UPDATE itself is what makes a claim exclusive.

A row claimed by a process that then died stays `running`; `recover_stuck` puts it back after a grace period.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

PENDING = "pending"
FAILED = "failed"


def claim_due(
    session: Session, model: Any, now: datetime, limit: int, running: str, ready: tuple[str, ...] = (PENDING,)
) -> list[int]:
    """Claim up to `limit` due rows of `model` (status, due_at, claimed_at, attempts columns) whose status is one of
    `ready`, and return their ids."""
    candidates = (
        select(model.id)
        .where(model.status.in_(ready), model.due_at <= now)
        .order_by(model.due_at, model.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(model)
        .where(model.id.in_(candidates), model.status.in_(ready))
        .values(status=running, claimed_at=now, attempts=model.attempts + 1)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed)


def finish(session: Session, model: Any, row_id: int, claimed: datetime, running: str, **values: Any) -> bool:
    """Record a claimed row's outcome, unless it was recovered and re-claimed meanwhile (the newer claim owns it)."""
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.status == running, model.claimed_at == claimed)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def recover_stuck(
    session: Session, model: Any, now: datetime, stuck_after: timedelta, running: str, max_attempts: int
) -> tuple[int, int]:
    """Rows left `running` longer than `stuck_after` (their process crashed mid-way) go back to pending, due now;
    those that have used every attempt fail instead, so a row that kills its sweeper cannot loop forever.
    Returns (recovered, failed)."""
    stale = (model.status == running, model.claimed_at < now - stuck_after)
    failed = session.execute(
        update(model)
        .where(*stale, model.attempts >= max_attempts)
        .values(status=FAILED, last_error="interrupted while running; no attempts left")
        .execution_options(synchronize_session=False)
    ).rowcount
    recovered = session.execute(
        update(model)
        .where(*stale)
        .values(status=PENDING, due_at=now, claimed_at=None, last_error="interrupted while running")
        .execution_options(synchronize_session=False)
    ).rowcount
    return recovered, failed
