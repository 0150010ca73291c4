"""The section API: the questions a form shows together, and a form's answers applied with per-question errors."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from intake.conversation import advance_form, engine, section_form
from intake.conversation.plan import plan
from intake.conversation.turn import Inbound
from routing import load_rules

FLOW = engine.Flow.build(load_rules())
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
CONCERN = "Synthetic test concern: Sam arrived hungry three days this week and said there is no food at home."
ABOUT_YOU = {
    "referrer_name": "Alex Example",
    "referrer_role": "Designated safeguarding lead",
    "referrer_agency": "school",
    "referrer_organisation": "Example Primary School",
    "referrer_phone": "01632 960123",
    "referrer_email": "alex@example.org",
}
# A health visitor is asked whether the concern is about an unborn baby (in the browser chat a teacher is asked only
# when the account points to a pregnancy; on a form, everyone is).
HEALTH = {**ABOUT_YOU, "referrer_agency": "health_visiting"}


def past_safety(profile: dict[str, Any] | None = None, channel: str = "slack") -> dict[str, Any]:
    turn = engine.start(FLOW, NOW, profile, channel=channel)
    state = advance_form(FLOW, turn.state, {"immediate_danger": "no"}, NOW).state
    assert section_form(FLOW, state, NOW).ids == ("concern_details",)
    return advance_form(FLOW, state, {"concern_details": CONCERN}, NOW).state


def test_the_first_form_is_the_safety_question_alone() -> None:
    form = section_form(FLOW, engine.start(FLOW, NOW).state, NOW)
    assert form.section == "safety"
    assert form.ids == ("immediate_danger",)
    assert form.progress == "Safety first, step 1 of 1"


def test_about_you_is_one_form_of_six_questions_with_their_hints() -> None:
    form = section_form(FLOW, past_safety(), NOW)
    assert form.section == "about_you" and form.title == "About you"
    assert form.ids == tuple(ABOUT_YOU)
    assert (form.step, form.steps) == (1, 6)
    agency = form.questions[2]
    assert agency.input == "choice" and agency.choices[0].value == "school"
    assert agency.hints["section"] == "about_you" and agency.hints["label"] == "Your agency"
    assert form.questions[0].hints["progress"] == "About you, step 1 of 6"


def test_a_bad_answer_keeps_every_good_one_and_says_what_is_wrong_under_its_question() -> None:
    state = past_safety()
    turn = advance_form(FLOW, state, {**ABOUT_YOU, "referrer_phone": "12345", "referrer_email": "nope"}, NOW)
    assert set(turn.errors) == {"referrer_phone", "referrer_email"}
    assert "UK phone number" in turn.errors["referrer_phone"]
    assert "email address" in turn.errors["referrer_email"]
    for key in ("referrer_name", "referrer_role", "referrer_agency", "referrer_organisation"):
        assert turn.answers[key] == ABOUT_YOU[key]
    assert "referrer_phone" not in turn.answers
    assert turn.state["step"] == "referrer_phone"
    assert turn.replies[0].error and turn.replies[-1].question_id == "referrer_phone"
    again = section_form(FLOW, turn.state, NOW)
    assert again.ids == ("referrer_phone", "referrer_email")
    assert (again.step, again.steps) == (5, 6)
    fixed = advance_form(FLOW, turn.state, {"referrer_phone": "01632 960123", "referrer_email": "a@b.example.org"}, NOW)
    assert not fixed.errors
    assert section_form(FLOW, fixed.state, NOW).section == "about_child"


def test_the_caller_state_is_never_changed() -> None:
    state = past_safety()
    before = repr(state)
    advance_form(FLOW, state, ABOUT_YOU, NOW)
    assert repr(state) == before


def test_a_remembered_referrer_confirms_in_a_form_of_its_own_with_the_details_prefilled_after_change() -> None:
    state = past_safety(profile=ABOUT_YOU)
    form = section_form(FLOW, state, NOW)
    assert form.ids == ("referrer_confirm",)
    confirmed = advance_form(FLOW, state, {"referrer_confirm": "yes"}, NOW)
    assert {k: confirmed.answers[k] for k in ABOUT_YOU} == ABOUT_YOU
    assert section_form(FLOW, confirmed.state, NOW).section == "about_child"
    changing = advance_form(FLOW, state, {"referrer_confirm": "change"}, NOW)
    form = section_form(FLOW, changing.state, NOW)
    assert form.ids == tuple(ABOUT_YOU)
    assert form.prefills == ABOUT_YOU


def test_the_emergency_advice_comes_back_from_a_form() -> None:
    turn = advance_form(FLOW, engine.start(FLOW, NOW).state, {"immediate_danger": True}, NOW)
    assert turn.replies[0].hints.get("emergency")
    assert "Call 999 now" in turn.replies[0].text
    assert section_form(FLOW, turn.state, NOW).ids == ("carry_on_after_emergency",)


def test_blank_optional_fields_are_skips_and_blank_required_ones_are_errors() -> None:
    state = advance_form(FLOW, past_safety(), ABOUT_YOU, NOW).state
    state = advance_form(FLOW, state, {"child_unborn": "no"}, NOW).state
    form = section_form(FLOW, state, NOW)
    assert form.ids[:3] == ("child_first_name", "child_last_name", "child_dob")
    turn = advance_form(FLOW, state, {"child_first_name": "", "child_last_name": "Testchild", "child_dob": ""}, NOW)
    assert set(turn.errors) == {"child_first_name"}
    assert turn.answers["child_last_name"] == "Testchild"
    assert turn.answers["child_dob"] is None


def test_a_conditional_form_shows_questions_that_depend_on_its_own_answers_and_ignores_those_that_do_not_apply() -> (
    None
):
    state = advance_form(FLOW, past_safety(), HEALTH, NOW).state
    plain = section_form(FLOW, state, NOW)
    assert "child_first_name" not in plain.ids
    form = section_form(FLOW, state, NOW, conditional=True)
    assert form.ids[:3] == ("child_unborn", "child_first_name", "child_last_name")
    first = form.questions[1]
    assert first.hints.get("conditional") is True
    assert not form.questions[0].hints.get("conditional")
    assert "adult_next" not in form.ids  # a control question ends the form
    unborn = advance_form(FLOW, state, {"child_unborn": "yes", "child_first_name": "", "child_last_name": "Doe"}, NOW)
    assert not unborn.errors
    assert "child_first_name" not in unborn.answers and unborn.answers["child_last_name"] == "Doe"
    born = advance_form(FLOW, state, {"child_unborn": "no", "child_first_name": "", "child_last_name": "Doe"}, NOW)
    assert set(born.errors) == {"child_first_name"}


def test_an_answer_to_a_question_that_does_not_apply_is_ignored() -> None:
    state = past_safety()
    turn = advance_form(FLOW, state, {**ABOUT_YOU, "child_due_date": "01/06/2027", "no_such_question": "x"}, NOW)
    assert not turn.errors
    assert "child_due_date" not in turn.answers and "no_such_question" not in turn.answers


def test_a_control_question_is_only_applied_when_it_is_the_one_waiting() -> None:
    state = past_safety()
    turn = advance_form(FLOW, state, {**ABOUT_YOU, "review": "submit"}, NOW)
    assert turn.action is None


def test_channel_is_kept_and_can_be_asked_on() -> None:
    state = engine.start(FLOW, NOW, channel="slack").state
    assert state["channel"] == "slack"
    assert engine.start(FLOW, NOW).state["channel"] == "web"
    with pytest.raises(ValueError):
        engine.start(FLOW, NOW, channel="fax")
    web_only = dataclasses.replace(FLOW.question("interpreter_needed"), ask_if={"channel": "web"})
    flow = dataclasses.replace(FLOW, questions=tuple(web_only if q.id == web_only.id else q for q in FLOW.questions))
    assert "interpreter_needed" in [q.id for q in plan(flow, {"answers": {}, "channel": "web"}, TODAY)]
    assert "interpreter_needed" not in [q.id for q in plan(flow, {"answers": {}, "channel": "teams"}, TODAY)]
    restarted = engine.advance(FLOW, state, Inbound(text="start again"), NOW)
    assert restarted.state["channel"] == "slack"


def test_a_role_check_can_refuse_an_answer_in_both_paths() -> None:
    flow = dataclasses.replace(FLOW, role_checks={"unborn": lambda state, value, now: "Not today." if value else None})
    state = advance_form(flow, past_safety(), HEALTH, NOW).state
    turn = advance_form(flow, state, {"child_unborn": "yes"}, NOW)
    assert turn.errors == {"child_unborn": "Not today."}
    one = engine.advance(flow, state, Inbound(text="yes"), NOW)
    assert one.replies[0].error and one.replies[0].text == "Not today."
    assert advance_form(flow, state, {"child_unborn": "no"}, NOW).answers["child_unborn"] is False


def test_a_whole_request_walked_form_by_form_reaches_submission_in_few_forms() -> None:
    answers = {
        "immediate_danger": "no",
        "concern_details": CONCERN,
        **ABOUT_YOU,
        "child_unborn": "no",
        "child_first_name": "Sam",
        "child_last_name": "Testchild",
        "child_dob": "14/03/2016",
        "child_gender": "girl",
        "child_address": "",
        "child_postcode": "FY1 1AA",
        "child_school": "Example Primary School",
        "child_language": "English",
        "interpreter_needed": "no",
        "child_disability": "no",
        "child_lives_with": "both_parents",
        "parents_carers": "Jo Testparent (mother)",
        "household_others": "",
        "existing_support": "none",
        "suggested_signs": ["browse"],
        "concern_categories": ["neglect"],
        "child_disclosed_harm": "no",
        "allegation_against_professional": "no",
        "fgm_known": "no",
        "concern_when": "Three times this week",
        "child_words": "",
        "spoken_to_parents": "yes",
        "consent": "given",
        "referrer_mail_updates": "no",
        "review": "submit",
    }
    state = engine.start(FLOW, NOW, channel="slack").state
    forms = 0
    turn = None
    for _ in range(30):
        form = section_form(FLOW, state, NOW, conditional=True)
        forms += 1
        given = {qid: answers.get(qid, [] if qid.startswith("indicators.") else "") for qid in form.ids}
        turn = advance_form(FLOW, state, given, NOW)
        assert not turn.errors, turn.errors
        state = turn.state
        if turn.action:
            break
    assert turn is not None and turn.action == "submit"
    assert forms <= 12
