"""A conversation in progress: saved after every answer, so a crash or a closed tab loses nothing."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.store.database import Base, UtcDateTime

OPEN = "open"
SUBMITTED = "submitted"
CANCELLED = "cancelled"
ABANDONED = "abandoned"


class Draft(Base):
    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_identity_status", "channel", "channel_user_id", "status"),)

    # A random id: it is also the browser chat's conversation id, so it must not be guessable.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(200))
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("referrers.id"))
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    step: Mapped[str | None] = mapped_column(String(80))
    # The conversation state (answers, history) as the pure engine returns it.
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Optimistic concurrency: a retried or doubled message cannot overwrite a newer answer.
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    __mapper_args__ = {"version_id_col": version}


def conversation_tag(draft_id: str) -> str:
    """A short tag that follows one conversation through the logs and audit events without being its id: the id is
    the key to the draft's answers, and a hash cannot be turned back into it."""
    return hashlib.sha256(draft_id.encode()).hexdigest()[:12]
