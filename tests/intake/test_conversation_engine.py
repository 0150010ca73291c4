"""The pure conversation engine: bad answers and their messages, indicator pages, step metadata for adapters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from intake.conversation import engine, plan
from intake.conversation.question import QuestionFileError, load_questions
from intake.conversation.turn import Inbound
from routing import load_rules

FLOW = engine.Flow.build(load_rules())
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
BORN = {"immediate_danger": False, "child_unborn": False, "child_dob": "2016-03-14", "child_gender": "girl"}


def at(step: str, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    state = engine.start(FLOW, NOW).state
    state["answers"].update(answers or {})
    state["step"] = step
    return state


# The table of bad inputs: question, what was typed, the message (it always says what to do).
BAD_INPUTS = [
    ("immediate_danger", "perhaps", "I did not understand 'perhaps'. Please answer Yes or No."),
    ("immediate_danger", "", "Please answer Yes or No."),
    ("referrer_name", "", "Please type an answer."),
    ("referrer_name", "   ", "Please type an answer."),
    ("referrer_name", "x" * 201, "That is 201 characters; the most this answer can take is 200. Please shorten it"),
    ("referrer_agency", "astronaut", "I did not understand 'astronaut'. Please choose one of the options in the list"),
    ("referrer_agency", "99", "Please choose one of the options in the list (you can type its number)"),
    (
        "referrer_phone",
        "12345",
        "That does not look like a UK phone number. Type it with the area code, like 01632 960123",
    ),
    ("referrer_phone", "+1 202 555 0100", "That does not look like a UK phone number."),
    (
        "referrer_email",
        "alex at example",
        "That does not look like an email address. Type it like name@school.example.org.",
    ),
    ("referrer_email", "a@" + "b" * 260 + ".org", "That email address is too long."),
    ("child_dob", "31/02/2016", "Please give the date as day/month/year, for example 14/03/2015."),
    ("child_dob", "yesterday-ish", "Please give the date as day/month/year"),
    ("child_dob", "01/01/2030", "That date is in the future. Please check it and type it again as day/month/year."),
    ("child_dob", "01/01/1850", "Please check the year and type the date again"),
    ("child_due_date", "01/01/2026", "That due date has passed. If the baby has been born, type 'back'"),
    ("child_due_date", "01/01/2028", "That is more than ten months away."),
    ("child_age_estimate", "old", "Please type a number, for example 7."),
    ("child_age_estimate", "140", "Please type a whole number from 0 to 25."),
    ("child_postcode", "FY1", "That does not look like a UK postcode. Type it like FY1 1AA, or type 'skip'"),
    ("child_postcode", "ZZ99 9ZZ", "That does not look like a UK postcode."),
    ("concern_categories", "", "Please choose at least one option from the list."),
    ("concern_categories", "1, 99", "'99' is not one of the options. Choose from the list, or type their numbers"),
    ("concern_details", "hungry", "Please tell us a little more: at least 20 characters."),
    ("concern_details", "y" * 4001, "That is 4001 characters; the most this answer can take is 4000."),
    ("consent", "maybe later", "I did not understand 'maybe later'. Please choose one of: 'Yes, they agree'"),
    ("consent_risk_reason", "risk", "Please tell us a little more: at least 10 characters."),
    ("review", "send it", "Please choose one of: 'Submit', 'Cancel this request'."),
    ("review", "change colour", "I could not find an answer called 'colour'."),
]
PREREQUISITES: dict[str, dict[str, Any]] = {
    "child_dob": {"child_unborn": False},
    "child_due_date": {"child_unborn": True},
    "child_age_estimate": {"child_unborn": False, "child_dob": None},
    "consent": {"spoken_to_parents": True},
    "consent_risk_reason": {"spoken_to_parents": False, "consent_not_sought": "not_sought_risk"},
    "review": {"immediate_danger": False},
}


@pytest.mark.parametrize(("question", "typed", "message"), BAD_INPUTS, ids=[f"{q}:{t[:12]}" for q, t, _ in BAD_INPUTS])
def test_bad_input_gets_a_message_that_says_what_to_do_and_the_question_again(
    question: str, typed: str, message: str
) -> None:
    state = at(question, PREREQUISITES.get(question))
    if question == "review":  # reach the review by answering everything else
        state = _complete_state()
    turn = engine.advance(FLOW, state, Inbound(text=typed), NOW)
    error, again = turn.replies
    assert error.error and message in error.text
    assert again.question_id == question and not again.error
    assert turn.state["answers"] == state["answers"]


def _complete_state() -> dict[str, Any]:
    from bench.questions_to_submit import drive

    *_, turn = drive(FLOW, {"indicators": ["ne_02"], "consent": "given"}, returning=False)
    state = turn.state
    state["status"] = "open"
    state["step"] = "review"
    return state


def test_good_answers_are_cleaned() -> None:
    cases = [
        ("child_postcode", "fy11aa", "FY1 1AA"),
        ("child_postcode", "skip", None),
        ("child_dob", "14 March 2016", "2016-03-14"),
        ("child_dob", "14/3/16", "2016-03-14"),
        ("child_age_estimate", "about 9", 9),
        ("immediate_danger", "Y", True),
        ("referrer_agency", "3", "police"),
        ("referrer_agency", "police", "police"),
        ("referrer_phone", "+44 1632 960123", "+44 1632 960123"),
    ]
    for question, typed, clean in cases:
        state = at(question, PREREQUISITES.get(question))
        turn = engine.advance(FLOW, state, Inbound(text=typed), NOW)
        assert not any(r.error for r in turn.replies), (question, typed, turn.replies[0].text)
        assert turn.state["answers"][question] == clean


@pytest.mark.parametrize("age", [None, 0.3, 1.5, 4, 9, 13, 16, 17])
def test_every_category_is_asked_in_pages_of_at_most_ten_signs(age: float | None) -> None:
    categories = [c.id for c in FLOW.rules.categories if c.id != "pre_birth"]
    values = {"child_unborn": False, "concern_categories": categories}
    if age is not None:
        values["child_age_estimate"] = age
    pages = plan._indicator_pages(FLOW, FLOW.question("indicators"), values, TODAY)
    offered = [c.value for p in pages for c in p.choices]
    assert all(1 <= len(p.choices) <= plan.INDICATOR_PAGE_SIZE for p in pages)
    assert len(offered) == len(set(offered)), "each sign is shown once"
    expected = FLOW.rules.indicators_for(categories, age, False)
    assert set(offered) == {i.id for i in expected}


def test_an_unborn_baby_gets_the_pre_birth_signs_too() -> None:
    pages = plan._indicator_pages(
        FLOW, FLOW.question("indicators"), {"child_unborn": True, "concern_categories": ["neglect"]}, TODAY
    )
    assert [p.category for p in pages][-1] == "pre_birth"
    assert all(FLOW.rules.indicators[c.value].pre_birth for p in pages for c in p.choices)


def test_current_question_gives_adapters_the_step_and_its_metadata() -> None:
    state = at("concern_categories", BORN)
    reply = engine.current_question(FLOW, state, NOW)
    assert reply.question_id == "concern_categories" and reply.input == "multi"
    assert [c.value for c in reply.choices][:2] == ["neglect", "physical_harm"]
    assert "pre_birth" not in [c.value for c in reply.choices]
    assert reply.hints["kind"] == "categories" and reply.hints["optional"] is False and reply.help
    state = at("indicators.neglect.1", {**BORN, "concern_categories": ["neglect"]})
    page = engine.current_question(FLOW, state, NOW)
    assert page.question_id == "indicators.neglect.1"
    pages = -(-len(FLOW.rules.indicators_for(["neglect"], 10, False)) // plan.INDICATOR_PAGE_SIZE)  # the rules' data
    assert pages >= 2 and page.hints | {"category": "neglect", "page": 1, "pages": pages} == page.hints
    text = engine.current_question(FLOW, at("concern_details", BORN), NOW)
    assert text.hints["max_length"] == 4000 and text.hints["min_length"] == 20 and text.input == "text"


def test_an_answer_to_another_step_is_never_applied_to_this_one() -> None:
    state = at("referrer_role")
    turn = engine.advance(FLOW, state, Inbound(text="Alex Example", question_id="referrer_name"), NOW)
    assert "already been answered" in turn.replies[0].text
    assert turn.replies[-1].question_id == "referrer_role"
    assert "referrer_role" not in turn.state["answers"]
    ok = engine.advance(FLOW, state, Inbound(text="Teacher", question_id="referrer_role"), NOW)
    assert ok.state["answers"]["referrer_role"] == "Teacher"


def test_command_buttons_work_like_typed_commands() -> None:
    state = engine.advance(FLOW, at("referrer_role"), Inbound(command="back"), NOW).state
    assert state["step"] == "immediate_danger" or state["step"] == "referrer_role"
    turn = engine.advance(FLOW, at("referrer_role"), Inbound(command="help"), NOW)
    assert turn.replies[-1].question_id == "referrer_role"


def test_free_text_starting_with_change_is_an_answer() -> None:
    state = at("concern_details", BORN)
    text = "Change in behaviour since September: withdrawn, and says she is hungry."
    turn = engine.advance(FLOW, state, Inbound(text=text), NOW)
    assert turn.state["answers"]["concern_details"] == text


def test_changing_the_categories_re_asks_only_the_pages_that_changed() -> None:
    from bench.questions_to_submit import drive

    *_, turn = drive(FLOW, {"indicators": ["ne_02"], "consent": "given"}, returning=False)
    state = {**turn.state, "status": "open", "step": "review"}
    turn = engine.advance(FLOW, state, Inbound(text="change concern areas"), NOW)
    turn = engine.advance(FLOW, turn.state, Inbound(choices=("neglect", "missing")), NOW)
    assert turn.replies[-1].question_id == "indicators.missing.1"
    turn = engine.advance(FLOW, turn.state, Inbound(text="none"), NOW)
    assert turn.replies[-1].question_id == "review"
    assert turn.state["answers"]["indicators.neglect.1"] == ["ne_02"]


def test_the_questions_file_is_checked_when_it_loads(tmp_path: Path) -> None:
    bad = tmp_path / "q.yaml"
    bad.write_text(
        "- {id: immediate_danger, role: emergency_check, kind: yes_no, section: safety, prompt: x}\n"
        "- {id: b, kind: text, section: about_you, prompt: y, ask_if: {later: true}}\n"
        "- {id: later, kind: review, section: review, prompt: z}\n"
    )
    with pytest.raises(QuestionFileError, match="not asked before it"):
        load_questions(bad)
    bad.write_text("- {id: a, kind: text, section: about_you, prompt: y}\n")
    with pytest.raises(QuestionFileError, match="emergency_check"):
        load_questions(bad)


def test_questions_name_the_roles_the_engine_relies_on(tmp_path: Path) -> None:
    bad = tmp_path / "q.yaml"
    head = "- {id: danger, role: emergency_check, kind: yes_no, section: safety, prompt: x}\n"
    bad.write_text(head + "- {id: b, role: astronaut, kind: text, section: about_you, prompt: y}\n")
    with pytest.raises(QuestionFileError, match="unknown role 'astronaut'"):
        load_questions(bad)
    bad.write_text(head + "- {id: b, role: emergency_check, kind: yes_no, section: safety, prompt: y}\n")
    with pytest.raises(QuestionFileError, match="already 'danger'"):
        load_questions(bad)
    bad.write_text(head + "- {id: r, kind: review, section: review, prompt: z}\n")
    with pytest.raises(QuestionFileError, match="no question has the role unborn, birth_date, age_estimate"):
        load_questions(bad)


@pytest.mark.parametrize(
    ("born", "today", "whole", "fraction"),
    [
        ("2016-03-14", "2026-03-13", 9, 9.997),
        ("2016-03-14", "2026-03-14", 10, 10.0),
        ("2016-02-29", "2027-02-28", 11, 11.0),  # a leap-day birthday falls on 28 February in other years
        ("2016-02-29", "2027-02-27", 10, 10.997),
        ("2026-08-24", "2026-11-24", 0, 0.252),
    ],
)
def test_ages_in_whole_years_and_with_the_fraction_the_rules_weigh(
    born: str, today: str, whole: int, fraction: float
) -> None:
    from datetime import date

    from intake.conversation.ages import child_age, child_age_years

    day = date.fromisoformat(today)
    assert child_age(False, born, None, day) == whole
    assert child_age_years(False, born, None, day) == fraction
    assert child_age_years(False, None, 7, day) == 7.0
    assert child_age_years(True, born, 7, day) is None
