"""The Slack adapter: slash command, shortcuts, App Home and the guided intake as a multi-step modal.

`slack_blueprint(bolt_app)` mounts bolt at POST /slack/events (events, commands, shortcuts and interactivity on one
URL) and, for installation into several workspaces, GET /slack/install and /slack/oauth_redirect.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler

from bot.slack.listeners import SlackConfig, create_bolt_app

__all__ = ["SlackConfig", "create_bolt_app", "slack_blueprint"]


def slack_blueprint(bolt_app: App) -> Blueprint:
    handler = SlackRequestHandler(bolt_app)
    blueprint = Blueprint("slack", __name__)

    # The handler reads the raw body for the signature check: nothing may touch request.form/json before it.
    @blueprint.post("/slack/events")
    def events() -> Response:
        # bolt turns the timestamp into a number and parses the body before anything else: a timestamp that is not
        # a number, or a body it cannot parse, is refused here rather than raised as a 500.
        stamp = request.headers.get("X-Slack-Request-Timestamp", "")
        if not (stamp.isdigit() and len(stamp) <= 12):
            return Response("Invalid request timestamp", status=401, mimetype="text/plain")
        try:
            return handler.handle(request)
        except (ValueError, RecursionError):
            return Response("That is not a Slack request body.", status=400, mimetype="text/plain")

    if bolt_app.oauth_flow is not None:

        @blueprint.get("/slack/install")
        def install() -> Response:
            return handler.handle(request)

        @blueprint.get("/slack/oauth_redirect")
        def oauth_redirect() -> Response:
            return handler.handle(request)

    return blueprint
