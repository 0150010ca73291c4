"""The browser chat that ships with the service: a server-rendered page and the JSON API it (and others) speak.

An adapter only: it turns HTTP into `Inbound` for the intake service and `Reply` back into JSON or HTML.
"""

from bot.webchat.routes import blueprint

__all__ = ["blueprint"]
