"""The card a referrer sees when the request has been sent: what to do now first (phone the hub, if so), then the
reference, the recommended level and route, at most three reasons in plain words, and what happens next, without
any sentence telling them to send the request again by the form or by email.

Place in the flow: the intake service's submitted result (`StepResult.request`) -> **result_card** -> Teams.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.teams.cards import MAX_REASONS, action, card, card_wording, heading, shorten, text_runs, urgent
from intake.conversation.turn import Reply
from intake.working_day import LONDON

_SENTENCE = re.compile(r"(?<=[.;])\s+")


def without_sending_again(steps: str, already_sent: Sequence[str]) -> str:
    """The next steps without the sentences that say to send the request by the form or by email (`already_sent`
    holds the form's name and the hub's address): this request has just been sent."""
    wanted = [s for s in _SENTENCE.split(steps) if not any(x and x.casefold() in s.casefold() for x in already_sent)]
    return " ".join(wanted).strip()


def finished_card(
    replies: Sequence[Reply],
    request: Mapping[str, Any] | None,
    *,
    phones: tuple[str, str] | None = None,
    already_sent: Sequence[str] = (),
) -> dict[str, Any]:
    """After submission: what to do now first (phone the hub, if so), then the reference, the recommended level and
    route, at most three reasons, and what happens next. Otherwise what the engine said last."""
    body: list[dict[str, Any]] = []
    if request:
        if request.get("phone_first"):
            hub, out_of_hours = phones or ("", "")
            numbers = f" on {hub}. Out of hours, phone the emergency duty team on {out_of_hours}" if hub else ""
            body.append(
                urgent(
                    f"Phone the hub now{numbers}. This may be a child protection concern: do not wait for the hub "
                    "to call you."
                )
            )
        body.append(heading("Your request has been sent to the hub"))
        body += text_runs(f"Reference: {request['reference']}", weight="bolder")
        route = request.get("route_label") or request["route"]
        body += text_runs(f"Recommended level of need: {request['level']} ({route})")
        reasons = list(request.get("reasons") or [])
        if reasons:
            body += text_runs("Why:", weight="bolder")
            body += text_runs("\n".join(f"• {shorten(r, 160)}" for r in reasons[:MAX_REASONS]))
            if len(reasons) > MAX_REASONS:
                more = len(reasons) - MAX_REASONS
                body += text_runs(f"…and {more} more reason{'s' if more > 1 else ''}, which the hub sees in full.")
        due = request.get("decision_due_at")
        steps = " ".join(x for x in (request.get("next_steps"), request.get("timescale")) if x)
        trimmed = without_sending_again(steps, already_sent) if already_sent else steps
        if steps or due:
            body += text_runs("What happens next:", weight="bolder")
        if trimmed != steps:
            body += text_runs("You do not need to fill in the form or email the hub: this request has reached them.")
        if trimmed:
            body += text_runs(trimmed)
        if due:
            when = datetime.fromisoformat(due).astimezone(LONDON).strftime("%A %d %B %Y, %H:%M")
            body += text_runs(f"The hub will decide by {when}.")
        body += text_runs("The hub makes the decision; this is the bot's recommendation.", subtle=True)
    else:
        for reply in replies:
            body += text_runs(card_wording(reply.text))
    return card(body, [action("Raise another concern", {"verb": "start"}, inputs=False)])
