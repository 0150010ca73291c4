"""The Slack adapter: a bolt App whose listeners translate Slack payloads into intake calls and back.

Place in the flow: POST /slack/events -> bolt (signature check, authorize from our stored token, event dedupe) ->
these listeners -> IntakeService (the same engine as the browser chat) -> a view, an ack, or nothing.

Speed: `process_before_response=True`, so bolt never polls for ack() in the web process. What Slack waits on (a
`view_submission` answer) is database work only. Calls that need a `trigger_id` or a view id (views.open,
views.update, views.publish) run as bolt lazy listeners after the ack; messages that can wait (DMs, the hub channel)
go through the outbox and are never sent from here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
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

from bot.slack import home, modal
from bot.slack.store import first_delivery
from intake import my_requests
from intake.conversation.turn import Inbound, Reply
from intake.labels import SLACK_CLAIM_ACTION, SLACK_OPEN_ACTION
from intake.service import DraftNotFound, IntakeService, StepResult

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
# claim(request_id, actor, now) -> a short message for the person who clicked, or None when it worked.
ClaimHandler = Callable[[int, str, datetime], str | None]


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
    first_question = intake.flow.questions[0].id

    # -- rendering ---------------------------------------------------------------------------------------------

    def render(result: StepResult, opening: bool = False) -> modal.StepView:
        question = modal._asking(result.replies)
        prefill = None
        if question is not None and question.question_id == MESSAGE_ANSWERS:
            prefill = my_requests.suggested_answer(db, result.draft_id, MESSAGE_ANSWERS)
        return modal.step_view(
            result.draft_id, result.replies, first_question=first_question, prefill=prefill, opening=opening
        )

    def open_view(client: WebClient, trigger_id: str, result: StepResult) -> None:
        try:
            client.views_open(trigger_id=trigger_id, view=render(result, opening=True).view)
        except SlackApiError as err:
            # The draft is saved; the person can open it again from Home. Log the error code, never the view.
            log.warning("views.open failed: %s", err.response.get("error"))
        except (SlackClientError, OSError) as err:
            log.warning("views.open failed: %s", type(err).__name__)

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
            result = intake.current(draft_id, clock())
            open_view(client, body["trigger_id"], result)
        else:
            open_intake(body, client, context)

    # -- the modal ---------------------------------------------------------------------------------------------

    # Registered first: bolt tries listeners in order, and a modal step is by far the most frequent request.
    @app.view_submission(modal.CALLBACK_ID)
    def on_step(ack: Ack, view: dict[str, Any]) -> None:
        draft_id = str(view.get("private_metadata") or "")
        values = (view.get("state") or {}).get("values") or {}
        now = clock()
        try:
            answered = modal.answered_question(values) or "review"
            # Naming the step answered makes the conversation apply nothing when it is waiting on another one (a
            # doubled Next or an old view): it says so and shows the step it really is on.
            inbound = replace(modal.answer_from_view(values), question_id=answered)
            result = intake.handle(draft_id, inbound, now)
        except DraftNotFound:
            ack(response_action="update", view=modal.step_view(draft_id, _notice(EXPIRED), first_question="").view)
            return
        except modal.UnexpectedView:
            log.warning("view_submission with an unexpected shape for draft %s", draft_id)
            ack(response_action="update", view=modal.step_view(draft_id, _notice(EXPIRED), first_question="").view)
            return
        except OperationalError:
            log.exception("database unavailable during a Slack modal step")
            block = modal.block_id(answered) if answered != "review" else None
            if block:
                ack(response_action="errors", errors={block: DB_DOWN})
            else:
                ack(response_action="update", view=modal.step_view(draft_id, _notice(DB_DOWN), first_question="").view)
            return
        errors = modal.errors_for(result.replies)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack(response_action="update", view=render(result).view)

    # The ways in, after the modal step (see above).
    app.command(config.command)(ack=just_ack, lazy=[open_intake])
    app.shortcut(GLOBAL_SHORTCUT)(ack=just_ack, lazy=[open_intake])
    app.shortcut(MESSAGE_SHORTCUT)(ack=just_ack, lazy=[open_from_message])
    app.action(home.RAISE_ACTION)(ack=just_ack, lazy=[open_intake])
    app.action(home.RESUME_ACTION)(ack=just_ack, lazy=[resume_draft])

    def _view_action(command: str) -> Callable[..., None]:
        def lazy(body: dict[str, Any], client: WebClient) -> None:
            view = body.get("view") or {}
            draft_id = str(view.get("private_metadata") or "")
            shown = str(body["actions"][0].get("value") or "")
            now = clock()
            try:
                current = intake.current(draft_id, now)
                asked = modal._asking(current.replies)
                if current.done or asked is None or asked.question_id != shown:
                    result = current  # a doubled click: go back once only
                else:
                    result = intake.handle(draft_id, Inbound(text=command), now)
            except DraftNotFound:
                return
            try:
                client.views_update(view_id=view["id"], hash=view.get("hash"), view=render(result).view)
            except SlackApiError as err:
                log.warning("views.update failed: %s", err.response.get("error"))
            except (SlackClientError, OSError) as err:
                log.warning("views.update failed: %s", type(err).__name__)

        lazy.__name__ = f"view_{command}"
        return lazy

    app.action(modal.BACK_ACTION)(ack=just_ack, lazy=[_view_action("back")])
    app.action(modal.CANCEL_ACTION)(ack=just_ack, lazy=[_view_action("cancel")])

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
            problem = claim(request_id, f"slack:{who}", clock())
        except OperationalError:
            # bolt would only log this: the person who clicked must hear that nothing happened.
            log.exception("database unavailable claiming a request from Slack")
            problem = CLAIM_DB_DOWN
        if problem:
            respond(text=problem, response_type="ephemeral", replace_original=False)

    # Claiming is quick database work, but its reply to the clicker is a Web API call: both after the ack.
    app.action(SLACK_CLAIM_ACTION)(ack=just_ack, lazy=[claim_request])
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


def _notice(text: str) -> tuple[Reply, ...]:
    return (Reply(text=text),)
