"""Which questions apply to this conversation, in order, worked out again from the answers on every step, so that
changing one answer re-routes the rest of the conversation.

Place in the flow: the engine asks `plan` for the next step and for what to show at review; the request schema
checks the answers to exactly the steps the plan names. No cache: a step works the plan out once or twice, which
costs about a tenth of a millisecond each time (measured in the issue 21 note; a cache keyed by the answers saved
less than it cost to keep right).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from intake.conversation.ages import child_age, child_age_years
from intake.conversation.flow import Flow
from intake.conversation.question import Question
from intake.conversation.turn import Choice

INDICATOR_PAGE_SIZE = 10  # Slack allows at most ten checkbox options in one block.


def plan(flow: Flow, state: Mapping[str, Any], today: date) -> list[Question]:
    """The steps that apply to this conversation, in order, given the answers so far.

    Conditions only see answers to steps that themselves apply, so an answer left behind by a change (a disability
    answered before the person said the baby is unborn) cannot switch later questions on.
    """
    answers = state.get("answers", {})
    age_from = set(flow.age_keys)
    values: dict[str, Any] = {"has_profile": bool(state.get("profile")), "channel": state.get("channel", "web")}
    steps: list[Question] = []
    for q in flow.questions:
        if not q.applies(values):
            continue
        if q.kind == "indicators":
            steps.extend(_indicator_pages(flow, q, values, today))
            continue
        steps.append(q)
        if q.id in answers:
            values[q.id] = answers[q.id]
            if q.id in age_from:
                age = child_age(*(values.get(k) for k in flow.age_keys), today)
                if age is None:
                    values.pop("child_age", None)
                else:
                    values["child_age"] = age
    return steps


def _indicator_pages(flow: Flow, q: Question, values: Mapping[str, Any], today: date) -> list[Question]:
    """One page per chosen category (at most ten signs each), each sign shown once, in the rules' order."""
    chosen = list(values.get(categories_id(flow)) or [])
    if not chosen:
        return []
    unborn_id = flow.age_keys[0]
    unborn = bool(values.get(unborn_id))
    offered = flow.rules.indicators_for(chosen, child_age_years(*(values.get(k) for k in flow.age_keys), today), unborn)
    groups = [c for c in flow.rules.categories if c.id in chosen or (unborn and c.id == "pre_birth")]
    shown: set[str] = set()
    pages: list[Question] = []
    for category in groups:
        mine = [i for i in offered if category.id in i.categories and i.id not in shown]
        shown.update(i.id for i in mine)
        chunks = [mine[n : n + INDICATOR_PAGE_SIZE] for n in range(0, len(mine), INDICATOR_PAGE_SIZE)]
        for number, chunk in enumerate(chunks, start=1):
            choices = tuple(Choice(i.id, i.text) for i in chunk)
            pages.append(q.page_of(category.id, category.label, number, len(chunks), choices))
    return pages


def categories_id(flow: Flow) -> str:
    return next((q.id for q in flow.questions if q.kind == "categories"), "")


def effective_answers(flow: Flow, state: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The answers to the steps that apply now (answers left behind by a change are ignored)."""
    answers = state.get("answers", {})
    return {q.id: answers[q.id] for q in plan(flow, state, today) if q.id in answers}


def choices_for(flow: Flow, question: Question, answers: Mapping[str, Any]) -> tuple[Choice, ...]:
    if question.kind == "categories":
        # Pre-birth signs are always offered for an unborn baby, and never apply to a child already born.
        unborn = bool(answers.get(flow.age_keys[0]))
        return tuple(Choice(c.id, c.label) for c in flow.rules.categories if c.id != "pre_birth" or unborn)
    return question.choices


def find(steps: list[Question], key: str) -> Question | None:
    return next((q for q in steps if q.id == key), None)


def next_step(steps: list[Question], answers: Mapping[str, Any]) -> Question:
    for q in steps:
        if q.id not in answers:
            return q
    raise RuntimeError("no question left")  # pragma: no cover - the review is always last and never answered


def reconcile(steps: list[Question], state: dict[str, Any]) -> bool:
    """Forget indicator pages whose list of signs changed (another category or age), so they are asked again.
    True when something was forgotten (the plan must be worked out again)."""
    offered = state.setdefault("offered", {})
    changed = False
    for q in steps:
        if q.kind != "indicators" or q.id not in state["answers"]:
            continue
        if offered.get(q.id) != [c.value for c in q.choices]:
            state["answers"].pop(q.id, None)
            offered.pop(q.id, None)
            changed = True
    return changed
