"""The Teams bot end to end over HTTP: real tokens signed with a local key and served from a local JWKS, replies
captured by a local Bot Connector, the real intake service and database behind /api/messages."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from intake.store.draft import Draft
from intake.store.referrer import Referrer
from intake.store.support_request import SupportRequest
from routing import load_rules
from tests.bot.conftest import HUB_CONVERSATION
from tests.teams_stubs import APP_ID, TENANT_ID, BotFramework, activity


def send(client: FlaskClient, fake: BotFramework, body: dict[str, Any], token: str | None = "") -> Any:
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token or fake.mint()}"
    return client.post("/api/messages", data=json.dumps(body), headers=headers, content_type="application/json")


def invoke(client: FlaskClient, fake: BotFramework, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    body = activity(
        fake,
        "invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": data.get("verb"), "data": data}, "trigger": "manual"},
        **kw,
    )
    response = send(client, fake, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["statusCode"] == 200 and answer["type"] == "application/vnd.microsoft.card.adaptive", answer
    return answer["value"]


# -- reading cards ---------------------------------------------------------------------------------------------------


def texts(card: dict[str, Any]) -> list[str]:
    """What the card says, in order: text blocks (in containers too); each RichTextBlock's runs joined."""
    out: list[str] = []

    def visit(elements: list[dict[str, Any]]) -> None:
        for element in elements:
            if element["type"] == "RichTextBlock":
                out.append("".join(run["text"] for run in element["inlines"]))
            elif element["type"] == "TextBlock":
                out.append(element["text"])
            elif element["type"] == "Container":
                visit(element["items"])
            elif element["type"].startswith("Input.") and element.get("label"):
                out.append(element["label"])

    visit(card["body"])
    return out


def text_of(card: dict[str, Any]) -> str:
    return "\n".join(texts(card))


def all_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button: the card's own, those in the body (ActionSets), and those behind a ShowCard."""
    found: list[dict[str, Any]] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type", "").startswith("Action."):
                found.append(node)
            for key, value in node.items():
                if key != "fallback":
                    visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(card.get("body", []))
    visit(card.get("actions", []))
    return found


def step_of(card: dict[str, Any]) -> str | None:
    """The first question the card asks (a section card's first input, the review, a one-question card's step);
    None once the intake has finished."""
    for a in all_actions(card):
        data = a.get("data", {})
        if data.get("questions"):
            return data["questions"][0]
        if data.get("step"):
            return data["step"]
    return None


def questions_of(card: dict[str, Any]) -> list[str]:
    """Every question a card asks, in order."""
    for a in all_actions(card):
        if a.get("data", {}).get("questions"):
            return list(a["data"]["questions"])
    step = step_of(card)
    return [step] if step else []


def action_data(card: dict[str, Any], title: str) -> dict[str, Any]:
    for a in all_actions(card):
        if a["title"] == title:
            assert a["type"] == "Action.Execute" and a["fallback"]["type"] == "Action.Submit"
            return dict(a["data"])
    raise AssertionError(f"no {title!r} button on the card: {[a['title'] for a in all_actions(card)]}")


def inputs_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in card["body"] if e["type"].startswith("Input.")]


def choice_set(card: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in card["body"] if e["type"] == "Input.ChoiceSet")


# Answers for the steps whose validation needs a particular shape; any other step gets a generic answer drawn from
# the card itself (the first option, a synthetic sentence), so new questions do not break the walk-through.
ANSWERS = {
    "referrer_name": "Alex Testreferrer",
    "referrer_role": "Class teacher",
    "referrer_agency": "school",
    "referrer_organisation": "Testing Primary School",
    "referrer_phone": "01632 960123",
    "referrer_email": "alex.testreferrer@example.org",
    "referrer_mail_updates": "no",
    "child_first_name": "Sam",
    "child_last_name": "Testchild",
    "child_dob": "2015-03-14",
    "child_postcode": "FY1 1AA",
    "concern_details": "Sam has come to school hungry most days this half term and said there is no food at home.",
    "consent_risk_reason": "The parent has threatened staff before when asked about the children.",
}
GENERIC_TEXT = "Synthetic answer written for a test, with enough words to pass any minimum."


def field_of(card: dict[str, Any], question: str) -> dict[str, Any]:
    return next(
        e for e in card["body"] if e.get("id") in (f"a:{question}", "answer") and question in questions_of(card)
    )


