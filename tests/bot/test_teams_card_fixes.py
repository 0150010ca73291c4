"""What the Teams cards must (not) do, found by drawing them in Microsoft's renderer (test_teams_cards_browser.py):
one test per problem, on cards from a real walk through the bot where the problem shows there."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.teams import cards
from bot.teams.result_card import finished_card
from bot.teams.review_card import review_card
from intake.conversation.turn import Choice, Reply
from intake.receipt import Receipt, receipt_for
from intake.store.draft import Draft
from intake.store.support_request import SupportRequest
from tests.bot.test_teams import (
    ANSWERS,
    action_data,
    all_actions,
    answer_data,
    change_section,
    field_of,
    invoke,
    questions_of,
    step_of,
    text_of,
    walk_to,
)
from tests.teams_stubs import BotFramework

pytestmark = pytest.mark.database

TEAMS_LIMIT = 28 * 1024
LONG = "Synthetic long account of what was seen, written for a test only. " * 70


def elements(node: Any) -> list[dict[str, Any]]:
    """Every element and action of a card, however deep (containers, ActionSets, ShowCards)."""
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "type" in node:
            out.append(node)
        for key, value in node.items():
            if key != "fallback":
                out += elements(value)
    elif isinstance(node, list):
        for value in node:
            out += elements(value)
    return out


def walk(client: FlaskClient, fake: BotFramework, long_answers: bool = False) -> list[dict[str, Any]]:
    """Every card of one intake, answered with the test answers (or with the longest text each box allows)."""
    shown = [invoke(client, fake, {"verb": "start"})]
    while step_of(shown[-1]):
        card = shown[-1]
        longest = {}
        if long_answers:
            for question in questions_of(card):
                box = field_of(card, question) if "Continue" in [a["title"] for a in all_actions(card)] else {}
                if box.get("type") == "Input.Text" and box["maxLength"] >= 1000:
                    longest[question] = LONG[: box["maxLength"]]
        shown.append(invoke(client, fake, answer_data(card, **longest)))
    return shown


def test_every_card_labels_its_inputs_wraps_its_choices_and_never_says_type(
    teams: FlaskClient, bot_framework: BotFramework
) -> None:
    for card in walk(teams, bot_framework):
        everything = elements(card)
        for element in everything:
            if element["type"].startswith("Input.") and element["type"] != "Input.Toggle":
                assert element.get("label"), f"an input without a label: {element}"
            if element["type"] == "Input.ChoiceSet":
                assert element["wrap"] is True, "choice labels are cut off without wrap"
            if element["type"] == "TextBlock":
                assert element.get("wrap") or len(element["text"]) < 30, element
            assert element.get("color") not in ("warning", "good"), "pale yellow or green text on white"
        shown = json.dumps(card).casefold()
        assert "type 'skip'" not in shown and "type 'same'" not in shown and "type 'help'" not in shown, card
        assert len(json.dumps(cards.attachment(card)).encode()) < TEAMS_LIMIT


def test_long_labels_are_a_wrapped_list_not_truncated_buttons(teams: FlaskClient, bot_framework: BotFramework) -> None:
    card = walk_to(teams, bot_framework, "consent_not_sought")
    titles = [a["title"] for a in all_actions(card)]
    assert "Asking them would put the child at risk" not in titles
    box = field_of(card, "consent_not_sought")
    assert box["type"] == "Input.ChoiceSet" and box["style"] == "expanded" and box["wrap"] is True
    assert "Continue" in titles
    yes_no = cards.step_card(
        (Reply("Ready?", (Choice("yes", "Yes"), Choice("no", "No")), "choice", "q", hints={}),), "d"
    )
    assert [a["title"] for a in yes_no["actions"]] == ["Yes", "No", "Back"], "short answers stay buttons"


def test_the_review_card_is_plain_and_cancel_asks_first(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    while step_of(card) != "review":
        card = invoke(teams, bot_framework, answer_data(card))
    runs = [e for e in elements(card) if e["type"] == "TextRun"]
    values = [r for r in runs if not r.get("isSubtle")]
    assert values and not any(r.get("weight") == "bolder" for r in values), "answers in plain weight"
    assert "Sam" in text_of(card) and ANSWERS["referrer_email"] in text_of(card)
    action_sets = [e for e in card["body"] if e["type"] == "ActionSet"]
    with_submit = next(s for s in action_sets if any(a["title"] == "Submit" for a in s["actions"]))
    assert not any("Cancel" in a["title"] for a in with_submit["actions"]), "Cancel is not beside Submit"
    cancel = next(a for s in action_sets for a in s["actions"] if a["title"].startswith("Cancel"))
    assert cancel["type"] == "Action.ShowCard", "cancelling asks first"
    assert "deletes every answer" in text_of(cancel["card"])
    with teams_app.extensions["db"].reading() as s:
        assert s.scalars(select(Draft)).one().status == "open", "showing the question changes nothing"
    done = invoke(teams, bot_framework, action_data(cancel["card"], "Yes, delete my answers"))
    assert "Cancelled" in text_of(done)
    with teams_app.extensions["db"].reading() as s:
        assert s.scalars(select(Draft)).one().status == "cancelled"


def test_long_answers_keep_every_card_under_28_kb_and_are_kept_whole(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    shown = walk(teams, bot_framework, long_answers=True)
    sizes = [len(json.dumps(cards.attachment(c)).encode()) for c in shown]
    assert max(sizes) < TEAMS_LIMIT, sizes
    review = next(c for c in reversed(shown) if "Check your answers" in text_of(c))
    assert "shortened here; your full answer is kept" in text_of(review)
    with teams_app.extensions["db"].reading() as s:
        request = s.scalars(select(SupportRequest)).one()
        assert request.answers["concern_details"] == LONG[:4000].strip(), "the whole answer is sent"


def test_a_review_of_thirty_five_long_answers_fits() -> None:
    items = "\n".join(f"{n}. Answer {n}: {LONG[:4000]}" for n in range(1, 36))
    card = review_card(Reply(f"Check.\n\n{items}", (), "choice", "review", hints={"kind": "review"}), "d")
    assert len(json.dumps(cards.attachment(card)).encode()) < TEAMS_LIMIT


def urgent_receipt() -> Receipt:
    decision = {
        "route_label": "Child protection",
        "reasons": [{"text": f"Reason {n}"} for n in range(11)],
        "phone_first": True,
        "next_steps": "Complete the Request for Support online form within the hour. Keep a note.",
    }
    return receipt_for(
        "RFS-2026-000042",
        4,
        "mash",
        decision,
        hub_phone="01632 960000",
        out_of_hours_phone="01632 960999",
        already_sent=("the Request for Support online form",),
    )


def test_the_urgent_result_says_phone_first_and_at_most_three_reasons() -> None:
    card = finished_card((), {"receipt": asdict(urgent_receipt())})
    first = card["body"][0]
    assert first["type"] == "Container" and "Phone the hub now on 01632 960000" in text_of({"body": [first]})
    shown = text_of(card)
    assert "Reason 2" in shown and "Reason 3" not in shown and "8 more reasons" in shown
    assert "online form" not in shown and "Keep a note." in shown


def test_the_out_of_date_notice_is_readable(teams: FlaskClient, bot_framework: BotFramework) -> None:
    card = invoke(teams, bot_framework, {"verb": "answer", "draft": "not-mine", "step": "review"})
    notice = card["body"][0]
    assert notice["type"] == "Container" and notice["style"] == "emphasis"
    assert "out of date" in text_of({"body": [notice]})
    assert not any(e.get("color") == "warning" for e in elements(card))


def to_postcode_change(client: FlaskClient, fake: BotFramework) -> tuple[dict[str, Any], dict[str, Any]]:
    """The review's Change for the child's section: the card, and what it sends back as it is filled in."""
    change = change_section(client, fake, walk_to(client, fake, "review"), "about_child")
    data = action_data(change, "Continue")
    for question in questions_of(change):
        element = field_of(change, question)
        data[element["id"]] = element.get("value", "")
    return change, data


def test_a_changed_optional_answer_left_empty_keeps_what_was_there(
    teams: FlaskClient, bot_framework: BotFramework
) -> None:
    change, data = to_postcode_change(teams, bot_framework)
    assert field_of(change, "child_postcode")["value"] == ANSWERS["child_postcode"], "the answer is filled in"
    kept = invoke(teams, bot_framework, {**data, "a:child_postcode": "", "a:child_school": ""})
    assert step_of(kept) == "review"
    assert f"Postcode: {ANSWERS['child_postcode']}" in text_of(kept), "emptied by mistake: the postcode stays"
    assert "School or setting: Not given" not in text_of(kept)


def test_clearing_an_optional_answer_is_a_tick_on_purpose(teams: FlaskClient, bot_framework: BotFramework) -> None:
    change, data = to_postcode_change(teams, bot_framework)
    toggle = next(e for e in change["body"] if e.get("id") == "clear:child_postcode")
    assert "Clear this answer" in toggle["title"]
    cleared = invoke(teams, bot_framework, {**data, "a:child_postcode": "", toggle["id"]: "true"})
    assert step_of(cleared) == "review"
    assert "Postcode: Not given" in text_of(cleared)


def test_the_result_never_says_to_send_the_request_again(teams: FlaskClient, bot_framework: BotFramework) -> None:
    result = invoke(teams, bot_framework, answer_data(walk_to(teams, bot_framework, "review")))
    shown = text_of(result)
    assert "Reference: RFS-" in shown
    assert "online form" not in shown and "request.for.support@" not in shown
