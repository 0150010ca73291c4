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
    for a in all_actions(card):
        if a.get("data", {}).get("step"):
            return a["data"]["step"]
    return None


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
    "child_first_name": "Sam",
    "child_last_name": "Testchild",
    "child_dob": "2015-03-14",
    "child_postcode": "FY1 1AA",
    "concern_details": "Sam has come to school hungry most days this half term and said there is no food at home.",
    "consent_risk_reason": "The parent has threatened staff before when asked about the children.",
}
GENERIC_TEXT = "Synthetic answer written for a test, with enough words to pass any minimum."


def answer_data(card: dict[str, Any]) -> dict[str, Any]:
    """What a person would send from this card: press a button (No / Submit), or fill the input and Continue."""
    step = step_of(card)
    assert step, text_of(card)
    titles = [a["title"] for a in all_actions(card)]
    if "Continue" not in titles:
        preferred = next((t for t in ("Submit", "No") if t in titles), titles[0])
        return action_data(card, preferred)
    data = action_data(card, "Continue")
    element = next(e for e in card["body"] if e.get("id") == "answer")
    if element["type"] == "Input.ChoiceSet":
        values = [c["value"] for c in element["choices"]]
        wanted = ANSWERS.get(step)
        data["answer"] = wanted if wanted in values else values[0]
    elif element["type"] == "Input.Date":
        data["answer"] = ANSWERS.get(step, "2015-03-14")
    elif element["type"] == "Input.Number":
        data["answer"] = "9"
    else:
        data["answer"] = ANSWERS.get(step, GENERIC_TEXT)
    return data


def answer(client: FlaskClient, fake: BotFramework, card: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return invoke(client, fake, answer_data(card), **kw)


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
    seen = []
    while step_of(card):
        seen.append(step_of(card))
        assert len(seen) < 80, seen
        card = answer(teams, bot_framework, card)
    assert seen[0] == "immediate_danger" and seen[-1] == "review"
    assert "concern_categories" in seen and "child_dob" in seen

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


def test_a_wrong_answer_shows_the_same_card_with_the_error(teams: FlaskClient, bot_framework: BotFramework) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    while step_of(card) != "referrer_email":
        card = answer(teams, bot_framework, card)
    data = action_data(card, "Continue")
    again = invoke(teams, bot_framework, {**data, "answer": "not an email"})
    assert step_of(again) == "referrer_email"
    errors = [
        run
        for element in again["body"]
        if element["type"] == "RichTextBlock"
        for run in element["inlines"]
        if run.get("color") == "attention"
    ]
    assert errors and "does not look like an email address" in errors[0]["text"]
    assert any(e["type"] == "Input.Text" and e["id"] == "answer" for e in again["body"])
    # A date in the future on the date card is refused the same way.
    card = invoke(teams, bot_framework, {**data, "answer": ANSWERS["referrer_email"]})
    while step_of(card) != "child_dob":
        card = answer(teams, bot_framework, card)
    refused = invoke(teams, bot_framework, {**action_data(card, "Continue"), "answer": "2031-01-01"})
    assert step_of(refused) == "child_dob" and "in the future" in text_of(refused)


def test_an_old_card_pressed_again_changes_nothing(teams: FlaskClient, bot_framework: BotFramework) -> None:
    first = invoke(teams, bot_framework, {"verb": "start"})
    no = action_data(first, "No")
    second = invoke(teams, bot_framework, no)
    assert step_of(second) == "concern_details"
    stale = invoke(teams, bot_framework, no)
    assert "already been answered" in text_of(stale)
    assert step_of(stale) == "concern_details"


def test_someone_elses_draft_cannot_be_answered(
    teams: FlaskClient, teams_app: Flask, bot_framework: BotFramework
) -> None:
    theirs = invoke(teams, bot_framework, {"verb": "start"}, user="aad-user-1")
    mine = invoke(teams, bot_framework, action_data(theirs, "Yes"), user="aad-user-2", conversation="a:personal-2")
    assert "out of date" in text_of(mine)
    with teams_app.extensions["db"].reading() as s:
        drafts = {d.channel_user_id: d for d in s.scalars(select(Draft))}
    assert drafts["aad-user-1"].state["answers"] == {}
    assert "aad-user-2" in drafts


def test_drafts_resume_where_they_were_left(teams: FlaskClient, bot_framework: BotFramework) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    card = answer(teams, bot_framework, card)
    card = answer(teams, bot_framework, card)
    card = answer(teams, bot_framework, card)
    assert step_of(card) == "referrer_role"
    resumed = invoke(teams, bot_framework, {"verb": "start"})
    assert "Welcome back" in text_of(resumed)
    assert step_of(resumed) == "referrer_role"
    back = invoke(teams, bot_framework, action_data(resumed, "Back"))
    assert step_of(back) == "referrer_name"


def test_immediate_danger_gives_999_first(teams: FlaskClient, bot_framework: BotFramework) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    urgent = invoke(teams, bot_framework, action_data(card, "Yes"))
    first = urgent["body"][0]
    assert first["type"] == "Container" and first["style"] == "attention"
    run = first["items"][0]["inlines"][0]
    assert "Call 999 now" in run["text"] and run["color"] == "attention" and run["weight"] == "bolder"


def test_markup_in_what_people_type_is_shown_as_typed(teams: FlaskClient, bot_framework: BotFramework) -> None:
    sneaky = "**Sam** [click me](https://evil.example.org) {{DATE(2017-02-14T06:00:00Z, SHORT)}} <b>x</b>"
    card = invoke(teams, bot_framework, {"verb": "start"})
    while step_of(card) != "review":
        step = step_of(card)
        if step == "child_first_name":
            card = invoke(teams, bot_framework, {**action_data(card, "Continue"), "answer": sneaky})
        else:
            card = answer(teams, bot_framework, card)
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
    value = action_data(card, "No")
    send(teams, fake, activity(fake, "message", value=value))
    assert step_of(last_card(fake)) == "concern_details"


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


def test_an_answer_can_be_changed_from_the_review_card(teams: FlaskClient, bot_framework: BotFramework) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    while step_of(card) != "review":
        card = answer(teams, bot_framework, card)
    change = invoke(teams, bot_framework, {**action_data(card, "Change"), "change": "postcode"})
    assert step_of(change) == "child_postcode"
    back_at_review = invoke(teams, bot_framework, {**action_data(change, "Continue"), "answer": "FY1 2AA"})
    assert step_of(back_at_review) == "review" and "FY1 2AA" in text_of(back_at_review)


def test_an_optional_answer_left_empty_counts_as_not_known(teams: FlaskClient, bot_framework: BotFramework) -> None:
    card = invoke(teams, bot_framework, {"verb": "start"})
    while step_of(card) != "child_dob":
        card = answer(teams, bot_framework, card)
    date_input = next(e for e in card["body"] if e.get("id") == "answer")
    assert date_input["type"] == "Input.Date" and date_input["isRequired"] is False
    after = invoke(teams, bot_framework, {**action_data(card, "Continue"), "answer": ""})
    assert step_of(after) == "child_age_estimate"
    number = next(e for e in after["body"] if e.get("id") == "answer")
    assert number["type"] == "Input.Number" and number["min"] == 0


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
