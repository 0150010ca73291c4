"""Messages the outbox gave up on, for hub managers (hub/failed_messages.py is the page): list them, send one
again, or stop one that has not gone. Each change is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.store import audit
from intake.store.outbox import CANCELLED, FAILED, PENDING, OutboxMessage


def failed_messages(session: Session, limit: int = 100) -> list[OutboxMessage]:
    """Messages the service gave up on, newest first: shown to hub managers so someone tells the person by hand."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == FAILED)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def retry_failed(session: Session, message_id: int, actor: str, now: datetime) -> bool:
    """A manager sends a failed message again (e.g. after fixing the Slack channel). Attempts start again."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status != FAILED:
        return False
    message.status, message.attempts, message.due_at, message.claimed_at = PENDING, 0, now, None
    audit.record(
        session,
        at=now,
        actor=actor,
        action="outbox.retried",
        request_id=message.request_id,
        detail={"message_id": message.id, "kind": message.kind, "channel": message.channel},
    )
    return True


def cancel_message(session: Session, message_id: int, actor: str, now: datetime) -> bool:
    """Stop a message that has not gone yet (pending or failed)."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status not in (PENDING, FAILED):
        return False
    message.status = CANCELLED
    audit.record(
        session,
        at=now,
        actor=actor,
        action="outbox.cancelled",
        request_id=message.request_id,
        detail={"message_id": message.id, "kind": message.kind, "channel": message.channel},
    )
    return True
