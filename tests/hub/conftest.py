"""Fixtures shared with tests/bot (the local Slack Web API server and the app wired to it) and the local mail
servers (SMTP, GOV.UK Notify)."""

from tests.bot.conftest import slack_api, slack_app
from tests.mail_servers import notify_api, smtp_server

__all__ = ["notify_api", "slack_api", "slack_app", "smtp_server"]
