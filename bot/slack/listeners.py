"""The Slack adapter: a bolt App whose listeners translate Slack payloads into intake calls and back.

Place in the flow: POST /slack/events -> bolt (signature check, authorize from our stored token, event dedupe) ->
these listeners -> IntakeService (the same engine as the browser chat) -> a view, an ack, or nothing.

Speed: `process_before_response=True`, so bolt never polls for ack() in the web process. What Slack waits on (a
`view_submission` answer) is database work only. Calls that need a `trigger_id` or a view id (views.open,
views.update, views.publish) run as bolt lazy listeners after the ack; messages that can wait (DMs, the hub channel)
go through the outbox and are never sent from here.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.middleware import Middleware
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth import InstallationStore, OAuthStateStore
from sqlalchemy.exc import OperationalError

from bot.slack import home, modal, pages
from bot.slack.store import first_delivery
from intake import my_requests
from intake.conversation.question import SECTION_TITLES
from intake.conversation.turn import Inbound, Reply
from intake.labels import SLACK_CLAIM_ACTION, SLACK_OPEN_ACTION, SLACK_TAKE_OVER_ACTION
from intake.service import DraftNotFound, IntakeService, StepResult
from intake.triage import AlreadyClaimed

log = logging.getLogger(__name__)

CHANNEL = "slack"
GLOBAL_SHORTCUT = "raise_concern"
MESSAGE_SHORTCUT = "raise_concern_from_message"
# The question a message shortcut's text answers (offered for the person to edit, never submitted unseen).
MESSAGE_ANSWERS = "concern_details"
SCOPES = ("commands", "chat:write")

DB_DOWN = (
    "We could not save that just now because of a problem on our side. Your earlier answers are safe. "
    "Press the button again in a minute. If a child is in immediate danger, call 999 now."
)
CLAIM_DB_DOWN = (
    "The hub's records could not be reached just now, so the request was not claimed. Try again in a minute."
)
EXPIRED = "This form is out of date. Start again from the app's Home tab or the slash command."

TokenLookup = Callable[[str | None, str | None], str | None]
# claim(request_id, actor, now, take_over=False) -> a short message for the person who clicked, or None when it
# worked; raises intake.triage.AlreadyClaimed when someone else holds the request and take_over was not asked for.
ClaimHandler = Callable[..., str | None]


@dataclass(frozen=True)
class SlackConfig:
    signing_secret: str
    api_url: str | None = None
    command: str = "/request-support"
    hub_channel: str | None = None
    public_url: str = "http://localhost:5000"
    client_id: str | None = None
    client_secret: str | None = None


class StoredTokenAuthorize(Authorize):
    """Authorize each request from a token we already hold, without bolt's per-request `auth.test` call."""

    def __init__(self, token_for: TokenLookup) -> None:
        self.token_for = token_for

    def __call__(  # type: ignore[override]
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult | None:
        token = self.token_for(enterprise_id, team_id)
        if token is None:
            return None
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token, user_id=user_id)


def identity(context: BoltContext) -> tuple[str, dict[str, str]]:
    """The chat identity the core knows this person by, and how to reach them later (a DM)."""
    team = context.team_id or context.enterprise_id or ""
    user = context.user_id or ""
    return f"{team}:{user}", {"team_id": team, "user_id": user}


