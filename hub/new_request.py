"""What happens in the hub's direction when a request is submitted, inside the submission's own transaction:
an alert to every configured hub destination, a receipt to a Slack or Teams referrer in their own chat, and the
request's triage follow-ups. All of it is outbox and follow-up rows, so it commits with the request or not at all.

Hub destinations are configured by the composition root: the console always; the Slack and Teams set-up add theirs
(`app.extensions["hub_destinations"]`) when a hub channel is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from intake.referrer_reach import tell_referrer
from intake.store.outbox import enqueue
from intake.store.support_request import SupportRequest


@dataclass(frozen=True)
class HubDestination:
    """A shared hub channel: ("slack", {"channel": "C0123"}), ("teams", {conversation reference}), ("console", {})."""

    channel: str
    recipient: dict[str, Any] = field(default_factory=dict)


# Called with the request once it is stored; the follow-up scheduler is one.
AfterSubmit = Callable[[Session, SupportRequest, datetime], None]


def hub_payload(request: SupportRequest, public_url: str) -> dict[str, Any]:
    """The summary a shared channel may see (reference, level, route, deadline) and a link to the hub's page."""
    return {**request.summary(), "request_id": request.id, "link": f"{public_url}/hub/requests/{request.id}"}


def receipt_payload(request: SupportRequest) -> dict[str, Any]:
    """The referrer's own receipt (their DM, not a shared channel): the summary plus the recommendation's reasons
    (rule texts, no case detail) and what happens next."""
    decision = request.decision or {}
    return {
        **request.summary(),
        "received_at": request.received_at.isoformat(),
        "reasons": [r.get("text") for r in decision.get("reasons", []) if isinstance(r, dict) and r.get("text")],
        "next_steps": decision.get("next_steps"),
        "timescale": decision.get("timescale"),
    }


def on_submitted(
    session: Session,
    request: SupportRequest,
    now: datetime,
    *,
    destinations: Sequence[HubDestination],
    public_url: str,
    then: Sequence[AfterSubmit] = (),
) -> None:
    payload = hub_payload(request, public_url)
    for destination in destinations:
        enqueue(
            session,
            channel=destination.channel,
            kind="hub_new_request",
            recipient=destination.recipient,
            payload=payload,
            now=now,
            request_id=request.id,
            dedupe_key=f"hub_new_request:{request.id}:{destination.channel}:{_recipient_key(destination.recipient)}",
        )
    tell_referrer(
        session,
        request,
        "referrer_receipt",
        receipt_payload(request),
        now,
        notices=False,
        console_when_unreachable=False,
    )
    for step in then:
        step(session, request, now)


def listener(
    destinations: Sequence[HubDestination], public_url: str, then: Sequence[AfterSubmit] = ()
) -> Callable[[Session, SupportRequest, datetime], None]:
    """The IntakeService submit listener. `destinations` is read at each call, so destinations added after the
    listener is made (by the Slack and Teams set-up) are included."""

    def submitted(session: Session, request: SupportRequest, now: datetime) -> None:
        on_submitted(session, request, now, destinations=destinations, public_url=public_url, then=then)

    return submitted


def _recipient_key(recipient: dict[str, Any]) -> str:
    for key in ("channel", "conversation_id", "id"):
        if recipient.get(key):
            return str(recipient[key])[:80]
    return "default"
