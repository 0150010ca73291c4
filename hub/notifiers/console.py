"""The console notifier: writes one log line per message. Always registered, so the hub's new-request alert
exists even where no chat platform is configured; also the development stand-in for Slack and Teams.

It logs the kind, reference, level and route only: never a child's details and never free text.
"""

from __future__ import annotations

import logging

from hub.notifier import DeliveryReceipt
from intake.store.outbox import OutboxMessage

log = logging.getLogger("earlyhelp.notify")

# The only payload fields this notifier ever writes out.
_LOGGED = ("reference", "level", "route")


class ConsoleNotifier:
    def __init__(self, logger: logging.Logger = log) -> None:
        self.logger = logger

    def deliver(self, message: OutboxMessage) -> DeliveryReceipt:
        fields = " ".join(f"{k}={message.payload.get(k)}" for k in _LOGGED if message.payload.get(k) is not None)
        self.logger.info("notify %s [%s #%s] %s", message.kind, message.channel, message.id, fields)
        return DeliveryReceipt(external_id=f"console-{message.id}")
