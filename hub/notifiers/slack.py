"""The Slack notifier: outbox rows for channel "slack" become Block Kit messages (chat.postMessage / chat.update).

Place in the flow: submission or a hub action enqueues a row -> the clock's sweep claims it -> `deliver` renders the
structured payload here and calls Slack -> the receipt ("channel:ts") is kept on the row, so a later
"hub_request_updated" edits the same hub channel message. A Slack error raises DeliveryError (retryable unless a
retry cannot help), and the sweep tries again later: an outage loses nothing.

What goes into the shared hub channel is the summary only (reference, level, route, referring agency, deadline,
status): never a child's details. Every piece of text is escaped for mrkdwn (&, <, >), so nothing can ping
@channel/@here or spoof a link.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from sqlalchemy import select

from hub.follow_ups import summary_figures
from hub.notifier import DeliveryError, DeliveryReceipt
from intake.labels import SLACK_CLAIM_ACTION, SLACK_OPEN_ACTION, Labels, when
from intake.store.database import Database
from intake.store.outbox import SENT, OutboxMessage

log = logging.getLogger(__name__)

CHANNEL = "slack"
HTTP_TIMEOUT_SECONDS = 10

# Slack errors a retry cannot fix: the row fails at once and shows up for the hub's managers.
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "invalid_auth",
        "invalid_blocks",
        "is_archived",
        "message_not_found",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "team_access_not_granted",
        "token_revoked",
        "user_not_found",
    }
)

TokenLookup = Callable[[str | None, str | None], str | None]


def escape(text: Any) -> str:
    """Slack's mrkdwn escaping: `<!channel>`, `<@U1>` and `<http://x|y>` all start with `<`; `&` comes first."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=False)


# -- rendering ---------------------------------------------------------------------------------------------------


def hub_message(payload: dict[str, Any], labels: Labels) -> tuple[str, list[Block]]:
    """The hub channel's card for one request: summary fields only, plus Claim and Open in the hub."""
    reference = escape(payload.get("reference") or "")
    status = str(payload.get("status") or "awaiting_decision")
    route = escape(payload.get("route_label") or payload.get("route") or "")
    fields = [
        _md(f"*Reference*\n{reference}"),
        _md(f"*Recommended level*\n{escape(payload.get('level'))} · {route}"),
        _md(f"*Referring agency*\n{escape(labels.agency(payload.get('referring_agency')))}"),
        _md(f"*Decision due*\n{escape(when(payload.get('decision_due_at'), 'not set'))}"),
        _md(f"*Status*\n{escape(labels.status(status))}"),
    ]
    if payload.get("assigned_to") and status != "decided":
        fields.append(_md(f"*Claimed by*\n{escape(payload['assigned_to'])}"))
    if status == "decided":
        outcome = escape(labels.outcome(payload.get("hub_outcome")))
        fields.append(_md(f"*Hub decision*\n{outcome} (level {escape(payload.get('hub_level'))})"))
    buttons: list[ButtonElement] = []
    if status == "awaiting_decision" and not payload.get("assigned_to") and payload.get("request_id") is not None:
        buttons.append(
            ButtonElement(
                action_id=SLACK_CLAIM_ACTION, text=_plain("Claim"), value=str(payload["request_id"]), style="primary"
            )
        )
    if payload.get("link"):
        buttons.append(
            ButtonElement(action_id=SLACK_OPEN_ACTION, text=_plain("Open in the hub"), url=str(payload["link"]))
        )
    blocks: list[Block] = [
        HeaderBlock(text=_plain(f"Request for support {payload.get('reference') or ''}".strip()[:150])),
        SectionBlock(fields=fields),
    ]
    if buttons:
        blocks.append(ActionsBlock(block_id="hub_actions", elements=buttons))
    text = f"Request for support {reference}: level {escape(payload.get('level'))}, {route}"
    return text, blocks


def receipt_message(payload: dict[str, Any]) -> tuple[str, list[Block]]:
    """The referrer's receipt in their DM: reference, recommendation, why, and what happens next."""
    reference = escape(payload.get("reference") or "")
    route = escape(payload.get("route_label") or payload.get("route") or "")
    lines = [
        f"Thank you. Your request for support has been sent to the hub. Your reference is *{reference}*.",
        f"*Recommended level of need:* {escape(payload.get('level'))} · {route}",
    ]
    reasons = [escape(r) for r in payload.get("reasons") or []]
    if reasons:
        lines.append("*Why:*\n" + "\n".join(f"• {r}" for r in reasons[:10]))
    next_steps = " ".join(escape(x) for x in (payload.get("next_steps"), payload.get("timescale")) if x)
    if next_steps:
        lines.append(f"*What happens next:* {next_steps}")
    lines.append(f"*Decision due by:* {escape(when(payload.get('decision_due_at'), 'not set'))}")
    text = f"Your request {reference} has been sent to the hub."
    blocks: list[Block] = [SectionBlock(text=_md(piece[:3000])) for piece in lines]
    blocks.append(ContextBlock(elements=[_md("The hub makes the decision; this is the bot's recommendation.")]))
    return text, blocks


def outcome_message(payload: dict[str, Any], labels: Labels) -> tuple[str, list[Block]]:
    reference = escape(payload.get("reference") or "")
    outcome = escape(labels.outcome(payload.get("hub_outcome")))
    lines = [
        f"The hub has decided on your request *{reference}*: *{outcome}*.",
        f"*Hub's level of need:* {escape(payload.get('hub_level'))}"
        + (
            f" (the bot recommended {escape(payload.get('recommended_level'))})"
            if payload.get("recommended_level") not in (None, payload.get("hub_level"))
            else ""
        ),
    ]
    if payload.get("next_steps"):
        lines.append(f"*What happens next:* {escape(payload['next_steps'])}")
    return f"Outcome for your request {reference}: {outcome}", [SectionBlock(text=_md(x[:3000])) for x in lines]


