"""What a submitted request means for Slack, decided inside the submission transaction.

Place in the flow: IntakeService calls `on_submitted(session, request, now)` with the request just stored; here we
remember how to reach a Slack referrer later (their DM), so the outcome can find them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from intake.store.referrer import Referrer
from intake.store.support_request import SupportRequest

CHANNEL = "slack"


def slack_address(channel_user_id: str) -> dict[str, str]:
    team, _, user = channel_user_id.partition(":")
    return {"team_id": team, "user_id": user}


def remember_address(session: Session, request: SupportRequest, now: datetime) -> None:
    if request.channel != CHANNEL:
        return
    referrer = session.get(Referrer, request.referrer_id)
    if referrer is not None and not referrer.address:
        referrer.address = slack_address(referrer.channel_user_id)