def fill(element: dict[str, Any], question: str) -> Any:
    """What a person would enter in this input: the answer the question's validation needs, else a plain one
    (No where it is yes or no, the first option, a synthetic sentence)."""
    if element["type"] == "Input.ChoiceSet":
        values = [c["value"] for c in element["choices"]]
        wanted = ANSWERS.get(question)
        if wanted in values:
            return wanted
        return "no" if "no" in values else values[0]
    if element["type"] == "Input.Date":
        return ANSWERS.get(question, "2015-03-14")
    if element["type"] == "Input.Number":
        return "9"
    return ANSWERS.get(question, GENERIC_TEXT)


def answer_data(card: dict[str, Any], **answers: Any) -> dict[str, Any]:
    """What a person would send from this card: every box filled and Continue (a section card), or a button
    (No, Submit). `answers` overrides what goes in a question's box."""
    step = step_of(card)
    assert step, text_of(card)
    titles = [a["title"] for a in all_actions(card)]
    if "Continue" not in titles:
        preferred = next((t for t in ("Submit", "No") if t in titles), titles[0])
        return action_data(card, preferred)
    data = action_data(card, "Continue")
    for question in questions_of(card):
        element = field_of(card, question)
        if element["id"] == "answer":  # a one-question card
            data["answer"] = answers.get(question, fill(element, question))
        else:
            data[element["id"]] = answers.get(question, fill(element, question))
    return data


