"""One schema per step: the marshmallow field that fits the question's kind, wrapped in a one-field schema.

The engine calls `load_answer` with whatever the person sent; the answer comes back clean (dates as ISO strings,
postcodes formatted, choices as their values) or AnswerError carries the message to show before asking again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from marshmallow import Schema, ValidationError, fields

from intake.conversation.question import Question
from intake.conversation.turn import Choice
from intake.validation import fields as answer_fields


class AnswerError(ValueError):
    """The answer cannot be used; the message tells the person what to do."""


FieldFactory = Callable[[Question, Sequence[Choice], date, dict[str, Any]], fields.Field]


def _choice(q: Question, choices: Sequence[Choice], today: date, common: dict[str, Any]) -> fields.Field:
    return answer_fields.OneOf(choices=choices, **common)


def _many(q: Question, choices: Sequence[Choice], today: date, common: dict[str, Any]) -> fields.Field:
    return answer_fields.ManyOf(choices=choices, at_least_one=not q.optional, **common)


def _text(q: Question, choices: Sequence[Choice], today: date, common: dict[str, Any]) -> fields.Field:
    return answer_fields.FreeText(min_length=q.min_length, max_length=q.max_length, **common)


def _number(q: Question, choices: Sequence[Choice], today: date, common: dict[str, Any]) -> fields.Field:
    return answer_fields.WholeNumber(minimum=q.min_value, maximum=q.max_value, **common)


# The step schemas, by question kind.
FIELDS: dict[str, FieldFactory] = {
    "yes_no": lambda q, c, t, common: answer_fields.YesNo(**common),
    "choice": _choice,
    "confirm_profile": _choice,
    "review": _choice,
    "multi": _many,
    "categories": _many,
    "indicators": _many,
    "suggestions": _many,
    "checklist": _many,
    "text": _text,
    "number": _number,
    "date": lambda q, c, today, common: answer_fields.PastDate(today=today, **common),
    "due_date": lambda q, c, today, common: answer_fields.DueDate(today=today, **common),
    "postcode": lambda q, c, t, common: answer_fields.UkPostcode(**common),
    "phone": lambda q, c, t, common: answer_fields.UkPhone(**common),
    "email": lambda q, c, t, common: answer_fields.WorkEmail(**common),
}


def field_for(question: Question, choices: Sequence[Choice], today: date) -> fields.Field:
    # A list question's optional answer is an empty list, never null; any other optional answer may be null.
    nullable = question.optional and question.input != "multi"
    common: dict[str, Any] = {
        "required": True,
        "allow_none": nullable,
        "error_messages": {
            "required": "Please answer this question.",
            "null": "Please answer this question.",
        },
    }
    return FIELDS[question.kind](question, choices, today, common)


@lru_cache(maxsize=1024)
def step_schema(question: Question, choices: tuple[Choice, ...], today: date) -> Schema:
    """The schema for one step: {"value": <answer>}. Made once per question, choices and day: building a schema
    class costs more than validating with it, and loading does not change the schema, so threads can share it."""
    schema_class = Schema.from_dict({"value": field_for(question, choices, today)}, name=f"{question.kind}_step")
    return schema_class()


def load_answer(question: Question, raw: Any, choices: Sequence[Choice], today: date) -> Any:
    """The clean answer to `question`, or AnswerError with a message that says what to do."""
    try:
        return step_schema(question, tuple(choices), today).load({"value": raw})["value"]
    except ValidationError as err:
        raise AnswerError(first_message(err.messages)) from None


def first_message(messages: Any) -> str:
    while isinstance(messages, dict | list):
        if not messages:
            return "Please check your answer and send it again."
        messages = next(iter(messages.values())) if isinstance(messages, dict) else messages[0]
    return str(messages)
