"""Property tests for the concern-first path in the browser chat: whatever a person ticks among what they are
offered, the conversation reaches review with every question that applies answered, the questions the ticked signs
need (not yet mobile for an injured baby, the special routes) among them, and no answer lost on the way."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.conversation import engine
from intake.conversation.ages import child_age
from intake.conversation.fills import BROWSE, NONE
from intake.conversation.plan import choices_for, effective_answers, plan
from intake.conversation.question import Question
from intake.conversation.turn import Inbound
from routing import load_rules
from tests.routing.vignette_narratives import NARRATIVES

FLOW = engine.Flow.build(load_rules())
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
ACCOUNTS = sorted(NARRATIVES.values())[:40]
TEXTS = {
    "referrer_phone": "01632 960123",
    "referrer_email": "alex@school.example.org",
    "child_postcode": "FY1 1AA",
    "child_due_date": (TODAY + timedelta(days=100)).strftime("%d/%m/%Y"),
    "child_age_estimate": "9",
}


@st.composite
def answer_to(draw: st.DrawFn, question: Question) -> Inbound:
    """A valid answer to `question`, drawn among what it offers."""
    values = [c.value for c in question.choices]
    if question.input == "choice":
        if question.role == "adult_check":
            return Inbound(choice="finish")
        return Inbound(choice=draw(st.sampled_from(values)))
    if question.input == "multi":
        picked = draw(st.lists(st.sampled_from(values), min_size=0 if question.optional else 1, unique=True))
        return Inbound(choices=tuple(picked))
    if question.role == "concern_text":
        return Inbound(text=draw(st.sampled_from(ACCOUNTS)))
    if question.id in TEXTS:
        return Inbound(text=TEXTS[question.id])
    if question.input == "date":
        born = TODAY - timedelta(days=draw(st.integers(min_value=20, max_value=17 * 365)))
        return Inbound(text=born.strftime("%d/%m/%Y"))
    if question.id in TEXTS:
        return Inbound(text=TEXTS[question.id])
    return Inbound(
        text=draw(st.sampled_from(["Synthetic answer for a property test.", "skip"]))
        if question.optional
        else "Synthetic answer for a property test."
    )


def walk(data: st.DataObject, channel: str = "web") -> dict[str, Any]:
    state = engine.start(FLOW, NOW, channel=channel).state
    for _ in range(120):
        steps = plan(FLOW, state, TODAY)
        question = engine.waiting_for(steps, state)
        question = dataclasses.replace(question, choices=choices_for(FLOW, question, state["answers"]))
        if question.kind == "review" or state.get("status") != "open":
            return state
        before = dict(state["answers"])
        turn = engine.advance(FLOW, state, data.draw(answer_to(question)), NOW)
        assert not turn.replies[0].error, (question.id, turn.replies[0].text)
        filled = turn.state.get("filled", {})
        for key, value in before.items():
            if filled.get(key) != question.id:
                assert turn.state["answers"].get(key) == value, f"answering {question.id} lost {key}"
        state = turn.state
    raise AssertionError("never reached the review")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_whatever_is_ticked_every_question_the_signs_need_is_answered(data: st.DataObject) -> None:
    state = walk(data)
    if state.get("status") != "open":
        return  # finished early on purpose (the emergency advice taken, an adult)
    answers = effective_answers(FLOW, state, TODAY)
    steps = plan(FLOW, state, TODAY)
    missing = [q.id for q in steps if q.kind != "review" and q.id not in state["answers"]]
    assert not missing, f"asked nothing for {missing}"
    _, problems = engine.submission_problems(FLOW, state, TODAY)
    assert not problems, problems
    rules = FLOW.rules
    ticked = [v for k, vs in answers.items() if k == "suggested_signs" or k.startswith("indicators.") for v in vs]
    signs = [rules.indicators[v] for v in ticked if v in rules.indicators]
    born = answers.get("child_unborn") is False
    # The special routes' questions, whatever the account or the signs say.
    assert "allegation_against_professional" in answers
    if born and answers.get("child_gender") != "boy":
        assert "fgm_known" in answers
    # An injured baby (or disabled child): the not-yet-mobile question.
    age = child_age(answers.get("child_unborn"), answers.get("child_dob"), answers.get("child_age_estimate"), TODAY)
    if born and any("physical_harm" in s.categories for s in signs) and age is not None and age < 2:
        assert "child_non_mobile" in answers
    # The concern areas follow from the ticked suggestions, or were chosen while looking through by area.
    picked = answers.get("suggested_signs") or []
    if picked and BROWSE not in picked and NONE not in picked:
        usable = [[c for c in s.categories if c != "pre_birth" or not born] for s in signs]
        assert set(answers["concern_categories"]) == {cs[0] for cs in usable if cs}
    else:
        assert answers.get("concern_categories")
