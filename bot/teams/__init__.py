"""Microsoft Teams: the guided intake as Adaptive Cards in a 1:1 chat, on the Microsoft 365 Agents SDK's models.

`routes` is the HTTP endpoint, `auth` checks the Bot Framework's token, `bot` runs an activity through the intake
service and `cards` draws the engine's replies. Sending into Teams (replies, the hub's channel, outcomes) goes
through the connector the app hands in.
"""

from bot.teams.auth import TokenValidator
from bot.teams.bot import TeamsBot
from bot.teams.routes import blueprint

__all__ = ["TeamsBot", "TokenValidator", "blueprint"]
