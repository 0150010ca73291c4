"""The webchat notifier: the browser has no push channel, so a message for a browser-chat referrer is stored as a
ReferrerNotice and shown on the chat page the next time they come back.

Delivery is one short transaction of its own; the notice is unique per outbox message, so redelivering a message
after a crash stores nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.notifier import DeliveryError, DeliveryReceipt
from intake.store.database import Database
from intake.store.outbox import OutboxMessage
from intake.store.referrer import Referrer
from intake.store.referrer_notice import ReferrerNotice


class WebchatNotifier:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def deliver(self, message: OutboxMessage) -> DeliveryReceipt:
        referrer_id = message.recipient.get("referrer_id")
        if not isinstance(referrer_id, int):
            raise DeliveryError("webchat: recipient has no referrer_id", retryable=False)
        try:
            with self.db.transaction() as s:
                existing = s.scalar(select(ReferrerNotice.id).where(ReferrerNotice.outbox_message_id == message.id))
                if existing is not None:
                    return DeliveryReceipt(external_id=f"notice-{existing}")
                if s.get(Referrer, referrer_id) is None:
                    raise DeliveryError("webchat: unknown referrer", retryable=False)
                notice = ReferrerNotice(
                    referrer_id=referrer_id,
                    outbox_message_id=message.id,
                    kind=message.kind,
                    reference=message.payload.get("reference"),
                    payload=message.payload,
                    created_at=self.clock(),
                )
                s.add(notice)
                s.flush()
                return DeliveryReceipt(external_id=f"notice-{notice.id}")
        except IntegrityError:
            # A second delivery of the same message won the race: the notice is stored, which is what we wanted.
            return DeliveryReceipt(external_id=None)