def answer(client: FlaskClient, fake: BotFramework, card: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return invoke(client, fake, answer_data(card), **kw)


def walk_to(client: FlaskClient, fake: BotFramework, question: str, card: dict[str, Any] | None = None) -> dict:
    """Answer card after card until one asks `question`."""
    card = card or invoke(client, fake, {"verb": "start"})
    for _ in range(20):
        if question in questions_of(card):
            return card
        assert step_of(card), f"never asked {question}: {text_of(card)}"
        card = answer(client, fake, card)
    raise AssertionError(f"never asked {question}")


def count(app: Flask, model: Any) -> int:
    with app.extensions["db"].reading() as s:
        return s.scalar(select(func.count()).select_from(model))


# -- the walk-through ------------------------------------------------------------------------------------------------


def test_card_walk_through_stores_a_request_and_shows_the_outcome(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    assert step_of(card) == "immediate_danger", "the immediate-danger question comes first"
    assert "immediate danger" in text_of(card)
    seen: list[list[str]] = []
    while step_of(card):
        seen.append(questions_of(card))
        assert len(seen) < 20, seen
        card = answer(teams, bot_framework, card)
    assert seen[0][0] == "immediate_danger" and seen[-1] == ["review"]
    assert len(seen) <= 7, f"one card per section, at most 7 for a first-time referrer: {seen}"
    asked = [q for page in seen for q in page]
    assert "concern_categories" in asked and "child_dob" in asked and "referrer_email" in asked
    assert len(asked) == len(set(asked)), f"no question asked twice: {seen}"

    shown = text_of(card)
    with teams_app.extensions["db"].reading() as s:
        request = s.scalars(select(SupportRequest)).one()
        referrer = s.scalars(select(Referrer)).one()
        assert request.channel == "teams"
        assert request.child_first_name == "Sam"
        assert request.reference and f"Reference: {request.reference}" in shown
        assert f"Recommended level of need: {request.level}" in shown
        assert request.decision["route_label"] in shown
        reasons = [r["text"] for r in request.decision["reasons"]]
        assert all(r in shown for r in reasons[:3]), "at most three reasons, the first ones"
        if len(reasons) > 3:
            assert f"{len(reasons) - 3} more reason" in shown
        assert "What happens next" in shown
        # Identity and the conversation reference, for the hub's outcome later.
        assert (referrer.channel, referrer.channel_user_id) == ("teams", "aad-user-1")
        assert referrer.address["service_url"] == bot_framework.service_url
        assert referrer.address["conversation_id"] == "a:personal-1"
        assert referrer.address["tenant_id"] == TENANT_ID
    # Everything went back in the HTTP responses; nothing was posted to the connector.
    assert bot_framework.posted == []


def test_resending_the_submit_gives_the_same_reference(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    while step_of(card) != "review":
        card = answer(teams, bot_framework, card)
    submit = action_data(card, "Submit")
    first = invoke(teams, bot_framework, submit)
    again = invoke(teams, bot_framework, submit)
    assert text_of(first) == text_of(again)
    assert count(teams_app, SupportRequest) == 1


def error_under(card: dict[str, Any], question: str) -> str | None:
    """The error message drawn right under a question's input, if any."""
    body = card["body"]
    at = next((n for n, e in enumerate(body) if e.get("id") == f"a:{question}"), None)
    if at is None:
        return None
    after = body[at + 1] if at + 1 < len(body) else {}
    if after.get("type") == "RichTextBlock" and after["inlines"][0].get("color") == "attention":
        return after["inlines"][0]["text"]
    return None


def test_wrong_answers_show_the_same_card_with_each_error_under_its_input(
    teams: FlaskClient, bot_framework: BotFramework
) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    assert questions_of(card)[:3] == ["immediate_danger", "concern_details", "referrer_name"], (
        "the danger check shares the first card with the account and the referrer's details"
    )
    data = answer_data(card, referrer_email="not an email", referrer_phone="12345")
    again = invoke(teams, bot_framework, data)
    assert "referrer_email" in questions_of(again) and "referrer_phone" in questions_of(again)
    assert "does not look like an email address" in (error_under(again, "referrer_email") or "")
    assert error_under(again, "referrer_phone"), "each error next to its own input"
    assert error_under(again, "referrer_role") is None and "referrer_role" not in questions_of(again), "kept"
    assert field_of(again, "referrer_email")["value"] == "not an email", "what was typed stays in the box"
    assert (
        "referrer_name" not in questions_of(again)
        or field_of(again, "referrer_name")["value"] == ANSWERS["referrer_name"]
    ), "the valid answers are kept"
    # Put right, the next section follows; a date in the future there is refused the same way.
    card = invoke(teams, bot_framework, answer_data(again))
    card = walk_to(teams, bot_framework, "child_dob", card)
    refused = invoke(teams, bot_framework, answer_data(card, child_dob="2031-01-01"))
    assert "child_dob" in questions_of(refused) and "in the future" in (error_under(refused, "child_dob") or "")


def test_an_old_card_pressed_again_changes_nothing(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    first = invoke(teams, bot_framework, {"verb": "start"})
    data = answer_data(first)
    second = invoke(teams, bot_framework, data)
    assert step_of(second) == "child_unborn"
    later = invoke(teams, bot_framework, answer_data(second))
    stale = invoke(teams, bot_framework, {**data, "a:referrer_phone": "07700 900999"})
    assert "out of date" in text_of(stale)
    assert questions_of(stale) == questions_of(later), "shown where the conversation is now"
    with teams_app.extensions["db"].reading() as s:
        answers = s.scalars(select(Draft)).one().state["answers"]
    assert answers["referrer_phone"] != "07700 900999" and "07700" not in str(answers["referrer_phone"])


def test_someone_elses_draft_cannot_be_answered(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    theirs = invoke(teams, bot_framework, {"verb": "start"}, user="aad-user-1")
    mine = invoke(teams, bot_framework, answer_data(theirs), user="aad-user-2", conversation="a:personal-2")
    assert "out of date" in text_of(mine)
    with teams_app.extensions["db"].reading() as s:
        drafts = {d.channel_user_id: d for d in s.scalars(select(Draft))}
    assert drafts["aad-user-1"].state["answers"] == {}
    assert "aad-user-2" in drafts


def test_drafts_resume_where_they_were_left_and_back_keeps_the_answers(
    teams: FlaskClient, bot_framework: BotFramework
) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    card = answer(teams, bot_framework, card)
    assert step_of(card) == "child_unborn"
    resumed = invoke(teams, bot_framework, {"verb": "start"})
    assert "Welcome back" in text_of(resumed)
    assert step_of(resumed) == "child_unborn"
    back = invoke(teams, bot_framework, action_data(resumed, "Back"))
    assert "referrer_name" in questions_of(back) and "About you" in text_of(back)
    assert field_of(back, "referrer_email")["value"] == ANSWERS["referrer_email"], "Back shows the answers kept"
    onward = invoke(teams, bot_framework, answer_data(back))
    assert step_of(onward) == "child_unborn", "and Continue goes on from where the person was"


def test_immediate_danger_gives_999_first(teams: FlaskClient, bot_framework: BotFramework) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    assert not any(a["title"] == "Back" for a in all_actions(card)), "nothing to go back to on the first card"
    assert field_of(card, "immediate_danger")["isRequired"] is True
    others = [field_of(card, q) for q in questions_of(card)[1:]]
    assert others and not any(e["isRequired"] for e in others), "nothing in Teams stops a 'yes' reaching the advice"
    urgent = invoke(teams, bot_framework, {**action_data(card, "Continue"), "a:immediate_danger": "yes"})
    first = urgent["body"][0]
    assert first["type"] == "Container" and first["style"] == "attention"
    run = first["items"][0]["inlines"][0]
    assert "Call 999 now" in run["text"] and run["color"] == "attention" and run["weight"] == "bolder"


def test_markup_in_what_people_type_is_shown_as_typed(teams: FlaskClient, bot_framework: BotFramework) -> None:
    sneaky = "**Sam** [click me](https://evil.example.org) {{DATE(2017-02-14T06:00:00Z, SHORT)}} <b>x</b>"
    card = walk_to(teams, bot_framework, "child_first_name")
    card = walk_to(
        teams, bot_framework, "review", invoke(teams, bot_framework, answer_data(card, child_first_name=sneaky))
    )
    markdown_blocks = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    assert not any("evil.example.org" in t for t in markdown_blocks), "user text must never go into markdown"
    runs = [t for t in texts(card) if "evil.example.org" in t]
    assert runs, "the answer is shown on the review card"
    assert "[click me](https://evil.example.org)" in runs[0], "shown as typed, in a TextRun (never markdown)"
    assert "{{" not in runs[0] and "}}" not in runs[0], "no DATE()/TIME() template can form"


# -- tokens ------------------------------------------------------------------------------------------------------------


def _other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "not bearer",
        "garbage",
        "wrong audience",
        "expired",
        "wrong issuer",
        "serviceurl mismatch",
        "no serviceurl",
        "signed by another key",
        "unknown key id",
        "no expiry",
    ],
)
def test_bad_tokens_are_refused_and_nothing_is_processed(
    case: str, teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    fake = bot_framework
    tokens = {
        "wrong audience": lambda: fake.mint(aud="00000000-0000-4000-8000-0000000000ff"),
        "expired": lambda: fake.mint(exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200),
        "wrong issuer": lambda: fake.mint(iss="https://sts.windows.net/evil/"),
        "serviceurl mismatch": lambda: fake.mint(serviceurl="https://smba.evil.example.org/uk/"),
        "no serviceurl": lambda: fake.mint(serviceurl=None),
        "signed by another key": lambda: fake.mint(key=_other_key()),
        "unknown key id": lambda: fake.mint(key=_other_key(), kid="another-key"),
        "no expiry": lambda: fake.mint(exp=None),
        "garbage": lambda: "not.a.jwt",
    }
    body = activity(fake, "message", text="hello")
    if case == "missing":
        response = send(teams, fake, body, token=None)
    elif case == "not bearer":
        response = teams.post("/api/messages", json=body, headers={"Authorization": f"Basic {fake.mint()}"})
    else:
        response = send(teams, fake, body, token=tokens[case]())
    assert response.status_code == 401
    assert response.get_json() == {"error": "Unauthorized"}
    assert count(teams_app, Draft) == 0
    assert fake.posted == []


def test_a_good_token_for_another_region_cannot_redirect_replies(
    teams: FlaskClient, bot_framework: BotFramework
) -> None:
    body = activity(bot_framework, "message", text="hello", serviceUrl="https://smba.evil.example.org/uk/")
    assert send(teams, bot_framework, body).status_code == 401


def test_without_teams_settings_there_is_no_teams_endpoint(client: FlaskClient) -> None:
    assert client.post("/api/messages", json={}).status_code == 404


# -- typed chat and the connector ------------------------------------------------------------------------------------


def last_card(fake: BotFramework, conversation: str = "a:personal-1") -> dict[str, Any]:
    posted = fake.posted_to(conversation)
    assert posted, "nothing was posted to the conversation"
    attachment = posted[-1].activity["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def test_typed_replies_work_in_a_personal_chat(teams: FlaskClient, bot_framework: BotFramework) -> None:
    fake = bot_framework
    assert send(teams, fake, activity(fake, "message", text="hello")).status_code == 200
    card = last_card(fake)
    assert step_of(card) == "immediate_danger", "'hello' starts the conversation; it is not taken as an answer"
    send(teams, fake, activity(fake, "message", text="no"))
    assert step_of(last_card(fake)) == "concern_details"
    send(teams, fake, activity(fake, "message", text="Sam came to school hungry again this morning, the third time."))
    assert step_of(last_card(fake)) == "referrer_name"
    posted = fake.posted_to("a:personal-1")
    assert len(posted) == 3
    assert all(p.service_path == "/uk/" and p.authorization.startswith("Bearer connector-token-") for p in posted)
    assert len({p.authorization for p in posted}) == 1 and len(fake.token_requests) == 1, "the token is cached"
    grant = fake.token_requests[0]
    assert grant["grant_type"] == ["client_credentials"]
    assert grant["scope"] == ["https://api.botframework.com/.default"]
    assert posted[0].activity["conversation"]["id"] == "a:personal-1"


def test_action_submit_fallback_answers_with_a_posted_card(teams: FlaskClient, bot_framework: BotFramework) -> None:
    fake = bot_framework
    card = invoke(teams, fake, {"verb": "start"})
    send(teams, fake, activity(fake, "message", value=answer_data(card)))
    assert step_of(last_card(fake)) == "child_unborn"


def test_no_intake_in_a_channel(teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework) -> None:
    fake = bot_framework
    body = activity(
        fake,
        "message",
        text="<at>Request for support</at> Sam Testchild is at risk",
        conversation=HUB_CONVERSATION,
        conversation_type="channel",
    )
    assert send(teams, fake, body).status_code == 200
    hint = text_of(last_card(fake, HUB_CONVERSATION))
    assert "1:1 chat" in hint
    assert f"TEAMS_HUB_CONVERSATION={fake.service_url}v3/conversations/{HUB_CONVERSATION}" in hint
    card = invoke(teams, fake, {"verb": "start"}, conversation=HUB_CONVERSATION, conversation_type="channel")
    assert "1:1 chat" in text_of(card) and not step_of(card)
    assert count(teams_app, Draft) == 0


def test_welcome_card_when_the_bot_is_added(teams: FlaskClient, bot_framework: BotFramework) -> None:
    fake = bot_framework
    body = activity(fake, "conversationUpdate", membersAdded=[{"id": f"28:{APP_ID}"}])
    assert send(teams, fake, body).status_code == 200
    card = last_card(fake)
    assert action_data(card, "Start")["verb"] == "start"


def test_a_connector_failure_on_a_reply_loses_no_answer(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    fake = bot_framework
    send(teams, fake, activity(fake, "message", text="hello"))
    fake.fail_next = 1
    assert send(teams, fake, activity(fake, "message", text="no")).status_code == 200
    with teams_app.extensions["db"].reading() as s:
        draft = s.scalars(select(Draft)).one()
        assert draft.state["answers"]["immediate_danger"] is False


# -- after submission: the hub's channel and the referrer's outcome, through the outbox --------------------------------


def submit_through_cards(client: FlaskClient, fake: BotFramework) -> dict[str, Any]:
    card = invoke(client, fake, {"verb": "start"})
    while step_of(card):
        card = answer(client, fake, card)
    return card


def sweep(app: Flask, clock: Any) -> Any:
    from hub.outbox import run_due

    return run_due(app.extensions["db"], app.extensions["notifiers"], clock(), policy=app.extensions["outbox_policy"])


def test_the_hub_channel_gets_an_anonymous_summary_with_claim_and_open(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework, clock: Any
) -> None:
    submit_through_cards(teams, bot_framework)
    report = sweep(teams_app, clock)
    assert report.failed == 0 and report.retried == 0
    posted = bot_framework.posted_to(HUB_CONVERSATION)
    assert len(posted) == 1
    message = posted[0]
    assert message.service_path == "/uk/" and message.authorization.startswith("Bearer connector-token-")
    card = message.activity["attachments"][0]["content"]
    shown = json.dumps(message.activity)
    with teams_app.extensions["db"].reading() as s:
        request = s.scalars(select(SupportRequest)).one()
        assert f"Reference: {request.reference}" in text_of(card)
        assert f"Recommended level of need: {request.level}" in text_of(card)
        assert request.decision["route_label"] in shown
        request_id = request.id
    for detail in ("Sam", "Testchild", "FY1", "2015", "hungry", "Alex", "example.org/"):
        assert detail not in shown.replace("https://hub.example.org/", ""), f"{detail!r} must not reach the channel"
    claim = next(a for a in card["actions"] if a["title"] == "Claim")
    assert claim["type"] == "Action.Execute" and claim["data"]["request_id"] == request_id
    assert claim["fallback"]["type"] == "Action.Submit"
    link = next(a for a in card["actions"] if a["title"] == "Open in the hub")
    assert link == {
        "type": "Action.OpenUrl",
        "title": "Open in the hub",
        "url": f"https://hub.example.org/hub/requests/{request_id}",
    }


def record_outcome(app: Flask, clock: Any) -> None:
    """The hub records its decision (intake.triage): that enqueues the outcome to the referrer's own chat."""
    from intake import triage

    with app.extensions["db"].transaction() as s:
        request = s.scalars(select(SupportRequest)).one()
        triage.record_decision(
            s,
            request.id,
            outcome="early_help_intensive",
            hub_level=request.level,
            rationale="Synthetic rationale for a test.",
            override_reason=None,
            actor="staff:jo.worker@example.org",
            now=clock(),
        )


def test_the_outcome_reaches_the_referrer_proactively(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework, clock: Any
) -> None:
    submit_through_cards(teams, bot_framework)
    sweep(teams_app, clock)
    record_outcome(teams_app, clock)
    sweep(teams_app, clock)
    posted = bot_framework.posted_to("a:personal-1")
    assert len(posted) == 1
    activity_sent = posted[0].activity
    assert activity_sent["conversation"]["id"] == "a:personal-1"
    assert activity_sent["conversation"]["tenantId"] == TENANT_ID
    assert activity_sent["from"]["id"] == f"28:{APP_ID}"
    text = text_of(activity_sent["attachments"][0]["content"])
    assert "The hub has decided on your request" in text
    assert "Outcome: Early help: intensive / team around the family" in text
    assert "What happens next: Intensive early help" in text
    assert "Synthetic rationale" not in text, "the hub's rationale is its own record"


def test_a_connector_outage_loses_nothing_and_the_sweep_retries(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework, clock: Any
) -> None:
    from intake.store.outbox import OutboxMessage

    submit_through_cards(teams, bot_framework)
    bot_framework.fail_next = 100  # Teams is down
    first = sweep(teams_app, clock)
    assert first.retried == 1 and bot_framework.posted == []
    with teams_app.extensions["db"].reading() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "teams")).one()
        assert row.status == "pending" and row.last_error and "503" in row.last_error
        assert "Sam" not in row.last_error
    assert sweep(teams_app, clock).claimed == 0, "not due again until the backoff has passed"
    bot_framework.fail_next = 0  # Teams is back
    clock.advance(minutes=5)
    later = sweep(teams_app, clock)
    assert later.sent == 1 and later.claimed == 1
    assert len(bot_framework.posted_to(HUB_CONVERSATION)) == 1
    with teams_app.extensions["db"].reading() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "teams")).one()
        assert row.status == "sent" and row.attempts == 2 and row.external_id


def test_a_conversation_teams_will_never_accept_fails_without_retrying(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework, clock: Any
) -> None:
    submit_through_cards(teams, bot_framework)
    bot_framework.fail_next, bot_framework.fail_status = 1, 403  # e.g. the bot was removed from the channel
    report = sweep(teams_app, clock)
    assert report.failed == 1 and report.retried == 0


def change_section(client: FlaskClient, fake: BotFramework, review: dict[str, Any], section: str) -> dict:
    change = next(e for e in review["body"] if e.get("id") == "change")
    assert section in [c["value"] for c in change["choices"]]
    return invoke(client, fake, {**action_data(review, "Change"), "change": section})


def test_an_answer_can_be_changed_from_the_review_card(teams: FlaskClient, bot_framework: BotFramework) -> None:
    review = walk_to(teams, bot_framework, "review")
    change = change_section(teams, bot_framework, review, "about_child")
    assert "child_postcode" in questions_of(change) and field_of(change, "child_postcode")["value"] == "FY1 1AA"
    assert field_of(change, "child_first_name")["value"] == "Sam", "the whole section, every answer filled in"
    data = {**action_data(change, "Continue")}
    for question in questions_of(change):
        element = field_of(change, question)
        data[element["id"]] = element.get("value", "")
    data["a:child_postcode"] = "FY1 2AA"
    back_at_review = invoke(teams, bot_framework, data)
    assert step_of(back_at_review) == "review" and "FY1 2AA" in text_of(back_at_review)
    assert "Sam" in text_of(back_at_review)


def test_an_optional_answer_left_empty_counts_as_not_known(teams: FlaskClient, bot_framework: BotFramework) -> None:
    card = walk_to(teams, bot_framework, "child_dob")
    date_input = field_of(card, "child_dob")
    assert date_input["type"] == "Input.Date" and date_input["isRequired"] is False
    number = field_of(card, "child_age_estimate")
    assert number["type"] == "Input.Number" and number["min"] == 0 and number["isRequired"] is False
    after = invoke(teams, bot_framework, answer_data(card, child_dob="", child_age_estimate="9"))
    assert "child_dob" not in questions_of(after) and "child_age_estimate" not in questions_of(after)
    review = walk_to(teams, bot_framework, "review", after)
    assert "Date of birth: Not given" in text_of(review) and "Age (estimated): 9" in text_of(review)


def test_a_remembered_token_is_still_checked_against_each_activity(
    teams: FlaskClient, bot_framework: BotFramework
) -> None:
    token = bot_framework.mint()
    assert send(teams, bot_framework, activity(bot_framework, "message", text="hello"), token=token).status_code == 200
    elsewhere = activity(bot_framework, "message", text="hello", serviceUrl="https://smba.evil.example.org/uk/")
    assert send(teams, bot_framework, elsewhere, token=token).status_code == 401
    other_channel = activity(bot_framework, "message", text="hello", channelId="webchat")
    assert send(teams, bot_framework, other_channel, token=token).status_code == 401, "key endorsed for msteams only"


def test_an_update_replaces_the_hub_card_in_place(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework, clock: Any
) -> None:
    """What triage does on a claim: a hub_request_updated row per alert; the Teams card is replaced, not repeated."""
    from intake.store.outbox import OutboxMessage, enqueue

    submit_through_cards(teams, bot_framework)
    sweep(teams_app, clock)
    with teams_app.extensions["db"].transaction() as s:
        alert = s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "teams")).one()
        request = s.scalars(select(SupportRequest)).one()
        request.assigned_to, request.status = "staff:jo.worker@example.org", "in_triage"
        enqueue(
            s,
            channel="teams",
            kind="hub_request_updated",
            recipient=dict(alert.recipient),
            payload={
                **alert.payload,
                **request.summary(),
                "request_id": request.id,
                "assigned_to": "jo.worker@example.org",
                "alert_message_id": alert.id,
                "alert_external_id": None,
            },
            now=clock(),
            request_id=request.id,
        )
        alert_id = alert.external_id
    assert sweep(teams_app, clock).sent == 1
    updated = bot_framework.posted_to(HUB_CONVERSATION)[-1]
    assert updated.replaced == alert_id
    card = updated.activity["attachments"][0]["content"]
    assert "Claimed by: jo.worker@example.org" in text_of(card)
    assert [a["title"] for a in card["actions"]] == ["Open in the hub"], "no Claim button once claimed"


