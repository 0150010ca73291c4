"""The append-only audit log: who did what to which request, chained by hash so that tampering shows.

Each event's hash covers its content and the previous event's hash. Appends are serialised (an advisory lock on
PostgreSQL; SQLite allows one writer anyway) so the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from intake.store.database import Base, UtcDateTime

GENESIS = "0" * 64
_AUDIT_LOCK_KEY = 0x45484155  # "EHAU": one advisory lock id for the audit chain


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("support_requests.id"), index=True)
    # Structured detail only; never free-text concern details.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


def _digest(prev_hash: str, at: datetime, actor: str, action: str, request_id: int | None, detail: dict) -> str:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = json.dumps([prev_hash, stamp, actor, action, request_id, detail], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    request_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY})
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    detail = detail or {}
    event = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        request_id=request_id,
        detail=detail,
        prev_hash=prev,
        hash=_digest(prev, at, actor, action, request_id, detail),
    )
    session.add(event)
    session.flush()
    return event


def verify_chain(events: Iterable[AuditEvent]) -> int | None:
    """Return the id of the first event that does not fit the chain, or None when it is intact."""
    prev = GENESIS
    for e in events:
        if e.prev_hash != prev or e.hash != _digest(prev, e.at, e.actor, e.action, e.request_id, e.detail):
            return e.id
        prev = e.hash
    return None
