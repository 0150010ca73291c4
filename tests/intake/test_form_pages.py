"""Pages for form channels (intake/form_pages.py): the safety question sharing the first page, the 999 advice never
blocked by empty fields, Back that keeps every answer, and a whole request in at most seven pages."""

from __future__ import annotations

from intake import form_pages
from intake.conversation import engine
from tests.intake.test_conversation_sections import ABOUT_YOU, FLOW, NOW, past_safety

CHILD = {
    "child_unborn": "no",
    "child_first_name": "Sam",
    "child_last_name": "Testchild",
    "child_dob": "2016-03-14",
}


def test_the_first_page_is_safety_then_the_account_then_about_you() -> None:
    forms = form_pages.page(FLOW, engine.start(FLOW, NOW).state, NOW)
    assert [f.section for f in forms] == ["safety", "concern", "about_you"]
    assert forms[0].ids == ("immediate_danger",) and forms[1].ids == ("concern_details",)
    assert "referrer_name" in forms[2].ids


def test_a_yes_to_danger_gets_the_999_advice_whatever_is_left_empty() -> None:
    state = engine.start(FLOW, NOW).state
    blank = {q: "" for q in ABOUT_YOU}
    turn = form_pages.apply_page(FLOW, state, {"immediate_danger": "yes", **blank, "referrer_name": "Alex"}, NOW)
    assert not turn.errors
    assert turn.answers["immediate_danger"] is True and turn.answers["referrer_name"] == "Alex"
    assert any(r.hints.get("emergency") for r in turn.replies)
    # A "no" with the same blanks: each required field says what it needs.
    turn = form_pages.apply_page(FLOW, state, {"immediate_danger": "no", **blank}, NOW)
    assert set(turn.errors) == set(ABOUT_YOU)


def test_back_goes_to_the_section_before_with_its_answers_and_forgets_nothing() -> None:
    state = form_pages.apply_page(FLOW, past_safety(), ABOUT_YOU, NOW).state
    assert form_pages.back_from(FLOW, state, NOW, "about_child", revisited=False) == "about_you"
    [again] = form_pages.page(FLOW, state, NOW, revisit="about_you")
    assert again.section == "about_you" and again.prefills["referrer_name"] == "Alex Example"
    # Part of a section answered: Back shows that section whole first, then the one before.
    state = form_pages.apply_page(FLOW, state, CHILD, NOW).state
    assert form_pages.back_from(FLOW, state, NOW, "about_child", revisited=False) == "about_child"
    assert form_pages.back_from(FLOW, state, NOW, "about_child", revisited=True) == "about_you"
    assert form_pages.back_from(FLOW, state, NOW, "about_you", revisited=True) is None
    [whole] = form_pages.page(FLOW, state, NOW, revisit="about_child")
    assert {"child_first_name", "child_gender"} <= set(whole.ids) and whole.prefills["child_first_name"] == "Sam"


def test_a_revisited_section_sent_again_returns_to_where_the_person_was() -> None:
    state = form_pages.apply_page(FLOW, past_safety(), ABOUT_YOU, NOW).state
    waiting = state["step"]
    turn = form_pages.apply_page(FLOW, state, {**ABOUT_YOU, "referrer_name": "Alex Sample"}, NOW)
    assert not turn.errors and turn.answers["referrer_name"] == "Alex Sample" and turn.state["step"] == waiting


def test_about_the_child_is_one_page_and_an_adult_still_gets_the_adult_check() -> None:
    state = form_pages.apply_page(FLOW, past_safety(), ABOUT_YOU, NOW).state
    [child] = form_pages.page(FLOW, state, NOW)
    assert {"child_unborn", "child_dob", "child_gender", "existing_support"} <= set(child.ids)
    answers = {**CHILD, "child_dob": "2005-01-01", "child_gender": "girl"}
    turn = form_pages.apply_page(FLOW, state, answers, NOW)
    [check] = form_pages.page(FLOW, turn.state, NOW)
    assert check.ids == (FLOW.role_id("adult_check"),)
    assert turn.answers["child_gender"] == "girl"  # answered below the check: kept