def test_claim_from_the_hub_channel_calls_triage_and_answers_the_clicker(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    calls: list[tuple[int, str]] = []

    def claim(request_id: int, actor: str, now: Any) -> str | None:
        calls.append((request_id, actor))
        return None if len(calls) == 1 else "Already claimed by jo.worker@example.org."

    teams_app.extensions["teams"].claim_handler = claim
    data = {"verb": "claim", "request_id": 7, "reference": "RFS-2026-000007"}
    body = activity(
        bot_framework,
        "invoke",
        name="adaptiveCard/action",
        conversation=f"{HUB_CONVERSATION};messageid=1700000000000",
        conversation_type="channel",
        value={"action": {"type": "Action.Execute", "verb": "claim", "data": data}},
    )
    first = send(teams, bot_framework, body).get_json()
    assert first == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "You have claimed RFS-2026-000007.",
    }
    assert calls == [(7, "teams:aad-user-1|Alex Testreferrer")], "the id, and the name to show"
    assert send(teams, bot_framework, body).get_json()["value"] == "Already claimed by jo.worker@example.org."
    elsewhere = activity(
        bot_framework,
        "invoke",
        name="adaptiveCard/action",
        conversation="19:some-other-channel@thread.tacv2",
        conversation_type="channel",
        value={"action": {"type": "Action.Execute", "verb": "claim", "data": data}},
    )
    assert "hub's own channel" in send(teams, bot_framework, elsewhere).get_json()["value"]
    assert len(calls) == 2


