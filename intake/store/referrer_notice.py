"""Messages waiting for a browser-chat referrer: the browser has no push channel, so the outbox's webchat
notifier stores them here and the chat page shows them the next time that person comes back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from intake.store.database import Base, UtcDateTime
from intake.store.referrer import Referrer


class ReferrerNotice(Base):
    __tablename__ = "referrer_notices"
    __table_args__ = (Index("ix_referrer_notices_referrer_read", "referrer_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("referrers.id"))
    # One notice per outbox message: a redelivery after a crash finds it already stored.
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


def notices_for(session: Session, channel: str, channel_user_id: str, limit: int = 20) -> list[ReferrerNotice]:
    """The newest notices for one chat identity, unread first."""
    return list(
        session.scalars(
            select(ReferrerNotice)
            .join(Referrer, Referrer.id == ReferrerNotice.referrer_id)
            .where(Referrer.channel == channel, Referrer.channel_user_id == channel_user_id)
            .order_by(ReferrerNotice.read_at.is_not(None), ReferrerNotice.created_at.desc(), ReferrerNotice.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, notice_ids: list[int], now: datetime) -> None:
    if notice_ids:
        session.execute(
            update(ReferrerNotice)
            .where(ReferrerNotice.id.in_(notice_ids), ReferrerNotice.read_at.is_(None))
            .values(read_at=now)
        )
