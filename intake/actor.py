"""Actors: who did something, as one string in audit events and `assigned_to` ("staff:name@example.org",
"referrer:7", "slack:T1:U2"), and how to show one to a person."""

from __future__ import annotations


def staff_actor(email: str) -> str:
    return f"staff:{email}"


def display_actor(actor: str | None) -> str:
    """The email for hub staff, the raw identity for anyone else, "nobody" for no one."""
    if not actor:
        return "nobody"
    kind, _, who = actor.partition(":")
    return who if kind == "staff" and who else actor
