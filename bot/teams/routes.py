"""POST /api/messages: the one URL the Bot Framework calls. Authenticate, parse, hand to the bot, answer.

Nothing in the body is acted on before the token is checked; a request without a valid token gets 401 and the
intake never sees it.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request
from microsoft_agents.activity import Activity
from pydantic import ValidationError

from bot.teams.auth import KeysUnavailable, TokenValidator, Unauthorized
from bot.teams.bot import TeamsBot

log = logging.getLogger(__name__)

blueprint = Blueprint("teams", __name__)


@blueprint.post("/api/messages")
def messages() -> tuple[Response, int]:
    validator: TokenValidator = current_app.extensions["teams_validator"]
    bot: TeamsBot = current_app.extensions["teams"]
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "Send a Bot Framework activity as JSON."}), 400
    try:
        validator.validate(request.headers.get("Authorization"), body)
    except Unauthorized as err:
        log.warning("Teams request refused: %s", err)
        return jsonify({"error": "Unauthorized"}), 401
    except KeysUnavailable:
        return jsonify({"error": "Cannot check tokens just now; try again."}), 503
    try:
        activity = Activity.model_validate(body)
    except ValidationError:
        return jsonify({"error": "That is not a Bot Framework activity."}), 400
    if not activity.conversation or not activity.conversation.id or not activity.from_property:
        return jsonify({"error": "The activity needs a conversation and a sender."}), 400
    response = bot.on_activity(activity)
    return jsonify(response.body or {}), response.status