def test_claim_end_to_end_assigns_the_request_and_updates_the_hub_card(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework, clock: Any
) -> None:
    submit_through_cards(teams, bot_framework)
    sweep(teams_app, clock)
    alert = bot_framework.posted_to(HUB_CONVERSATION)[0]
    claim = next(a for a in alert.activity["attachments"][0]["content"]["actions"] if a["title"] == "Claim")
    body = activity(
        bot_framework,
        "invoke",
        user="aad-hub-worker",
        person="Jo Testworker",
        name="adaptiveCard/action",
        conversation=HUB_CONVERSATION,
        conversation_type="channel",
        value={"action": {"type": "Action.Execute", "verb": "claim", "data": claim["data"]}},
    )
    answer_ = send(teams, bot_framework, body).get_json()
    assert answer_["value"].startswith("You have claimed RFS-")
    with teams_app.extensions["db"].reading() as s:
        request = s.scalars(select(SupportRequest)).one()
        assert request.assigned_to == "teams:aad-hub-worker|Jo Testworker" and request.status == "in_triage"
    clock.advance(minutes=1)
    sweep(teams_app, clock)
    updated = bot_framework.posted_to(HUB_CONVERSATION)[-1]
    assert updated.replaced, "the alert card is replaced in place"
    card = updated.activity["attachments"][0]["content"]
    assert "Claimed by: Jo Testworker" in text_of(card), "the person's name, never a raw Teams id"
    assert "aad-hub-worker" not in json.dumps(card)
    assert "Claim" not in [a["title"] for a in card["actions"]]
    again = send(teams, bot_framework, body).get_json()
    assert again["value"].startswith("You have claimed"), "claiming your own claim again is harmless"


