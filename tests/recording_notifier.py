"""A notifier that records what it was asked to deliver: the fake every channel's tests (and bench/sweep_bench.py)
use. Test-only, so it lives here rather than in hub/notifiers/.

Configure it to fail the first N deliveries (retryable or not) to exercise the sweep's retries, or give it a hook
that runs before recording (to simulate a crash mid-delivery or to hold two sweepers at the same point).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.notifier import DeliveryError, DeliveryReceipt
from intake.store.outbox import OutboxMessage


@dataclass(frozen=True)
class Delivered:
    id: int
    channel: str
    kind: str
    recipient: dict[str, Any]
    payload: dict[str, Any]
    attempt: int


@dataclass
class RecordingNotifier:
    fail_times: int = 0
    retryable: bool = True
    error: str = "recording: simulated failure"
    before_deliver: Callable[[OutboxMessage], None] | None = None
    delivered: list[Delivered] = field(default_factory=list)
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def deliver(self, message: OutboxMessage) -> DeliveryReceipt:
        if self.before_deliver is not None:
            self.before_deliver(message)
        with self._lock:
            self.calls += 1
            if self.fail_times > 0:
                self.fail_times -= 1
                raise DeliveryError(self.error, retryable=self.retryable)
            self.delivered.append(
                Delivered(
                    message.id,
                    message.channel,
                    message.kind,
                    dict(message.recipient),
                    dict(message.payload),
                    message.attempts,
                )
            )
            return DeliveryReceipt(external_id=f"recorded-{len(self.delivered)}")

    def kinds(self) -> list[str]:
        return [d.kind for d in self.delivered]

    def of_kind(self, kind: str) -> list[Delivered]:
        return [d for d in self.delivered if d.kind == kind]
