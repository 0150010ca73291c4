"""Which questions apply to this conversation, in order, worked out again from the answers on every step, so that
changing one answer re-routes the rest of the conversation.

Place in the flow: the engine asks `plan` for the next step and for what to show at review; the request schema
checks the answers to exactly the steps the plan names. No cache: a step works the plan out once or twice, which
costs about a tenth of a millisecond each time (measured in the issue 21 note; a cache keyed by the answers saved
less than it cost to keep right).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from intake.conversation.ages import child_age, child_age_years
from intake.conversation.fills import BROWSE, NONE
from intake.conversation.flow import Flow
from intake.conversation.question import NOTHING, Question
from intake.conversation.relevance import mentions
from intake.conversation.turn import Choice
from routing import suggest_indicators

INDICATOR_PAGE_SIZE = 10  # Slack allows at most ten checkbox options in one block.
# Suggested signs shown at most, so the list with "none of these" and "look through by area" fits one Slack block.
SUGGESTIONS_SHOWN = 8
NONE_OF_THESE = Choice(NONE, "None of these")
BROWSE_BY_AREA = Choice(BROWSE, "Look through all the signs by area")


def plan(flow: Flow, state: Mapping[str, Any], today: date) -> list[Question]:
    """The steps that apply to this conversation, in order, given the answers so far.

    Conditions only see answers to steps that themselves apply, so an answer left behind by a change (a disability
    answered before the person said the baby is unborn) cannot switch later questions on.
    """
    answers = state.get("answers", {})
    age_from = set(flow.age_keys)
    values: dict[str, Any] = {
        "has_profile": bool(state.get("profile")),
        "channel": state.get("channel", "web"),
        "email_codes": "email_code" in flow.role_checks,
    }
    steps: list[Question] = []
    for q in flow.questions:
        # A question asked only when something points to it stays asked once answered (its answer is kept).
        if not q.applies(values) and not (q.otherwise is not NOTHING and q.id in answers):
            if q.otherwise is not NOTHING:
                values[q.id] = q.otherwise
            if q.kind == "suggestions":
                values["browsing"] = True  # nothing to suggest from: the signs are found by area
            continue
        if q.kind == "indicators":
            steps.extend(_indicator_pages(flow, q, values, today))
            _note_areas(flow, values, answers, steps)
            continue
        if q.kind == "suggestions":
            q = _with_suggestions(flow, q, values, answers, today)
            if not q.choices:
                values["browsing"] = True
                continue
        elif q.kind == "checklist":
            q = _with_items(flow, q, values)
            if len(q.choices) <= 1:
                continue  # nothing to tick but "none of these"
        steps.append(q)
        if q.id in answers:
            values[q.id] = answers[q.id]
            if q.role == "concern_text":
                values["mentions"] = mentions(answers[q.id])
            if q.kind == "suggestions":
                picked = answers[q.id] or []
                values["browsing"] = BROWSE in picked or NONE in picked
            if q.kind in ("suggestions", "categories"):
                _note_areas(flow, values, answers, steps)
            if q.id in age_from:
                age = child_age(*(values.get(k) for k in flow.age_keys), today)
                if age is None:
                    values.pop("child_age", None)
                else:
                    values["child_age"] = age
    return steps


def _note_areas(flow: Flow, values: dict[str, Any], answers: Mapping[str, Any], steps: list[Question]) -> None:
    """`areas`: the concern areas chosen, plus every area of every sign ticked so far (for the special questions)."""
    areas: list[str] = list(values.get(categories_id(flow)) or [])
    for q in steps:
        if q.kind in ("suggestions", "indicators") and q.id in answers:
            for sign in answers[q.id] or []:
                indicator = flow.rules.indicators.get(sign)
                for area in indicator.categories if indicator else ():
                    if area not in areas:
                        areas.append(area)
    values["areas"] = areas


def _with_suggestions(
    flow: Flow, q: Question, values: Mapping[str, Any], answers: Mapping[str, Any], today: date
) -> Question:
    """The suggestions question with its choices: the signs that match the account, best first, never pre-ticked;
    signs ticked before (the account since changed) stay offered, so changing the text loses no answer."""
    text = next((values[x.id] for x in flow.questions if x.role == "concern_text" and x.id in values), "")
    unborn = bool(values.get(flow.age_keys[0]))
    age = child_age_years(*(values.get(k) for k in flow.age_keys), today)
    found = suggest_indicators(flow.rules, text or "", top=SUGGESTIONS_SHOWN, age_years=age, unborn=unborn)
    # A sign only of the pre-birth area is for an unborn baby (the areas question offers pre-birth only then).
    found = [s for s in found if unborn or set(flow.rules.indicators[s.id].categories) != {"pre_birth"}]
    choices = [Choice(s.id, s.text) for s in found]
    shown = {c.value for c in choices}
    for sign in answers.get(q.id) or []:
        indicator = flow.rules.indicators.get(sign)
        if indicator is not None and sign not in shown:
            choices.append(Choice(sign, indicator.text))
    if not choices:
        return replace(q, choices=())
    return replace(q, choices=(*choices, NONE_OF_THESE, BROWSE_BY_AREA))


def _with_items(flow: Flow, q: Question, values: Mapping[str, Any]) -> Question:
    """A checklist with the items whose questions apply to this child, and "none of these"."""
    kept = []
    for choice in q.choices:
        targets = {f.target for f in q.fills if f.when == choice.value}
        if all(flow.question(t).applies(values) for t in targets):
            kept.append(choice)
    return replace(q, choices=(*kept, NONE_OF_THESE))


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
    """The answers to the steps that apply now (answers left behind by a change are ignored), plus the answer taken
    for a question not asked because nothing pointed to it (`otherwise`)."""
    answers = state.get("answers", {})
    steps = plan(flow, state, today)
    asked = {q.id for q in steps}
    out = {q.id: answers[q.id] for q in steps if q.id in answers}
    for q in flow.questions:
        if q.otherwise is not NOTHING and q.id not in asked:
            out[q.id] = q.otherwise
    return dict(sorted(out.items(), key=lambda kv: _order(flow).get(kv[0].split(".", 1)[0], 0)))


def _order(flow: Flow) -> dict[str, int]:
    return {q.id: n for n, q in enumerate(flow.questions)}


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