def cards_to_submit(client: FlaskClient, fake: BotFramework) -> list[list[str]]:
    """The questions of each card from Start to the result, answered as a person would."""
    card = invoke(client, fake, {"verb": "start"})
    seen: list[list[str]] = []
    while step_of(card):
        seen.append(questions_of(card))
        assert len(seen) < 20, seen
        card = answer(client, fake, card)
    assert "Reference: RFS-" in text_of(card)
    return seen


def test_a_returning_referrer_confirms_their_details_in_no_more_cards(
    teams: FlaskClient, bot_framework: BotFramework
) -> None:
    first = cards_to_submit(teams, bot_framework)
    again = cards_to_submit(teams, bot_framework)
    assert len(first) <= 7 and len(again) <= len(first), (first, again)
    assert "referrer_confirm" in again[0] and "referrer_name" not in [q for page in again for q in page]


def test_back_from_the_review_shows_the_last_section_filled_in(teams: FlaskClient, bot_framework: BotFramework) -> None:
    review = walk_to(teams, bot_framework, "review")
    back = invoke(teams, bot_framework, action_data(review, "Back"))
    assert "spoken_to_parents" in questions_of(back)
    assert field_of(back, "spoken_to_parents")["value"] == "no", "the answer is shown, not forgotten"
    data = action_data(back, "Continue")
    for question in questions_of(back):
        element = field_of(back, question)
        data[element["id"]] = element.get("value", "")
    again = invoke(teams, bot_framework, data)
    assert step_of(again) == "review"


