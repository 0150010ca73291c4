"""Compatibility shim: answers are now loaded through the marshmallow step schemas in intake.validation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from intake.conversation.question import Question
from intake.conversation.turn import Choice, Inbound
from intake.validation import AnswerError, load_answer

__all__ = ["AnswerError", "parse"]


def parse(question: Question, inbound: Inbound, choices: Sequence[Choice], today: date) -> Any:
    """Return the answer value for `question`, or raise AnswerError with a message that says what to do."""
    if inbound.choices is not None:
        raw: Any = list(inbound.choices)
    elif inbound.choice is not None:
        raw = inbound.choice
    else:
        raw = inbound.text or ""
    return load_answer(question, raw, choices, today)
