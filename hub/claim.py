"""Claiming due rows so that two sweepers (two clock processes, or a clock and an operator's `run-due`) never both
work on the same row: the shared step of the outbox sweep and the follow-up sweep.

One conditional UPDATE claims: `status -> running, attempts + 1, claimed_at = now` for due pending rows, returning
the ids it changed. On PostgreSQL the candidate rows are picked with `FOR UPDATE SKIP LOCKED`, so concurrent
sweepers take different rows instead of queueing; on SQLite the statement runs under the database's single write
lock. Either way the `status = 'pending'` test in the UPDATE itself is what makes a claim exclusive.

A row claimed by a process that then died stays `running`; `recover_stuck` puts it back after a grace period.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

PENDING = "pending"
FAILED = "failed"


def claim_due(
    session: Session, model: Any, now: datetime, limit: int, running: str, ready: tuple[str, ...] = (PENDING,)
) -> list[int]:
    """Claim up to `limit` due rows of `model` (status, due_at, claimed_at, attempts columns) whose status is one of
    `ready`, and return their ids."""
    # One status compares with "=", so the (status, due_at) index yields rows already in due order: no sort, even
    # with a million rows due after an outage.
    status_ready = model.status == ready[0] if len(ready) == 1 else model.status.in_(ready)
    candidates = select(model.id).where(status_ready, model.due_at <= now).order_by(model.due_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(model)
        .where(model.id.in_(candidates), status_ready)
        .values(status=running, claimed_at=now, attempts=model.attempts + 1)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed)


def claim_ids(session: Session, model: Any, ids: list[int], now: datetime, running: str) -> list[int]:
    """Claim these rows if they are still pending and due (another sweeper may have taken them already)."""
    if not ids:
        return []
    claimed = session.scalars(
        update(model)
        .where(model.id.in_(ids), model.status == PENDING, model.due_at <= now)
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


def finish_many(
    session: Session, model: Any, outcomes: list[tuple[int, dict[str, Any]]], claimed: datetime, running: str
) -> set[int]:
    """`finish` for a group of rows claimed together (same `claimed` stamp), in a few statements instead of one per
    row: the rows still ours are locked and selected, then updated by executemany. Returns the ids recorded."""
    if not outcomes:
        return set()
    ours = select(model.id).where(
        model.id.in_([row_id for row_id, _ in outcomes]), model.status == running, model.claimed_at == claimed
    )
    if session.get_bind().dialect.name == "postgresql":
        ours = ours.with_for_update()
    owned = set(session.scalars(ours))
    table = model.__table__
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row_id, values in outcomes:
        if row_id in owned:
            groups[tuple(sorted(values))].append({"row_id": row_id, **{f"v_{k}": v for k, v in values.items()}})
    for names, params in groups.items():
        statement = (
            table.update()
            .where(table.c.id == bindparam("row_id"), table.c.status == running, table.c.claimed_at == claimed)
            .values({name: bindparam(f"v_{name}", type_=table.c[name].type) for name in names})
        )
        session.connection().execute(statement, params)
    return owned


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
