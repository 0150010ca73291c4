"""What a referrer is told when their request has been sent, the same in every channel: what they must do now first
(phone the hub, when the request may be about significant harm), then the reference, the recommended level and
route, at most three reasons in plain words (the hub's page has them all), what happens next and by when. It never
tells them to fill in the form or email the hub: the bot has just sent their request there.

Place in the flow: the intake service builds a Receipt from the stored request at submission (and when a finished
conversation is shown again); the browser chat shows `text()`, richer channels draw the fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_REASONS = 3
_SENTENCE = re.compile(r"(?<=[.;!?])\s+")


def without_sending_again(steps: str, already_sent: Sequence[str]) -> str:
    """The next steps without the sentences that say to send the request by the form or by email (`already_sent`
    holds the form's name and the hub's address)."""
    kept = [s for s in _SENTENCE.split(steps) if not any(x and x.casefold() in s.casefold() for x in already_sent)]
    return " ".join(kept).strip()


@dataclass(frozen=True)
class Receipt:
    reference: str
    level: int
    route_label: str
    reasons: tuple[str, ...]  # at most MAX_REASONS
    more_reasons: int  # how many more the hub sees
    next_steps: str
    timescale: str
    due_text: str | None  # "by 10:00 on Wednesday 25 November"
    phone_now: str | None  # what to do first, when the hub must be phoned now

    def text(self) -> str:
        """The receipt as one chat message, most urgent first."""
        parts: list[str] = []
        if self.phone_now:
            parts.append(self.phone_now)
        parts.append(f"Thank you. Your request has been sent to the hub. Your reference is {self.reference}.")
        lines = [f"Recommended level of need: {self.level} ({self.route_label})."]
        if self.reasons:
            lines.append("Why:")
            lines += [f"- {r}" for r in self.reasons]
            if self.more_reasons:
                lines.append(f"(and {self.more_reasons} more, which the hub sees in full)")
        parts.append("\n".join(lines))
        nxt = " ".join(x for x in (self.next_steps, self.timescale) if x).strip()
        if self.due_text:
            nxt = f"{nxt} The hub will decide what happens {self.due_text}.".strip()
        if nxt:
            parts.append(f"What happens next: {nxt}")
        parts.append("The hub makes the decision; this is the bot's recommendation.")
        return "\n\n".join(parts)


def receipt_for(
    reference: str,
    level: int,
    route: str,
    decision: Mapping[str, Any],
    *,
    hub_phone: str,
    out_of_hours_phone: str,
    already_sent: Sequence[str] = (),
    due_text: str | None = None,
    immediate_danger: bool = False,
) -> Receipt:
    """The receipt for a stored request's decision (`SupportRequest.decision`, as `Decision.to_dict` wrote it)."""
    reasons = [str(r.get("text", "")) for r in decision.get("reasons", []) if r.get("text")]
    phone_now = None
    if immediate_danger:
        # The person said the child is in danger now: 999 comes before the hub, here as in the first answer.
        phone_now = (
            f"Call 999 now if you have not already. Then phone the hub on {hub_phone} (out of hours: the emergency "
            f"duty team on {out_of_hours_phone}) and quote the reference below."
        )
    elif decision.get("phone_first"):
        phone_now = (
            f"Phone the hub now on {hub_phone} (out of hours: the emergency duty team on {out_of_hours_phone}) "
            "and quote the reference below. This may be a child protection concern: do not wait for the hub to "
            "call you."
        )
    return Receipt(
        reference=reference,
        level=level,
        route_label=str(decision.get("route_label") or route),
        reasons=tuple(reasons[:MAX_REASONS]),
        more_reasons=max(0, len(reasons) - MAX_REASONS),
        next_steps=without_sending_again(str(decision.get("next_steps") or ""), already_sent),
        timescale=str(decision.get("timescale") or ""),
        due_text=due_text,
        phone_now=phone_now,
    )
