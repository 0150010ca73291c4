"""The card a referrer sees when the request has been sent, drawn from the receipt every channel shares
(intake.receipt): what to do now first (phone the hub, if so), then the reference, the recommended level and route,
at most three reasons in plain words, and what happens next and by when. The receipt already leaves out any sentence
telling them to send the request again by the form or by email.

Place in the flow: the intake service's submitted result (`StepResult.request["receipt"]`) -> **result_card**.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.teams.cards import action, card, card_wording, heading, shorten, text_runs, urgent
from intake.conversation.turn import Reply
from intake.receipt import Receipt


def receipt_card(receipt: Receipt) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if receipt.phone_now:
        body.append(urgent(receipt.phone_now))
    body.append(heading("Your request has been sent to the hub"))
    body += text_runs(f"Reference: {receipt.reference}", weight="bolder")
    body += text_runs(f"Recommended level of need: {receipt.level} ({receipt.route_label})")
    if receipt.reasons:
        body += text_runs("Why:", weight="bolder")
        body += text_runs("\n".join(f"• {shorten(r, 160)}" for r in receipt.reasons))
        if receipt.more_reasons:
            more = receipt.more_reasons
            body += text_runs(f"…and {more} more reason{'s' if more > 1 else ''}, which the hub sees in full.")
    steps = " ".join(x for x in (receipt.next_steps, receipt.timescale) if x).strip()
    if steps or receipt.due_text:
        body += text_runs("What happens next:", weight="bolder")
    if steps:
        body += text_runs(steps)
    if receipt.due_text:
        body += text_runs(f"The hub will decide what happens {receipt.due_text}.")
    body += text_runs("The hub makes the decision; this is the bot's recommendation.", subtle=True)
    return card(body, [action("Raise another concern", {"verb": "start"}, inputs=False)])


def finished_card(replies: Sequence[Reply], request: Mapping[str, Any] | None) -> dict[str, Any]:
    """After submission, the receipt; for a conversation that ended otherwise, what the engine said last."""
    shown = (request or {}).get("receipt")
    if isinstance(shown, Mapping):
        return receipt_card(Receipt(**{**shown, "reasons": tuple(shown.get("reasons") or ())}))
    body: list[dict[str, Any]] = []
    for reply in replies:
        body += text_runs(card_wording(reply.text))
    return card(body, [action("Raise another concern", {"verb": "start"}, inputs=False)])
