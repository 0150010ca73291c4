"""Flow: everything the conversation needs that is not the person's answers (the questions, the council's rules,
the urgent phone numbers), built once when the app starts and shared by every conversation.

Place in the flow: app/ builds it; the engine, the plan and the wording read it; adapters never change it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from intake.conversation.question import Question, load_questions
from routing import RuleSet

# An extra check for the question that plays a role (for example an emailed code): given the conversation's state,
# the clean answer and the time, the message to show when the answer cannot be accepted, or None to accept it.
RoleCheck = Callable[[Mapping[str, Any], Any, datetime], str | None]


@dataclass(frozen=True)
class Flow:
    questions: tuple[Question, ...]
    rules: RuleSet
    hub_urgent_phone: str
    emergency_duty_team_phone: str
    # role -> its extra check, run after the answer's own validation (see RoleCheck).
    role_checks: Mapping[str, RoleCheck] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def build(
        cls,
        rules: RuleSet,
        hub_urgent_phone: str = "",
        emergency_duty_team_phone: str = "",
        role_checks: Mapping[str, RoleCheck] | None = None,
    ) -> Flow:
        contacts = rules.contacts
        return cls(
            questions=load_questions(),
            rules=rules,
            hub_urgent_phone=hub_urgent_phone or contacts.hub_urgent_phone,
            emergency_duty_team_phone=emergency_duty_team_phone or contacts.emergency_duty_team_phone,
            role_checks=dict(role_checks or {}),
        )

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def roles(self) -> dict[str, str]:
        """Role -> the id of the question questions.yaml gives it."""
        return {q.role: q.id for q in self.questions if q.role}

    def question(self, question_id: str) -> Question:
        return self.by_id[question_id]

    def role_id(self, role: str) -> str | None:
        return self.roles.get(role)

    @cached_property
    def age_keys(self) -> tuple[str, str, str]:
        """The ids of the unborn, date of birth and age estimate questions, which the child's age is worked from."""
        return (self.roles["unborn"], self.roles["birth_date"], self.roles["age_estimate"])