def create_bolt_app(
    config: SlackConfig,
    *,
    intake: IntakeService,
    clock: Callable[[], datetime],
    token_for: TokenLookup,
    hub_name: str,
    installation_store: InstallationStore | None = None,
    state_store: OAuthStateStore | None = None,
    claim: ClaimHandler | None = None,
    listener_executor: Executor | None = None,
) -> App:
    """Build the bolt App. Nothing here calls Slack: no `auth.test` at start, so a worker boots without network."""
    bolt_logger = logging.getLogger("bot.slack.bolt")
    # Bolt and slack_sdk log whole payloads at DEBUG, and payloads hold concern details: never below INFO.
    for name in ("bot.slack.bolt", "slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.getLogger(name).getEffectiveLevel(), logging.INFO))

    client = WebClient(base_url=config.api_url) if config.api_url else WebClient()
    oauth_settings = None
    if config.client_id and config.client_secret:
        oauth_settings = OAuthSettings(
            client_id=config.client_id,
            client_secret=config.client_secret,
            scopes=list(SCOPES),
            user_scopes=[],
            redirect_uri=f"{config.public_url}/slack/oauth_redirect",
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
            installation_store=installation_store,
            installation_store_bot_only=True,
            state_store=state_store,
        )
    app = App(
        name="earlyhelp",
        logger=bolt_logger,
        signing_secret=config.signing_secret,
        client=client,
        authorize=StoredTokenAuthorize(token_for),
        installation_store=installation_store,
        installation_store_bot_only=True if installation_store is not None else None,
        oauth_settings=oauth_settings,
        process_before_response=True,
        token_verification_enabled=False,
        listener_executor=listener_executor,
    )
    db = intake.db

    # -- rendering ---------------------------------------------------------------------------------------------

    def render(result: StepResult, notices: tuple[Reply, ...] = ()) -> dict[str, Any]:
        """The page for a step's result; a finished conversation (submitted, cancelled) as a view with Close only."""
        if result.done or not result.forms:
            return modal.step_view(result.draft_id, result.replies, first_question="").view
        forms = list(result.forms)
        for n, form in enumerate(forms):
            if MESSAGE_ANSWERS in form.ids and MESSAGE_ANSWERS not in form.prefills:
                offered = my_requests.suggested_answer(db, result.draft_id, MESSAGE_ANSWERS)
                if offered:
                    forms[n] = dataclasses.replace(form, prefills={**form.prefills, MESSAGE_ANSWERS: offered})
        shown = result.revisit or forms[0].section
        order = list(SECTION_TITLES)
        earlier = [s for s in result.answered_sections if order.index(s) < order.index(shown)]
        back = bool(earlier) or (result.revisit is None and shown in result.answered_sections)
        changeable = result.answered_sections if pages.is_review(forms) else ()
        shown_notices = (*notices, *(r for r in result.replies if r.input == "none" and not r.error))
        return pages.page_view(
            result.draft_id, forms, shown_notices, revisit=result.revisit, back=back, changeable=changeable
        )

    def open_view(client: WebClient, trigger_id: str, result: StepResult) -> None:
        try:
            if not result.done:
                notices = tuple(r for r in result.replies if r.input == "none" and not r.error)
                result = intake.page(result.draft_id, clock())
                # The chat's greeting is written for typed chats: a fresh form leaves it out, a resumed one keeps
                # its "welcome back"; the 999 advice is always kept.
                resumed = bool(result.answered_sections)
                notices = tuple(r for r in notices if resumed or r.hints.get("emergency"))
                view = render(result, notices)
            else:
                view = render(result)
            client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as err:
            # The draft is saved; the person can open it again from Home. Log the error code, never the view.
            log.warning("views.open failed: %s", err.response.get("error"))
        except (SlackClientError, OSError) as err:
            log.warning("views.open failed: %s", type(err).__name__)

    def update_view(client: WebClient, view: dict[str, Any], result: StepResult) -> None:
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=render(result))
        except SlackApiError as err:
            log.warning("views.update failed: %s", err.response.get("error"))
        except (SlackClientError, OSError) as err:
            log.warning("views.update failed: %s", type(err).__name__)

    # -- ways in -----------------------------------------------------------------------------------------------

    def just_ack(ack: Ack) -> None:
        ack()

    def open_intake(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        who, address = identity(context)
        result = intake.open_conversation(CHANNEL, who, clock(), address=address)
        open_view(client, body["trigger_id"], result)

    def open_from_message(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        who, address = identity(context)
        result = intake.open_conversation(CHANNEL, who, clock(), address=address)
        text = str((body.get("message") or {}).get("text") or "").strip()
        if text:
            my_requests.suggest_answer(db, result.draft_id, MESSAGE_ANSWERS, text[: modal.INPUT_MAX])
        open_view(client, body["trigger_id"], result)

    def resume_draft(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        who, _ = identity(context)
        draft_id = str(body["actions"][0].get("value") or "")
        if my_requests.owns_open_draft(db, draft_id, CHANNEL, who):
            welcome = Reply(text="Welcome back. Your answers so far are saved; here is where you left off.")
            open_view(
                client, body["trigger_id"], dataclasses.replace(intake.current(draft_id, clock()), replies=(welcome,))
            )
        else:
            open_intake(body, client, context)

    # -- the modal ---------------------------------------------------------------------------------------------

    # Registered first: bolt tries listeners in order, and a modal page is by far the most frequent request.
    @app.view_submission(modal.CALLBACK_ID)
    def on_page(ack: Ack, view: dict[str, Any]) -> None:
        draft_id = str(view.get("private_metadata") or "")
        now = clock()
        try:
            answers = pages.answers_from_view(view)
            result = intake.handle_page(draft_id, answers, now)
        except DraftNotFound:
            ack(response_action="update", view=modal.step_view(draft_id, _notice(EXPIRED), first_question="").view)
            return
        except modal.UnexpectedView:
            log.warning("view_submission with an unexpected shape for draft %s", draft_id)
            ack(response_action="update", view=modal.step_view(draft_id, _notice(EXPIRED), first_question="").view)
            return
        except OperationalError:
            log.exception("database unavailable during a Slack modal page")
            first = next((b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"), None)
            if first:
                ack(response_action="errors", errors={first: DB_DOWN})
            else:
                ack(response_action="update", view=modal.step_view(draft_id, _notice(DB_DOWN), first_question="").view)
            return
        if result.errors:
            errors = pages.errors_for(result.errors, view)
            if errors:
                ack(response_action="errors", errors=errors)
                return
            # A message about a field this view does not show: say it above the page that asks it.
            said = tuple(Reply(text=m, hints={"private": True}) for m in result.errors.values())
            result = dataclasses.replace(result, replies=said)
        ack(response_action="update", view=render(result))

    # The ways in, after the modal page (see above).
    app.command(config.command)(ack=just_ack, lazy=[open_intake])
    app.shortcut(GLOBAL_SHORTCUT)(ack=just_ack, lazy=[open_intake])
    app.shortcut(MESSAGE_SHORTCUT)(ack=just_ack, lazy=[open_from_message])
    app.action(home.RAISE_ACTION)(ack=just_ack, lazy=[open_intake])
    app.action(home.RESUME_ACTION)(ack=just_ack, lazy=[resume_draft])

    def go_back(body: dict[str, Any], client: WebClient) -> None:
        """Back: the section before (or this section again) with every answer filled in; nothing is forgotten."""
        view = body.get("view") or {}
        draft_id = str(view.get("private_metadata") or "")
        shown, revisited = pages.parse_back_value(str(body["actions"][0].get("value") or ""))
        try:
            result = intake.back_page(draft_id, clock(), shown, revisited)
        except DraftNotFound:
            return
        update_view(client, view, result)

    def change_section(body: dict[str, Any], client: WebClient) -> None:
        """A Change button on the review: that section again, answers filled in."""
        view = body.get("view") or {}
        draft_id = str(view.get("private_metadata") or "")
        section, _ = pages.parse_back_value(str(body["actions"][0].get("value") or ""))
        try:
            result = intake.page(draft_id, clock(), revisit=section or None)
        except DraftNotFound:
            return
        update_view(client, view, result)

    def cancel_request(body: dict[str, Any], client: WebClient) -> None:
        view = body.get("view") or {}
        draft_id = str(view.get("private_metadata") or "")
        shown = str(body["actions"][0].get("value") or "")
        now = clock()
        try:
            current = intake.current(draft_id, now)
            asked = modal._asking(current.replies)
            if current.done or asked is None or asked.question_id != shown:
                result = intake.page(draft_id, now) if not current.done else current  # a doubled click
            else:
                result = intake.handle(draft_id, Inbound(text="cancel"), now)
        except DraftNotFound:
            return
        update_view(client, view, result)

    app.action(modal.BACK_ACTION)(ack=just_ack, lazy=[go_back])
    app.action(re.compile(f"^{re.escape(pages.CHANGE_ACTION)}:"))(ack=just_ack, lazy=[change_section])
    app.action(modal.CANCEL_ACTION)(ack=just_ack, lazy=[cancel_request])

    # -- App Home ----------------------------------------------------------------------------------------------

    def publish_home(client: WebClient, context: BoltContext) -> None:
        who, _ = identity(context)
        view = home.home_view(
            my_requests.open_drafts(db, CHANNEL, who), my_requests.requests_of(db, CHANNEL, who), hub_name
        )
        try:
            client.views_publish(user_id=context.user_id, view=view)
        except SlackApiError as err:
            log.warning("views.publish failed: %s", err.response.get("error"))
        except (SlackClientError, OSError) as err:
            log.warning("views.publish failed: %s", type(err).__name__)

    app.event("app_home_opened")(ack=just_ack, lazy=[publish_home])

    # -- the hub channel ---------------------------------------------------------------------------------------

    def claim_request(body: dict[str, Any], context: BoltContext, respond: Any) -> None:
        _claim_click(body, context, respond, take_over=False)

    def take_over_request(body: dict[str, Any], context: BoltContext, respond: Any) -> None:
        _claim_click(body, context, respond, take_over=True)

    def _claim_click(body: dict[str, Any], context: BoltContext, respond: Any, *, take_over: bool) -> None:
        channel = (body.get("channel") or {}).get("id")
        if config.hub_channel and channel and channel != config.hub_channel.split(":")[-1]:
            log.warning("claim clicked outside the hub channel; ignored")
            return
        if claim is None:
            return
        try:
            request_id = int(body["actions"][0]["value"])
        except (KeyError, ValueError, TypeError):
            return
        who, _ = identity(context)
        try:
            problem = claim(request_id, f"slack:{who}", clock(), take_over=take_over)
        except AlreadyClaimed as err:
            # Someone else holds it: taking it from them is a separate, explicit click (audited as a take-over).
            respond(
                text=str(err),
                blocks=take_over_offer(str(err), request_id),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        except OperationalError:
            # bolt would only log this: the person who clicked must hear that nothing happened.
            log.exception("database unavailable claiming a request from Slack")
            problem = CLAIM_DB_DOWN
        if problem:
            respond(text=problem, response_type="ephemeral", replace_original=False)
        elif take_over:
            respond(text="You have taken this request over.", response_type="ephemeral", replace_original=True)

    # Claiming is quick database work, but its reply to the clicker is a Web API call: both after the ack.
    app.action(SLACK_CLAIM_ACTION)(ack=just_ack, lazy=[claim_request])
    app.action(SLACK_TAKE_OVER_ACTION)(ack=just_ack, lazy=[take_over_request])
    app.action(SLACK_OPEN_ACTION)(just_ack)

    # -- Events API retries ------------------------------------------------------------------------------------

    app.use(OncePerEvent(db, clock))
    return app


class OncePerEvent(Middleware):
    """Slack retries an Events API delivery it thinks failed: handle each event_id once.

    A Middleware class rather than a decorated function, because bolt works out a function's arguments by
    introspection on every request, which is a measurable part of every modal step."""

    def __init__(self, db: Any, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not first_delivery(self._db, str(event_id), body.get("team_id"), self._clock()):
            log.info("event %s delivered again; already handled", event_id)
            return BoltResponse(status=200, body="")
        return next()


def take_over_offer(message: str, request_id: int) -> list[dict[str, Any]]:
    """The clicker's private answer when someone else holds the request: what happened, and a Take over button."""
    return [
        {"type": "section", "text": {"type": "plain_text", "text": message}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": SLACK_TAKE_OVER_ACTION,
                    "value": str(request_id),
                    "text": {"type": "plain_text", "text": "Take over"},
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Take this request over?"},
                        "text": {"type": "plain_text", "text": "It will be yours, and the take-over is recorded."},
                        "confirm": {"type": "plain_text", "text": "Take over"},
                        "deny": {"type": "plain_text", "text": "Cancel"},
                    },
                }
            ],
        },
    ]


def _notice(text: str) -> tuple[Reply, ...]:
    return (Reply(text=text),)
