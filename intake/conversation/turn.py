"""What goes in and out of the conversation: plain data that every chat adapter translates to and from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The input a reply asks for; adapters draw buttons, checkboxes, date pickers or a text box from it.
INPUT_KINDS = ("text", "choice", "multi", "date", "none")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str

    def to_dict(self) -> dict[str, str]:
        return {"value": self.value, "label": self.label}


@dataclass(frozen=True)
class Inbound:
    """One thing a person did: typed text, picked one option, picked several, or pressed a command button.

    `question_id`, when an adapter sends it (a Slack modal or Teams card answering one step), must name the step
    the conversation is waiting for; a stale card's answer is never applied to a different question.
    `command` is a button such as "back", "help", "cancel", "start again" or "change 3".
    """

    text: str | None = None
    choice: str | None = None
    choices: tuple[str, ...] | None = None
    question_id: str | None = None
    command: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.text is None and self.choice is None and self.choices is None and self.command is None


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    input: str = "none"
    question_id: str | None = None
    help: str | None = None
    error: bool = False
    # Extra hints for richer adapters (Slack modals, Teams cards): min/max length, placeholder, etc.
    hints: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "choices": [c.to_dict() for c in self.choices],
            "input": self.input,
        }
        if self.question_id:
            out["question_id"] = self.question_id
        if self.help:
            out["help"] = self.help
        if self.error:
            out["error"] = True
        if self.hints:
            out["hints"] = self.hints
        return out


# What the caller must do after a turn.
SUBMIT = "submit"
CANCELLED = "cancelled"
CLOSED = "closed"


@dataclass(frozen=True)
class Turn:
    state: dict[str, Any]
    replies: tuple[Reply, ...]
    action: str | None = None
    # From `advance_form`: the message for each answer that could not be used, by question id (valid ones are kept).
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def answers(self) -> dict[str, Any]:
        return self.state.get("answers", {})
