"""Follow-ups: promises the service keeps later (a reminder at the decision deadline, a check-in six weeks after an
early-help decision, ...), each a row with a due time that the clock's sweep (hub/follow_ups/) claims and acts on.

Rows, not scheduler jobs, so they survive restarts and can be shown, snoozed and cancelled by hub staff. Acting on
one only ever adds outbox rows; the outbox sweep delivers them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.store.database import Base, UtcDateTime

PENDING = "pending"
RUNNING = "running"
DONE = "done"
SNOOZED = "snoozed"
CANCELLED = "cancelled"
FAILED = "failed"
# A to-do for a person, never swept: open until someone marks it done ("phone the referrer").
WAITING = "waiting"
STATUSES = (PENDING, RUNNING, DONE, SNOOZED, CANCELLED, FAILED, WAITING)
# Statuses the sweep picks up when due (a snoozed row is due again at the time it was snoozed until).
READY = (PENDING, SNOOZED)
OPEN = (PENDING, SNOOZED, RUNNING, WAITING)


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("support_requests.id"), index=True)
    # Draft follow-ups (reminders) name the draft without a foreign key: abandoned drafts are deleted later.
    draft_id: Mapped[str | None] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # One row per promise: scheduling the same follow-up twice finds the first.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # What happened when it fired ("sent", "request already decided", ...): a short code, never case detail.
    outcome: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(200))
    # Why a person snoozed or cancelled it, and who. Stays on this row; the audit event records only the facts.
    reason: Mapped[str | None] = mapped_column(String(500))
    changed_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} {self.kind} {self.status} due {self.due_at}>"
