"""The words a person can type instead of an answer (back, help, change 3, start again, cancel) and what they do.

Place in the flow: the engine recognises a command with `command_of` before treating the message as an answer.
"""

from __future__ import annotations

import re

from intake.conversation.turn import Inbound

COMMANDS = {
    "back": "back",
    "go back": "back",
    "previous": "back",
    "help": "help",
    "?": "help",
    "cancel": "cancel",
    "start again": "restart",
    "restart": "restart",
    "start over": "restart",
    "change": "change",
    "edit": "change",
}
_CHANGE = re.compile(r"^(?:change|edit)\s+(.+)$", re.I)
GENERAL_HELP = (
    "Answer the question below. You can also type 'back' to go to the previous question, 'change' and a question's "
    "number or name to change an answer (for example 'change postcode'), 'start again', or 'cancel' to stop "
    "without sending anything. If a child is in immediate danger, call 999 now."
)


def command_of(inbound: Inbound) -> tuple[str, str] | None:
    """(command, argument) when the person pressed a command button or typed one; None for an answer."""
    if inbound.command:
        word = inbound.command.strip().casefold()
        match = _CHANGE.match(word)
        if match:
            return "change", match.group(1)
        return (COMMANDS[word], "") if word in COMMANDS else None
    if inbound.text is None or inbound.choice is not None or inbound.choices is not None:
        return None
    text = inbound.text.strip()
    word = text.casefold().rstrip(".!")
    if word in COMMANDS:
        return COMMANDS[word], ""
    match = _CHANGE.match(text)
    if match and len(text) <= 80:
        return "change", match.group(1).strip()
    return None
