"""Actors: who did something, as one string in audit events and `assigned_to` ("staff:name@example.org",
"referrer:7", "slack:T1:U2", "teams:<Entra object id>|<display name>"), and how to show one to a person."""

from __future__ import annotations

import re

# A Teams actor carries the person's display name after this mark, so cards and the hub can show a name rather
# than an id; the identity is the part before it.
NAME_MARK = "|"
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f|]+")


def staff_actor(email: str) -> str:
    return f"staff:{email}"


def teams_actor(identity: str, name: str | None = None) -> str:
    """A Teams user: their stable id, and the display name Teams gave (shortened, never control characters)."""
    shown = " ".join(_UNPRINTABLE.sub(" ", name or "").split())[:80]
    return f"teams:{identity}{NAME_MARK}{shown}" if shown else f"teams:{identity}"


def identity_of_actor(actor: str) -> str:
    """The actor without a display name: two actors are the same person when these are equal."""
    return actor.split(NAME_MARK, 1)[0] if actor.startswith("teams:") else actor


def display_actor(actor: str | None) -> str:
    """The email for hub staff, the name for a Teams user, the raw identity for anyone else, "nobody" for no one."""
    if not actor:
        return "nobody"
    kind, _, who = actor.partition(":")
    if kind == "teams" and NAME_MARK in who:
        return who.split(NAME_MARK, 1)[1] or actor
    return who if kind == "staff" and who else actor
