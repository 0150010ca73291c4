"""Every Teams card the bot sends, drawn by Microsoft's `adaptivecards` renderer in Chromium at desktop and phone
width: no renderer warnings, no text cut off, no text below 4.5:1 contrast, every input labelled, every card under
Teams' 28 KB, the review card short enough to read on a phone.

The cards come from a real walk through the bot (signed requests, the local Bot Connector, the database) plus the
hub's notification cards. Set TEAMS_CARD_SHOTS=<folder> to keep the screenshots and look at them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.teams import cards
from bot.teams.result_card import finished_card
from bot.teams.review_card import review_card
from hub.notifiers.teams import render as hub_render
from intake.conversation.turn import Choice, Reply
from intake.labels import Labels
from intake.receipt import receipt_for
from tests.bot import adaptive_cards
from tests.bot.test_teams import action_data, answer, answer_data, change_section, invoke, step_of
from tests.teams_stubs import BotFramework

pytestmark = [pytest.mark.browser, pytest.mark.database]

TEAMS_CARD_LIMIT = 28 * 1024


@pytest.fixture(scope="module")
def renderer(_playwright_browser: Any) -> Iterator[Any]:
    if not adaptive_cards.available():
        pytest.skip("the adaptivecards renderer is not installed (make browser installs it)")
    page = adaptive_cards.open_renderer(_playwright_browser)
    yield page
    page.context.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TEAMS_CARD_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def walk_cards(client: FlaskClient, fake: BotFramework) -> dict[str, dict[str, Any]]:
    """The cards of one whole intake, by name: each section card, a refused answer, Back, the review's Change,
    the review and the result."""
    found: dict[str, dict[str, Any]] = {"welcome": cards.welcome_card()}
    found["card1-start"] = invoke(client, fake, {"verb": "start"})
    card = found["error-email"] = invoke(client, fake, answer_data(found["card1-start"], referrer_email="not an email"))
    card = invoke(client, fake, answer_data(card))
    number = 1
    while step_of(card):
        number += 1
        name = "review" if step_of(card) == "review" else f"card{number}-{step_of(card).split('.')[0]}"
        found[name] = card
        if number == 2:
            found["back-to-about-you"] = invoke(client, fake, action_data(card, "Back"))
        if name == "review":
            found["change-about-child"] = change_section(client, fake, card, "about_child")
        card = answer(client, fake, card)
    found["result"] = card
    found["returning-start"] = invoke(client, fake, {"verb": "start"})
    found["emergency"] = invoke(client, fake, answer_data(found["returning-start"], immediate_danger="yes"))
    found["out-of-date"] = invoke(client, fake, {"verb": "answer", "draft": "no-such-draft", "step": "review"})
    return found


def card_of(message: dict[str, Any]) -> dict[str, Any]:
    return message["attachments"][0]["content"]


def synthetic_cards(labels: Labels) -> dict[str, dict[str, Any]]:
    """Cards the walk does not reach: the urgent result, the database-down notice, the hub's notifications."""
    eleven = [f"Synthetic reason {n}: a sign of need the rules weigh, as the catalogue words it." for n in range(11)]
    decision = {
        "route_label": "Child protection: the hub phones you back",
        "reasons": [{"text": r} for r in eleven],
        "next_steps": "Phone the hub now on 01632 960000.",
        "timescale": "The hub decides within 1 working day.",
        "phone_first": True,
    }
    urgent = receipt_for(
        "RFS-2026-000042",
        4,
        "mash_child_protection",
        decision,
        hub_phone="01632 960000",
        out_of_hours_phone="01632 960999",
        due_text="by 10:00 on Wednesday 9 December",
    )
    found = {
        "result-urgent": finished_card((), {"receipt": asdict(urgent)}),
        "db-down": cards.notice_card("We could not save that just now. Your earlier answers are safe."),
    }
    payload = {
        "request_id": 42,
        "reference": "RFS-2026-000042",
        "level": 3,
        "route_label": "Targeted early help",
        "referring_agency": "school",
        "decision_due_at": "2026-12-09T10:00:00+00:00",
        "status": "awaiting_decision",
    }
    for kind in (
        "hub_new_request",
        "triage_reminder",
        "triage_escalation",
        "referrer_receipt",
        "still_being_considered",
        "draft_reminder",
    ):
        found[f"hub-{kind}"] = card_of(hub_render(kind, payload, "https://hub.example.org", labels))
    claimed = {**payload, "status": "in_triage", "assigned_to": "Jo Worker", "event": "claimed"}
    found["hub-claimed"] = card_of(hub_render("hub_request_updated", claimed, "https://hub.example.org", labels))
    decided = {
        **claimed,
        "status": "decided",
        "decided_by": "Jo Worker",
        "hub_outcome": "early_help_intensive",
        "outcome_label": "Early help: intensive / team around the family",
    }
    found["hub-decided"] = card_of(hub_render("hub_request_updated", decided, "https://hub.example.org", labels))
    outcome = {
        **decided,
        "next_steps": "Intensive early help: a lead practitioner contacts the family.",
        "reasons": eleven[:3],
    }
    found["referrer-outcome"] = card_of(hub_render("referrer_outcome", outcome, labels=labels))
    return found