GENERIC = {
    "still_being_considered": "Your request {ref} is still being considered by the hub.",
    "early_help_review_checkin": "It is time to review the early help for request {ref}. Is the plan working?",
    "early_help_not_started": "Early help for request {ref} does not appear to have started. Please let the hub know.",
    "draft_reminder": "You have an unfinished request for support. Open the app's Home tab to carry on.",
    "triage_reminder": "Request {ref} is waiting for a decision.",
    "triage_escalation": "Request {ref} has passed its decision deadline.",
}


def weekly_summary_message(payload: dict[str, Any]) -> tuple[str, list[Block]]:
    """The Monday summary to hub managers: the headline figures (hub/follow_ups/summary_figures.py), counts only."""
    period = summary_figures.period(payload)
    rows = summary_figures.headline_rows(payload)
    blocks: list[Block] = [
        HeaderBlock(text=_plain(f"Requests for support: {period}"[:150])),
        SectionBlock(fields=[_md(f"*{escape(label)}*\n{escape(value)}") for label, value in rows[:10]]),
    ]
    for title, more in (("By recommended level", summary_figures.by_level(payload)),
                        ("By route", summary_figures.by_route(payload))):  # fmt: skip
        if more:
            lines = "\n".join(f"{escape(k)}: {escape(v)}" for k, v in more)
            blocks.append(SectionBlock(text=_md(f"*{title}*\n{lines}"[:3000])))
    if payload.get("link"):
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        action_id=SLACK_OPEN_ACTION, text=_plain("Open the weekly report"), url=str(payload["link"])
                    )
                ]
            )
        )
    text = f"Requests for support, {period}: " + ", ".join(f"{label.lower()} {value}" for label, value in rows[:3])
    return text, blocks


def generic_message(kind: str, payload: dict[str, Any]) -> tuple[str, list[Block]]:
    """Kinds without a card of their own: one sentence (summary fields only), and the link when there is one."""
    reference = escape(payload.get("reference") or "")
    text = GENERIC.get(kind, "There is an update about request {ref}.").format(
        ref=f"*{reference}*" if reference else ""
    )
    blocks: list[Block] = [SectionBlock(text=_md(" ".join(text.split())))]
    if payload.get("link"):
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(action_id=SLACK_OPEN_ACTION, text=_plain("Open in the hub"), url=str(payload["link"]))
                ]
            )
        )
    return " ".join(text.replace("*", "").split()), blocks


def render(message: OutboxMessage, labels: Labels) -> tuple[str, list[Block]]:
    if message.kind in ("hub_new_request", "hub_request_updated"):
        return hub_message(message.payload, labels)
    if message.kind == "referrer_receipt":
        return receipt_message(message.payload)
    if message.kind == "referrer_outcome":
        return outcome_message(message.payload, labels)
    if message.kind == "weekly_summary":
        return weekly_summary_message(message.payload)
    return generic_message(message.kind, message.payload)


# -- delivery ----------------------------------------------------------------------------------------------------


class SlackNotifier:
    def __init__(
        self, token_for: TokenLookup, db: Database, base_url: str | None = None, labels: Labels | None = None
    ) -> None:
        self.token_for = token_for
        self.db = db
        self.base_url = base_url
        self.labels = labels or Labels()

    def _client(self, recipient: dict[str, Any]) -> WebClient:
        team = recipient.get("team_id") or None
        token = self.token_for(recipient.get("enterprise_id") or None, team)
        if not token:
            raise DeliveryError("slack: no bot token for this workspace (not installed?)", retryable=False)
        if self.base_url:
            return WebClient(token=token, base_url=self.base_url, timeout=HTTP_TIMEOUT_SECONDS)
        return WebClient(token=token, timeout=HTTP_TIMEOUT_SECONDS)

    def deliver(self, message: OutboxMessage) -> DeliveryReceipt:
        client = self._client(message.recipient)
        text, blocks = render(message, self.labels)
        try:
            if message.kind == "hub_request_updated":
                channel, ts = self._hub_message_of(message)
                client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
                return DeliveryReceipt(external_id=f"{channel}:{ts}")
            channel = message.recipient.get("channel") or message.recipient.get("user_id")
            if not channel:
                raise DeliveryError("slack: recipient has no channel or user_id", retryable=False)
            response = client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )
            return DeliveryReceipt(external_id=f"{response.get('channel') or channel}:{response.get('ts')}")
        except SlackApiError as err:
            code = str(err.response.get("error") or f"HTTP {err.response.status_code}")
            raise DeliveryError(f"slack: {code}", retryable=code not in PERMANENT_ERRORS) from None
        except (SlackClientError, OSError) as err:
            # Network trouble (refused, timed out, DNS): Slack may be fine a minute from now.
            raise DeliveryError(f"slack: {type(err).__name__}", retryable=True) from None

    def _hub_message_of(self, message: OutboxMessage) -> tuple[str, str]:
        """Where the original hub alert was posted: from the payload, or from its outbox row once it is sent."""
        external = message.payload.get("alert_external_id")
        if not external and message.payload.get("alert_message_id") is not None:
            with self.db.reading() as s:
                external = s.scalar(
                    select(OutboxMessage.external_id).where(
                        OutboxMessage.id == int(message.payload["alert_message_id"]), OutboxMessage.status == SENT
                    )
                )
        if not external or ":" not in str(external):
            # The alert itself has not gone out yet (Slack was down): try again after it has.
            raise DeliveryError("slack: hub message not posted yet", retryable=True)
        channel, _, ts = str(external).partition(":")
        return channel, ts
