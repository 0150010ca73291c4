"""Wiring Slack into the app when it is configured: the bolt App and its routes.

With no Slack settings nothing is registered and the service runs without Slack. One workspace needs
SLACK_SIGNING_SECRET + SLACK_BOT_TOKEN; several need SLACK_SIGNING_SECRET + SLACK_CLIENT_ID + SLACK_CLIENT_SECRET,
with installations kept in our database (tables made by Alembic).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from app.config import Settings
from bot.slack import SlackConfig, create_bolt_app, slack_blueprint
from bot.slack.store import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE, forget_events_before
from bot.slack.submission import remember_address
from hub.new_request import HubDestination
from hub.notifiers.slack import SlackNotifier
from intake import triage
from intake.service import IntakeService

TokenLookup = Callable[[str | None, str | None], str | None]
# Slack retries an Events API delivery for about an hour; a day's receipts is plenty to recognise a retry.
EVENT_MEMORY = timedelta(days=1)


def slack_config(settings: Settings) -> SlackConfig | None:
    secret = settings.get("SLACK_SIGNING_SECRET")
    token = settings.get("SLACK_BOT_TOKEN")
    client_id, client_secret = settings.get("SLACK_CLIENT_ID"), settings.get("SLACK_CLIENT_SECRET")
    if not secret or not (token or (client_id and client_secret)):
        return None
    api_url = settings.get("SLACK_API_URL") or None
    if api_url and not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins method names onto it
    return SlackConfig(
        signing_secret=secret,
        api_url=api_url,
        command=settings.get("SLACK_COMMAND") or "/request-support",
        hub_channel=settings.get("SLACK_HUB_CHANNEL") or None,
        public_url=settings.public_url,
        client_id=None if token else client_id,
        client_secret=None if token else client_secret,
    )


def hub_recipient(hub_channel: str) -> dict[str, str]:
    """ "C0123" for one workspace; "T0456:C0123" names the workspace too when the app is in several."""
    team, _, channel = hub_channel.rpartition(":")
    return {"team_id": team, "channel": channel} if team else {"channel": channel}


def register_slack(app: Flask, listener_executor: Executor | None = None) -> None:
    settings: Settings = app.extensions["settings"]
    config = slack_config(settings)
    if config is None:
        if any(settings.get(n) for n in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID")):
            app.logger.warning(
                "Slack is partly configured and stays off: set SLACK_SIGNING_SECRET and either SLACK_BOT_TOKEN "
                "or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET"
            )
        return
    intake: IntakeService = app.extensions["intake"]
    engine = intake.db.engine
    installation_store = state_store = None
    token_for: TokenLookup
    if config.client_id:
        installation_store = SQLAlchemyInstallationStore(
            client_id=config.client_id,
            engine=engine,
            bots_table_name=BOTS_TABLE,
            installations_table_name=INSTALLATIONS_TABLE,
        )
        state_store = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine, table_name=OAUTH_STATES_TABLE)
        store = installation_store

        def token_for(enterprise_id: str | None, team_id: str | None) -> str | None:
            bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
            return bot.bot_token if bot is not None else None
    else:
        token = settings.get("SLACK_BOT_TOKEN")

        def token_for(enterprise_id: str | None, team_id: str | None) -> str | None:
            return token

    bolt = create_bolt_app(
        config,
        intake=intake,
        clock=app.extensions["clock"],
        token_for=token_for,
        hub_name=app.extensions["rules"].contacts.hub_name,
        installation_store=installation_store,
        state_store=state_store,
        claim=_claimer(intake),
        listener_executor=listener_executor,
    )
    # Before the hub's submit listener, which sends the receipt to the address remembered here.
    intake.listeners.insert(0, remember_address)
    app.extensions["notifiers"]["slack"] = SlackNotifier(token_for, intake.db, config.api_url, app.extensions["labels"])
    if config.hub_channel:
        app.extensions["hub_destinations"].append(HubDestination("slack", hub_recipient(config.hub_channel)))
    app.extensions.setdefault("clock_jobs", []).append(register_event_cleanup)
    app.extensions["slack"] = bolt
    app.extensions["slack_token_for"] = token_for
    app.register_blueprint(slack_blueprint(bolt))


def forget_old_events(app: Flask) -> int:
    return forget_events_before(app.extensions["db"], app.extensions["clock"]() - EVENT_MEMORY)


def register_event_cleanup(scheduler: BaseScheduler, app: Flask) -> None:
    scheduler.add_job(
        forget_old_events,
        "cron",
        hour=3,
        minute=10,
        args=[app],
        id="slack_event_cleanup",
        misfire_grace_time=12 * 3600,
        replace_existing=True,
    )


def _claimer(intake: IntakeService) -> Callable[..., str | None]:
    """The hub channel's Claim and Take over buttons: intake.triage.claim in its own transaction (it enqueues the
    card update). A request someone else holds raises triage.AlreadyClaimed, so the listener can offer the take-over."""

    def claim(request_id: int, actor: str, now: datetime, *, take_over: bool = False) -> str | None:
        try:
            with intake.db.transaction() as s:
                triage.claim(s, request_id, actor, now, take_over=take_over)
        except triage.AlreadyClaimed:
            raise
        except triage.TriageError as err:
            return str(err)
        return None

    return claim
