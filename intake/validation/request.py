"""The schema for a complete request, checked again at submission so that a bad stored draft (an old question
set, a hand-edited row, a bug) can never become a bad request.

Built from the steps that apply to this conversation: every applicable question must be answered and its answer
must load through its own step field; then the checks that span several answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, validates_schema

from intake.conversation.ages import whole_years
from intake.conversation.question import Question
from intake.conversation.turn import Choice
from intake.validation.step import field_for, first_message

ADULT_AGE = 18


@dataclass(frozen=True)
class RequestProblem:
    """What is wrong and which answer to ask again."""

    key: str
    message: str


class RequestRules(Schema):
    """Checks across answers; the fields are added per conversation by `request_schema`."""

    class Meta:
        unknown = EXCLUDE

    def __init__(self, *, today: date, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.today = today

    @validates_schema
    def child_is_a_child(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("child_unborn"):
            if not data.get("child_due_date"):
                raise ValidationError("Please give the baby's due date.", "child_due_date")
            return
        dob = data.get("child_dob")
        if dob and whole_years(date.fromisoformat(dob), self.today) >= ADULT_AGE:
            raise ValidationError("The children's hub takes requests about children under 18.", "child_dob")
        estimate = data.get("child_age_estimate")
        if not dob and estimate is not None and estimate >= ADULT_AGE:
            raise ValidationError("The children's hub takes requests about children under 18.", "child_age_estimate")

    @validates_schema
    def consent_is_explained(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("consent_not_sought") == "not_sought_risk" and not data.get("consent_risk_reason"):
            raise ValidationError(
                "Please say why asking the parents or carers would put the child at risk.", "consent_risk_reason"
            )

    @validates_schema
    def emergency_was_handled(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("immediate_danger") and data.get("carry_on_after_emergency") is not True:
            raise ValidationError("Please say whether to record the details.", "carry_on_after_emergency")


def request_schema(steps: Sequence[tuple[Question, Sequence[Choice]]], today: date) -> RequestRules:
    declared = {}
    for question, choices in steps:
        if question.kind in ("review",):
            continue
        field = field_for(question, choices, today)
        # Indicator pages are named like 'indicators.neglect.1'; a dotted attribute would nest in the result.
        field.data_key = question.id
        # Control questions (age check, profile confirmation, carrying on after an emergency) guard the flow;
        # the checks below cover what they guard, so their own answers are not required here.
        field.required = question.review
        declared[_attribute(question.id)] = field
    schema_class = RequestRules.from_dict(declared, name="RequestSchema")
    return schema_class(today=today)


def _attribute(key: str) -> str:
    return key.replace(".", "__")


def validate_request(
    steps: Sequence[tuple[Question, Sequence[Choice]]], answers: dict[str, Any], today: date
) -> tuple[dict[str, Any], list[RequestProblem]]:
    """The clean answers of a complete request, and what is wrong with them (empty when nothing is)."""
    schema = request_schema(steps, today)
    try:
        loaded = schema.load(answers)
        keys = {_attribute(q.id): q.id for q, _ in steps}
        return {keys.get(name, name): value for name, value in loaded.items()}, []
    except ValidationError as err:
        problems = []
        order = [q.id for q, _ in steps]
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        for key in sorted(messages, key=lambda k: order.index(k) if k in order else len(order)):
            problems.append(RequestProblem(key, first_message(messages[key])))
        return {}, problems
