"""What a browser-chat referrer sees about their own requests when they come back: notices the outbox stored for
them (outcomes, "still being considered", check-ins) and the requests they raised with where each one is.

Reading the notices marks them read, so each is highlighted once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from intake.store.database import Database
from intake.store.referrer import Referrer
from intake.store.referrer_notice import ReferrerNotice, mark_read, notices_for
from intake.store.support_request import SupportRequest


@dataclass(frozen=True)
class Notice:
    kind: str
    reference: str | None
    created_at: datetime
    unread: bool
    outcome: str | None = None
    level: int | None = None


@dataclass(frozen=True)
class RaisedRequest:
    reference: str | None
    received_at: datetime
    status: str
    level: int
    hub_level: int | None
    hub_outcome: str | None


@dataclass(frozen=True)
class ReferrerUpdates:
    notices: tuple[Notice, ...] = ()
    requests: tuple[RaisedRequest, ...] = ()

    @property
    def unread(self) -> int:
        return sum(n.unread for n in self.notices)


def updates_for(db: Database, channel: str, channel_user_id: str, now: datetime, limit: int = 10) -> ReferrerUpdates:
    with db.transaction() as s:
        rows = notices_for(s, channel, channel_user_id, limit)
        notices = tuple(
            Notice(
                kind=n.kind,
                reference=n.reference,
                created_at=n.created_at,
                unread=n.read_at is None,
                outcome=n.payload.get("hub_outcome") or n.payload.get("outcome"),
                level=n.payload.get("hub_level") or n.payload.get("level"),
            )
            for n in rows
        )
        mark_read(s, [n.id for n in rows if n.read_at is None], now)
        requests = tuple(
            RaisedRequest(r.reference, r.received_at, r.status, r.level, r.hub_level, r.hub_outcome)
            for r in s.scalars(
                select(SupportRequest)
                .join(Referrer, Referrer.id == SupportRequest.referrer_id)
                .where(Referrer.channel == channel, Referrer.channel_user_id == channel_user_id)
                .order_by(SupportRequest.received_at.desc())
                .limit(limit)
            )
        )
    return ReferrerUpdates(notices, requests)


__all__ = ["Notice", "RaisedRequest", "ReferrerNotice", "ReferrerUpdates", "updates_for"]