def check(renderer: Any, name: str, card: dict[str, Any], shots: Path, report: dict[str, Any]) -> list[str]:
    problems = []
    size = len(json.dumps(cards.attachment(card)).encode())
    report[name] = {"bytes": size}
    if size > TEAMS_CARD_LIMIT:
        problems.append(f"{name}: {size} bytes, over Teams' 28 KB")
    for width in (adaptive_cards.DESKTOP, adaptive_cards.PHONE):
        seen = adaptive_cards.render(renderer, card, width, shots / f"{name}-{width}.png")
        report[name][f"height_at_{width}px"] = seen["height"]
        where = f"{name} at {width}px"
        if not seen["rendered"]:
            problems.append(f"{where}: not rendered")
        problems += [f"{where}: renderer says {e}" for e in seen["events"]]
        problems += [f"{where}: cut off: {t!r}" for t in seen["cut"]]
        problems += [f"{where}: contrast {f['ratio']}:1 for {f['text']!r}" for f in seen["faint"]]
        problems += [f"{where}: input without a label: {e}" for e in seen["unlabelled"]]
    return problems


def test_every_card_of_a_walk_renders_cleanly(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework, renderer: Any, shots: Path
) -> None:
    problems: list[str] = []
    report: dict[str, Any] = {}
    found = {**walk_cards(teams, bot_framework), **synthetic_cards(teams_app.extensions["labels"])}
    for name, card in found.items():
        problems += check(renderer, name, card, shots, report)
    (shots / "report.json").write_text(json.dumps(report, indent=1))
    assert not problems, "\n".join(problems)
    assert report["review"]["height_at_390px"] < 1500, "the review card stays short on a phone"
    assert "Call 999 now" in json.dumps(found["emergency"]["body"][0])


def long_review() -> dict[str, Any]:
    """A review card whose free-text answers are all as long as the questions allow."""
    long = "Synthetic long answer. " * 180
    items = "\n".join(f"{n}. Answer {n}: " + long[: 4000 if n % 3 else 200] for n in range(1, 36))
    reply = Reply(
        text=f"Please check your answers.\n\n{items}",
        choices=(Choice("submit", "Submit"), Choice("cancel", "Cancel this request")),
        input="choice",
        question_id="review",
        hints={"kind": "review", "section": "review"},
    )
    return review_card(reply, "draft-1")


def test_a_review_of_long_answers_stays_under_28_kb_and_short_on_a_phone(renderer: Any, shots: Path) -> None:
    card = long_review()
    size = len(json.dumps(cards.attachment(card)).encode())
    assert size <= TEAMS_CARD_LIMIT, size
    seen = adaptive_cards.render(renderer, card, adaptive_cards.PHONE, shots / "review-long-390.png")
    assert not seen["events"] and not seen["cut"] and not seen["faint"], seen
