"""Where a referrer hears back: the one answer every message to a referrer uses (the receipt at submission, the
hub's outcome, "still being considered", the early-help check-ins).

Place in the flow: intake.triage (the outcome), hub/new_request.py (the receipt) and hub/follow_ups/ (the
reminders) call `tell_referrer`, which adds one outbox row per way back inside the caller's transaction:

- their own Slack or Teams chat, when the service holds an address for it;
- their browser-chat notices ("Your requests"), for a browser-chat referrer;
- with nothing else, the console log line the hub reads (the request page says to phone them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from intake.store.outbox import OutboxMessage, enqueue
from intake.store.referrer import Referrer
from intake.store.support_request import SupportRequest

# Referrers on these channels can be messaged back in their own chat.
CHAT_CHANNELS = ("slack", "teams")
NOTICES = "webchat"
CONSOLE = "console"


@dataclass(frozen=True)
class WayBack:
    """One way to a referrer: an outbox channel and the recipient in that channel's terms."""

    channel: str
    recipient: dict[str, Any]


def ways_back(referrer: Referrer | None, *, notices: bool = True) -> list[WayBack]:
    """Every way this referrer hears from the service, most direct first; empty when there is none. `notices`
    False leaves out the browser chat's notices (the receipt: the browser shows its own finished page)."""
    if referrer is None:
        return []
    ways: list[WayBack] = []
    if referrer.channel in CHAT_CHANNELS and referrer.address:
        ways.append(WayBack(referrer.channel, dict(referrer.address)))
    if notices and referrer.channel == NOTICES:
        ways.append(WayBack(NOTICES, {"referrer_id": referrer.id}))
    return ways


def tell_referrer(
    session: Session,
    request: SupportRequest,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    notices: bool = True,
    console_when_unreachable: bool = True,
) -> list[OutboxMessage]:
    """Queue `kind` to the request's referrer by every way back (one row each, idempotent per request, kind and
    way). With no way back, a console row the hub sees in its log, unless `console_when_unreachable` is False."""
    ways = ways_back(request.referrer, notices=notices)
    if not ways and console_when_unreachable and request.referrer is not None:
        ways = [WayBack(CONSOLE, {"referrer_id": request.referrer.id})]
    return [
        enqueue(
            session,
            channel=way.channel,
            kind=kind,
            recipient=way.recipient,
            payload=payload,
            now=now,
            request_id=request.id,
            # The first way keeps the key every earlier version used, so nothing already queued goes twice.
            dedupe_key=f"{kind}:{request.id}" if i == 0 else f"{kind}:{request.id}:{way.channel}",
        )
        for i, way in enumerate(ways)
    ]
