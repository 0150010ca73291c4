"""The seam between the outbox sweep and each chat platform: one Notifier per channel.

The sweep hands a claimed OutboxMessage to the notifier registered for its channel
(`app.extensions["notifiers"]`), outside any database transaction. A notifier renders the structured payload in its
platform's own terms and either returns (delivered) or raises DeliveryError; it never decides whether to retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from intake.store.outbox import OutboxMessage


@dataclass(frozen=True)
class DeliveryReceipt:
    """What the platform called the delivered message (Slack ts, Teams activity id), if anything."""

    external_id: str | None = None


class DeliveryError(Exception):
    """Delivery failed. `retryable=False` for failures a retry cannot fix (unknown channel, revoked bot).

    The message becomes the outbox row's `last_error`: keep it to a code or status ("slack: channel_not_found",
    "teams: HTTP 503"), never the content being sent.
    """

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Notifier(Protocol):
    def deliver(self, message: OutboxMessage) -> DeliveryReceipt | None: ...
