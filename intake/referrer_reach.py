"""Where a referrer hears back: the one answer every message to a referrer uses (the receipt at submission, the
hub's outcome, "still being considered", the early-help check-ins).

Place in the flow: intake.triage (the outcome), hub/new_request.py (the receipt) and hub/follow_ups/ (the
reminders and draft reminders) call `tell_referrer` or `ways_back`, which add one outbox row per way back inside
the caller's transaction:

- their own Slack or Teams chat, when the service holds an address for it;
- their work email (channel "mail"): a browser-chat referrer who confirmed it with a code, or a Slack or Teams
  referrer who asked for mail too. Mail never names the child or repeats the concern (hub/mail/messages.py);
- their browser-chat notices ("Your requests"), for a browser-chat referrer: shown only if they come back, so they
  do not count as reaching anyone.

A referrer none of these reaches is someone the hub must phone: the outcome then opens a "phone the referrer"
follow-up that stays open on the request page, with their number, until a person marks it done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.store.follow_up import WAITING, FollowUp
from intake.store.outbox import OutboxMessage, enqueue
from intake.store.referrer import Referrer
from intake.store.support_request import SupportRequest

# Referrers on these channels can be messaged back in their own chat.
CHAT_CHANNELS = ("slack", "teams")
NOTICES = "webchat"
MAIL = "mail"
CONSOLE = "console"
# The Slack/Teams question "mail me too" (questions.yaml); its answer is kept with the request.
MAIL_TOO = "referrer_mail_updates"
# A mail's own kind where it differs from the chat one (the receipt is an acknowledgement by mail).
MAIL_KINDS = {"referrer_receipt": "request_acknowledgement"}
PHONE_THE_REFERRER = "phone_referrer"


@dataclass(frozen=True)
class WayBack:
    """One way to a referrer: an outbox channel and the recipient in that channel's terms."""

    channel: str
    recipient: dict[str, Any]

    @property
    def reaches(self) -> bool:
        """Whether the referrer hears it without coming back to look (notices and the console log do not)."""
        return self.channel in (*CHAT_CHANNELS, MAIL)


def mail_address(request: SupportRequest | None) -> str | None:
    """The work email a request's referrer is mailed at, or None: a browser-chat address only once confirmed by
    code, a Slack or Teams one only when they asked for mail too."""
    if request is None or request.referrer is None or not request.referrer.email:
        return None
    if request.channel == NOTICES:
        confirmed = (request.verification or {}).get("method") == "email"
        return request.referrer.email if confirmed else None
    if request.channel in CHAT_CHANNELS and (request.answers or {}).get(MAIL_TOO) is True:
        return request.referrer.email
    return None


def ways_back(referrer: Referrer | None, *, notices: bool = True, mail: str | None = None) -> list[WayBack]:
    """Every way this referrer hears from the service, most direct first; empty when there is none. `notices`
    False leaves out the browser chat's notices (the receipt: the browser shows its own finished page); `mail` is
    the address to mail too (`mail_address`)."""
    if referrer is None:
        return []
    ways: list[WayBack] = []
    if referrer.channel in CHAT_CHANNELS and referrer.address:
        ways.append(WayBack(referrer.channel, dict(referrer.address)))
    if notices and referrer.channel == NOTICES:
        ways.append(WayBack(NOTICES, {"referrer_id": referrer.id}))
    if mail:
        ways.append(WayBack(MAIL, {"email": mail.strip()}))
    return ways


def reachable(request: SupportRequest) -> bool:
    return any(w.reaches for w in ways_back(request.referrer, mail=mail_address(request)))


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
    ways = ways_back(request.referrer, notices=notices, mail=mail_address(request))
    if not ways and console_when_unreachable and request.referrer is not None:
        ways = [WayBack(CONSOLE, {"referrer_id": request.referrer.id})]
    messages = []
    for i, way in enumerate(ways):
        way_kind = MAIL_KINDS.get(kind, kind) if way.channel == MAIL else kind
        messages.append(
            enqueue(
                session,
                channel=way.channel,
                kind=way_kind,
                recipient=way.recipient,
                payload=payload,
                now=now,
                request_id=request.id,
                # The first way keeps the key every earlier version used, so nothing already queued goes twice.
                dedupe_key=f"{kind}:{request.id}" if i == 0 else f"{kind}:{request.id}:{way.channel}",
            )
        )
    return messages


def phone_the_referrer(session: Session, request: SupportRequest, now: datetime, why: str) -> FollowUp:
    """A to-do for the hub: nothing reaches this referrer, so a person phones them and marks it done. Not swept
    (status `waiting`); one per request."""
    key = f"{PHONE_THE_REFERRER}:{request.id}"
    existing = session.scalar(select(FollowUp).where(FollowUp.dedupe_key == key))
    if existing is not None:
        return existing
    row = FollowUp(
        request_id=request.id,
        kind=PHONE_THE_REFERRER,
        dedupe_key=key,
        status=WAITING,
        due_at=now,
        attempts=0,
        outcome=why[:200],
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row
