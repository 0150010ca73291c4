"""What the Teams bot does with one authenticated activity: turn it into an `Inbound`, run it through the intake
service, and turn the replies into a card. Card buttons come back as `adaptiveCard/action` invokes answered in the
HTTP response; typed messages and `Action.Submit` fallbacks are answered by posting a card to the conversation.

The intake runs only in a 1:1 chat: in a channel or group chat nothing a person types about a child is taken, so it
cannot be seen by everyone there. The hub's channel gets summary cards whose Claim button comes back here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from microsoft_agents.activity import Activity, AdaptiveCardInvokeResponse
from sqlalchemy.exc import OperationalError

from bot.teams import cards
from bot.teams.pages import Pages
from bot.teams.section_cards import FORM
from intake.actor import teams_actor
from intake.conversation.turn import Inbound
from intake.labels import TEAMS_CLAIM_VERB
from intake.service import DraftNotFound, IntakeService, StepResult

log = logging.getLogger(__name__)

CHANNEL = "teams"
MAX_TEXT = 5000
COMMANDS = ("back", "help", "cancel", "start again")
DB_DOWN = (
    "We could not save that just now because of a problem on our side. Your earlier answers are safe. "
    "Please try again in a minute. If a child is in immediate danger, call 999 now."
)
SHARED_SPACE = (
    "I take requests for support in a 1:1 chat only, so that no child's details are posted where others can see "
    "them. Open a chat with me to raise a concern."
)
OUT_OF_DATE = "That card was out of date, so nothing was changed. Here is where you are now."


# claim(request_id, actor, now) -> a short message for the person who clicked, or None when it worked.
ClaimHandler = Callable[[int, str, datetime], str | None]


class Sender(Protocol):
    """Posts one activity into a Teams conversation (the connector). Raises when it could not."""

    def __call__(self, address: dict[str, Any], activity: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any] | None = None


def address_of(activity: Activity) -> dict[str, Any]:
    """The conversation reference kept on the referrer, to send them the hub's outcome later."""
    conversation = activity.conversation
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = conversation.tenant_id if conversation else None
    tenant = tenant or (channel_data.get("tenant") or {}).get("id")
    return {
        "service_url": activity.service_url,
        "conversation_id": conversation.id if conversation else None,
        "tenant_id": tenant,
        "bot_id": activity.recipient.id if activity.recipient else None,
        "user_id": activity.from_property.id if activity.from_property else None,
    }


def origin_of(activity: Activity) -> dict[str, str | None]:
    """What Teams vouches for about the sender's organisation: their Microsoft Entra tenant (the hub sees it)."""
    return {"teams_tenant": address_of(activity)["tenant_id"]}


def identity_of(activity: Activity) -> str:
    person = activity.from_property
    if person is None:
        raise ValueError("activity has no sender")
    return person.aad_object_id or person.id


def _is_personal(activity: Activity) -> bool:
    kind = activity.conversation.conversation_type if activity.conversation else None
    return kind in (None, "personal")


def invoke_card(content: dict[str, Any]) -> Response:
    body = AdaptiveCardInvokeResponse(status_code=200, type=cards.CARD_CONTENT_TYPE, value=content)
    return Response(200, body.model_dump(by_alias=True))


def invoke_message(text: str) -> Response:
    # A short message shown to the person who pressed the button; the card itself stays as it is.
    body = AdaptiveCardInvokeResponse(status_code=200, type="application/vnd.microsoft.activity.message", value=text)
    return Response(200, body.model_dump(by_alias=True))


def invoke_error(message: str, status: int = 500) -> Response:
    # Teams shows the message and keeps the card as it was, with what the person had typed still in it.
    body = AdaptiveCardInvokeResponse(
        status_code=status, type="application/vnd.microsoft.error", value={"code": "Unavailable", "message": message}
    )
    return Response(200, body.model_dump(by_alias=True))


