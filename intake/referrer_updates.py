"""What a referrer sees about their own requests: in the browser chat when they come back, the notices the outbox
stored for them (outcomes, "still being considered", check-ins) and the requests they raised with where each one is;
on /my-requests, after confirming their work email by code, every request raised with that email on any channel.

Reading the notices marks them read, so each is highlighted once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from intake.store.database import Database
from intake.store.referrer import Referrer
from intake.store.referrer_notice import ReferrerNotice, mark_read, notices_for
from intake.store.support_request import SupportRequest
from intake.triage import NEXT_STEPS


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


@dataclass(frozen=True)
class OwnRequest:
    """One of a referrer's requests as /my-requests shows it: where it is and what the hub decided, never the child
    or the concern (the page is reached by an emailed code, so it shows what a mail may)."""

    reference: str | None
    received_at: datetime
    status: str
    level: int
    route_label: str
    decision_due_at: datetime | None
    decided_at: datetime | None
    hub_outcome: str | None
    hub_level: int | None
    next_steps: str | None


def requests_for_email(db: Database, email: str, limit: int = 50) -> tuple[OwnRequest, ...]:
    """The requests whose referrer gave this work email (on any channel), newest first."""
    with db.reading() as s:
        rows = s.scalars(
            select(SupportRequest)
            .join(Referrer, Referrer.id == SupportRequest.referrer_id)
            .where(func.lower(Referrer.email) == email.strip().casefold())
            .order_by(SupportRequest.received_at.desc())
            .limit(limit)
        ).all()
        return tuple(
            OwnRequest(
                reference=r.reference,
                received_at=r.received_at,
                status=r.status,
                level=r.level,
                route_label=(r.decision or {}).get("route_label") or r.route,
                decision_due_at=r.decision_due_at,
                decided_at=r.decided_at,
                hub_outcome=r.hub_outcome,
                hub_level=r.hub_level,
                next_steps=NEXT_STEPS.get(r.hub_outcome or "")
                if r.hub_outcome
                else (r.decision or {}).get("next_steps"),
            )
            for r in rows
        )


__all__ = [
    "Notice",
    "OwnRequest",
    "RaisedRequest",
    "ReferrerNotice",
    "ReferrerUpdates",
    "requests_for_email",
    "updates_for",
]
