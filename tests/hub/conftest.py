"""Fixtures shared with tests/bot: the local Slack Web API server and the app wired to it."""

from tests.bot.conftest import slack_api, slack_app

__all__ = ["slack_api", "slack_app"]