@dataclass
class TeamsBot:
    intake: IntakeService
    send: Sender
    clock: Callable[[], datetime]
    hub_conversation_id: str | None = None
    claim_handler: ClaimHandler | None = None
    pages: Pages = field(init=False)

    def __post_init__(self) -> None:
        self.pages = Pages(self.intake)

    # -- dispatch --------------------------------------------------------------------------------------------------

    def on_activity(self, activity: Activity) -> Response:
        if activity.type == "invoke":
            if activity.name != "adaptiveCard/action":
                return Response(200, {})
            value = activity.value if isinstance(activity.value, dict) else {}
            action = value.get("action") if isinstance(value.get("action"), dict) else {}
            data = action.get("data") if isinstance(action.get("data"), dict) else {}
            data = {**data, "verb": action.get("verb") or data.get("verb")}
            try:
                if data.get("verb") == TEAMS_CLAIM_VERB:
                    return invoke_message(self.claim(activity, data))
                return invoke_card(self.card_action(activity, data))
            except OperationalError:
                log.exception("database unavailable handling a Teams card action")
                return invoke_error(DB_DOWN, 503)
        if activity.type == "message":
            if isinstance(activity.value, dict) and activity.value.get("verb"):
                # Action.Submit, the fallback for clients without Action.Execute: answer with a new card.
                self._reply(activity, lambda: self.card_action(activity, dict(activity.value)))
            else:
                self._reply(activity, lambda: self.typed(activity))
            return Response(200)
        if activity.type == "conversationUpdate":
            added = [m.id for m in activity.members_added or []]
            if activity.recipient and activity.recipient.id in added:
                self._reply(
                    activity, lambda: cards.welcome_card() if _is_personal(activity) else self._hub_hint(activity)
                )
        return Response(200)

    def _reply(self, activity: Activity, make: Callable[[], dict[str, Any]]) -> None:
        try:
            content = make()
        except OperationalError:
            log.exception("database unavailable handling a Teams message")
            content = cards.notice_card(DB_DOWN)
        message = {"type": "message", "attachments": [cards.attachment(content)]}
        try:
            self.send(address_of(activity), message)
        except Exception:
            # The answer is saved; the person sees the current question again the next time they write.
            log.exception("could not post a reply into a Teams conversation")

    # -- the intake ------------------------------------------------------------------------------------------------

    def card_action(self, activity: Activity, data: dict[str, Any]) -> dict[str, Any]:
        """A button on one of our cards. Returns the card to show next."""
        verb = data.get("verb")
        if verb == TEAMS_CLAIM_VERB:
            return cards.notice_card(self.claim(activity, data))
        if not _is_personal(activity):
            return cards.notice_card(SHARED_SPACE)
        now = self.clock()
        identity = identity_of(activity)
        owner = (CHANNEL, identity)
        draft_id = data.get("draft")
        if verb not in ("answer", FORM) or not isinstance(draft_id, str):
            return self._card(self.intake.open_conversation(CHANNEL, identity, now, address_of(activity)))
        try:
            if verb == FORM:
                return self.pages.submit(draft_id, data, now, owner, origin_of(activity))
            # The card names its step: an old card pressed again is never applied to a later question.
            step = data.get("step") if isinstance(data.get("step"), str) else None
            result = self.intake.handle(
                draft_id, self._inbound(step, data), now, owner=owner, origin=origin_of(activity)
            )
        except DraftNotFound:
            # Not this person's draft (or none at all): never touch it; show them their own.
            result = self.intake.open_conversation(CHANNEL, identity, now, address_of(activity))
            return self._card(result, notice=OUT_OF_DATE)
        return self._card(self._after(activity, identity, result))

    def typed(self, activity: Activity) -> dict[str, Any]:
        """Text typed in the chat answers the current question, just as in the browser chat."""
        if not _is_personal(activity):
            return self._hub_hint(activity)
        now = self.clock()
        identity = identity_of(activity)
        draft_id = self.intake.open_draft(CHANNEL, identity)
        if draft_id is None:
            return self._card(self.intake.open_conversation(CHANNEL, identity, now, address_of(activity)))
        text = (activity.text or "").strip()[:MAX_TEXT]
        result = self.intake.handle(draft_id, Inbound(text=text), now, origin=origin_of(activity))
        return self._card(self._after(activity, identity, result))

    def _after(self, activity: Activity, identity: str, result: StepResult) -> StepResult:
        if result.request:
            # The referrer row is made at submission; keep where to send the hub's outcome.
            self.intake.remember_address(CHANNEL, identity, address_of(activity), self.clock())
        return result

    def _inbound(self, step: str | None, data: dict[str, Any]) -> Inbound:
        command = data.get("command")
        if command == "change":
            target = data.get(cards.CHANGE)
            return Inbound(command=f"change {target.strip()[:80]}" if isinstance(target, str) else "change")
        if command in COMMANDS:
            return Inbound(command=str(command))
        kind = self._input_kind(step)
        value = data.get("choice", data.get(cards.ANSWER))
        if kind == "multi":
            if isinstance(value, list):
                picked = [str(v) for v in value]
            elif isinstance(value, str):
                picked = [v.strip() for v in value.split(",") if v.strip()]
            else:
                picked = []
            return Inbound(choices=tuple(v[:200] for v in picked[:200]), question_id=step)
        text = str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""
        if kind == "choice":
            return Inbound(choice=text[:200], question_id=step) if text else Inbound(text="", question_id=step)
        if data.get(cards.CLEAR) == "true" and self._optional(step):
            return Inbound(text="skip", question_id=step)  # cleared on purpose
        if not text.strip() and self._optional(step):
            if data.get("changing"):
                # Changing an answer and leaving the box empty keeps what was there; clearing is a separate tick.
                return Inbound(command="back")
            # An optional answer left empty on the card means "I do not know", as typing 'skip' does.
            text = "skip"
        return Inbound(text=text[:MAX_TEXT], question_id=step)

    def _optional(self, step: str | None) -> bool:
        try:
            return self.intake.flow.question(step or "").optional
        except KeyError:
            return False

    def _input_kind(self, step: str | None) -> str:
        try:
            return self.intake.flow.question(step or "").input
        except KeyError:
            return "text"

    def _card(self, result: StepResult, notice: str | None = None) -> dict[str, Any]:
        """The card for where the conversation is: a section card (the page the service says comes next), the
        review, or the result. What the engine said besides its question (the 999 advice, an error) comes too."""
        if result.done or not result.stored:
            return self.pages.card(result, notice=notice)
        page = self.intake.page(result.draft_id, self.clock())
        said = tuple(r for r in result.replies if not cards.is_question(r))
        return self.pages.card(replace(page, replies=said + page.replies), notice=notice)

    # -- the hub's channel -----------------------------------------------------------------------------------------

    def _hub_hint(self, activity: Activity) -> dict[str, Any]:
        address = address_of(activity)
        here = f"{(address['service_url'] or '').rstrip('/')}/v3/conversations/{address['conversation_id']}"
        return cards.notice_card(
            f"{SHARED_SPACE}\n\nTo send the hub's notifications to this conversation, set TEAMS_HUB_CONVERSATION={here}"
        )

    def claim(self, activity: Activity, data: dict[str, Any]) -> str:
        """Claim from the hub's channel card. The card itself is updated through the outbox (hub_request_updated)."""
        if self.hub_conversation_id is None or not activity.conversation:
            return "Claiming from Teams is not set up here. Open the request in the hub."
        if activity.conversation.id.split(";")[0] != self.hub_conversation_id.split(";")[0]:
            return "Requests can only be claimed from the hub's own channel."
        request_id = data.get("request_id")
        if not isinstance(request_id, int) or isinstance(request_id, bool):
            return "That card is out of date. Open the request in the hub."
        if self.claim_handler is None:
            return "Claiming from Teams is not available yet. Open the request in the hub."
        person = activity.from_property
        actor = teams_actor(identity_of(activity), person.name if person else None)
        problem = self.claim_handler(request_id, actor, self.clock())
        reference = data.get("reference") if isinstance(data.get("reference"), str) else f"request {request_id}"
        return problem or f"You have claimed {reference}."