# -- the signs of need, suggested from the referrer's own account ----------------------------------------------------

HUNGRY = "Synthetic: he comes in hungry most days and says there is no food at home"


def test_the_signs_card_offers_the_signs_matching_the_account_and_a_ticked_one_is_stored_and_routed(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    rules = load_rules()
    card = invoke(teams, bot_framework, {"verb": "start"})
    for _ in range(10):
        if "suggested_signs" in questions_of(card):
            break
        card = invoke(teams, bot_framework, answer_data(card, concern_details=HUNGRY))
    signs = field_of(card, "suggested_signs")
    values = [c["value"] for c in signs["choices"]]
    assert values[-2:] == ["none", "browse"] and signs.get("isMultiSelect")
    assert not signs.get("value"), "never pre-ticked"
    neglect = [v for v in values[:-2] if "neglect" in rules.indicators[v].categories]
    assert neglect, values
    titles = {c["value"]: c["title"] for c in signs["choices"]}
    assert titles[neglect[0]].startswith(rules.indicators[neglect[0]].text[:40]), "the catalogue's own wording"
    assert not any(q.startswith("indicators.") for q in questions_of(card)), "signs by area are the fallback"

    card = invoke(
        teams,
        bot_framework,
        answer_data(card, suggested_signs=neglect[0], concern_categories="", concern_details=HUNGRY),
    )
    seen = []
    while step_of(card):
        seen.append(questions_of(card))
        assert len(seen) < 10, seen
        card = answer(teams, bot_framework, card)
    assert not any(q.startswith("indicators.") for page in seen for q in page), seen
    with teams_app.extensions["db"].reading() as s:
        request = s.scalars(select(SupportRequest)).one()
    assert request.answers["suggested_signs"] == [neglect[0]]
    assert neglect[0] in request.facts["indicators"] and request.concern_categories == ["neglect"]
