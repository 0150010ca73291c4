"""The Slack adapter end to end: signed requests through the Flask app, Web API calls to a local Slack stub."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from intake.store import Draft, Referrer, SupportRequest
from tests.slack_api import (
    TEAM,
    USER,
    SlackApiStub,
    block_action,
    event,
    global_shortcut,
    message_shortcut,
    signed_headers,
    slash_command,
    view_submission,
)

FORM = "application/x-www-form-urlencoded"

ANSWERS: dict[str, dict[str, Any]] = {
    "immediate_danger": {"choice": "no"},
    "referrer_name": {"text": "Alex Example"},
    "referrer_role": {"text": "Designated safeguarding lead"},
    "referrer_agency": {"choice": "school"},
    "referrer_organisation": {"text": "Example Primary School"},
    "referrer_phone": {"text": "01632 960123"},
    "referrer_email": {"text": "alex@school.example.org"},
    "child_unborn": {"choice": "no"},
    "child_first_name": {"text": "Sam"},
    "child_last_name": {"text": "Testchild"},
    "child_dob": {"date": "2016-03-14"},
    "child_postcode": {"text": "FY1 1AA"},
    "child_address": {"text": "1 Test Street, Blackpool"},
    "child_gender": {"choice": "boy"},
    "child_lives_with": {"choice": "one_parent"},
    "spoken_to_parents": {"choice": "yes"},
    "concern_categories": {"choices": ["neglect"]},
    "concern_details": {
        "text": "Synthetic test concern: arrived hungry three days this week and said there was no food at home."
    },
    "consent": {"choice": "given"},
}


def post(client: FlaskClient, body: str, content_type: str = FORM, **headers: str) -> Any:
    return client.post(
        "/slack/events", data=body, headers={"Content-Type": content_type, **signed_headers(body), **headers}
    )


def question_of(view: dict[str, Any]) -> str | None:
    for block in view["blocks"]:
        if block["type"] == "input":
            return block["block_id"].partition(":")[2].rpartition(":")[0]
    if (view.get("submit") or {}).get("text") == "Submit":
        return "review"
    return None


def fill(view: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The `state.values` Slack would send for this view filled in with `answer`."""
    values: dict[str, Any] = {}
    wanted = set(answer.get("choices", []))
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        if kind == "checkboxes":
            picked = [o for o in element["options"] if o["value"] in wanted]
            value: dict[str, Any] = {"type": kind, "selected_options": picked}
        elif kind in ("radio_buttons", "static_select"):
            option = next((o for o in element["options"] if o["value"] == answer.get("choice")), None)
            value = {"type": kind, "selected_option": option}
        elif kind == "datepicker":
            value = {"type": kind, "selected_date": answer.get("date")}
        else:
            value = {"type": kind, "value": answer.get("text")}
        values[block["block_id"]] = {element["action_id"]: value}
    return values


def submit(client: FlaskClient, view: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    response = post(client, view_submission(view, fill(view, answer)))
    assert response.status_code == 200, response.data
    return response.get_json()


def open_by_command(client: FlaskClient, slack_api: SlackApiStub, user: str = USER) -> dict[str, Any]:
    response = post(client, slash_command(user=user))
    assert response.status_code == 200
    opened = slack_api.to("views.open")
    assert opened and opened[-1].params["trigger_id"] == "1.2.trigger"
    return opened[-1].params["view"]


def default_answer(view: dict[str, Any], qid: str) -> dict[str, Any]:
    """An answer for a question the test does not care about: 'no' where offered, else the first option, else text."""
    if qid in ANSWERS:
        return ANSWERS[qid]
    element = next(b for b in view["blocks"] if b["type"] == "input")["element"]
    if element["type"] in ("radio_buttons", "static_select"):
        values = [o["value"] for o in element["options"]]
        for wanted in ("no", "none", "given"):
            if wanted in values:
                return {"choice": wanted}
        return {"choice": values[0]}
    if element["type"] == "checkboxes":
        return {"choices": [element["options"][0]["value"]]}
    if element["type"] == "datepicker":
        return {"date": "2016-03-14"}
    if element["type"] == "number_input":
        return {"text": "7"}
    return {"text": "Synthetic answer for a test, long enough to be accepted."}


def walk_to_review_until(client: FlaskClient, view: dict[str, Any], stop: str) -> dict[str, Any]:
    for _ in range(80):
        qid = question_of(view)
        if qid == stop:
            return view
        assert qid is not None and qid != "review", f"reached {qid} before {stop}"
        data = submit(client, view, default_answer(view, qid))
        assert data["response_action"] == "update", (qid, data)
        view = data["view"]
    raise AssertionError(f"never reached {stop}")


def walk_to_review(client: FlaskClient, view: dict[str, Any]) -> dict[str, Any]:
    return walk_to_review_until(client, view, "review")


def count(app: Flask, model: type) -> int:
    with app.extensions["db"].reading() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


# -- ways in -----------------------------------------------------------------------------------------------------


def test_slash_command_acks_and_opens_the_first_step(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    response = post(client, slash_command())
    assert response.status_code == 200 and response.data == b""
    view = slack_api.to("views.open")[0].params["view"]
    assert slack_api.to("views.open")[0].token == "xoxb-test-token"
    assert view["type"] == "modal" and view["callback_id"] == "intake_step"
    assert question_of(view) == "immediate_danger"
    assert "999" in json.dumps(view)
    # The draft id, and only that, travels in the view.
    with slack_app.extensions["db"].reading() as s:
        draft = s.scalars(select(Draft)).one()
    assert view["private_metadata"] == draft.id
    assert draft.channel == "slack" and draft.channel_user_id == f"{TEAM}:{USER}"


def test_global_shortcut_opens_the_form(slack_app: Flask, slack_api: SlackApiStub) -> None:
    response = post(slack_app.test_client(), global_shortcut())
    assert response.status_code == 200
    assert question_of(slack_api.to("views.open")[0].params["view"]) == "immediate_danger"


def test_message_shortcut_offers_the_message_as_the_description(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    text = "Synthetic: Sam said nobody was home again last night and he had no tea."
    assert post(client, message_shortcut(text)).status_code == 200
    view = slack_api.to("views.open")[0].params["view"]
    view = walk_to_review_until(client, view, "concern_details")
    element = next(b for b in view["blocks"] if b["type"] == "input")["element"]
    assert element["initial_value"] == text


def test_app_home_lists_drafts_and_requests_and_starts_a_form(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = open_by_command(client, slack_api)
    submit(client, view, ANSWERS["immediate_danger"])  # leave a draft behind

    response = post(client, event("app_home_opened", "Ev0001"), content_type="application/json")
    assert response.status_code == 200
    published = slack_api.to("views.publish")[0].params
    assert published["user_id"] == USER
    home = json.dumps(published["view"])
    assert "Raise a concern" in home and "Resume" in home and "My requests" in home

    draft_id = view["private_metadata"]
    assert post(client, block_action("home_resume", draft_id)).status_code == 200
    resumed = slack_api.to("views.open")[-1].params["view"]
    assert resumed["private_metadata"] == draft_id and question_of(resumed) == "concern_details"

    assert post(client, block_action("home_raise")).status_code == 200
    assert slack_api.to("views.open")[-1].params["view"]["private_metadata"] == draft_id  # resumes, no duplicate


def test_someone_elses_draft_cannot_be_resumed(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    draft_id = open_by_command(client, slack_api)["private_metadata"]
    post(client, block_action("home_resume", draft_id, user="U0INTRUDER"))
    assert slack_api.to("views.open")[-1].params["view"]["private_metadata"] != draft_id


# -- the modal ---------------------------------------------------------------------------------------------------


def test_full_walk_through_stores_one_routed_request(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = open_by_command(client, slack_api)
    review = walk_to_review(client, view)
    assert "Testchild" in json.dumps(review)  # answers shown back before submitting
    assert review["submit"]["text"] == "Submit"

    done = submit(client, review, {})
    assert done["response_action"] == "update"
    final = json.dumps(done["view"])
    assert "RFS-2026-" in final and "submit" not in done["view"]

    # A double-clicked submit (the same review view again) makes no second request.
    again = submit(client, review, {})
    assert again["response_action"] == "update"
    assert count(slack_app, SupportRequest) == 1
    with slack_app.extensions["db"].reading() as s:
        request = s.scalars(select(SupportRequest)).one()
        referrer = s.get(Referrer, request.referrer_id)
    assert request.channel == "slack" and request.child_last_name == "Testchild"
    assert referrer.channel_user_id == f"{TEAM}:{USER}"
    assert referrer.address == {"team_id": TEAM, "user_id": USER}


def test_invalid_answer_comes_back_as_an_error_under_the_field(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = walk_to_review_until(client, open_by_command(client, slack_api), "concern_details")
    data = submit(client, view, {"text": "too short"})
    assert data["response_action"] == "errors"
    [(block, message)] = data["errors"].items()
    assert block == "q:concern_details:0" and "at least" in message

    view = walk_to_review_until(client, open_by_command(client, slack_api, user="U0SECOND"), "child_postcode")
    data = submit(client, view, {"text": "not a postcode"})
    assert set(data) == {"response_action", "errors"} and data["response_action"] == "errors"
    assert "postcode" in data["errors"]["q:child_postcode:0"]
    # Left empty (it is optional): skipped, on to the next question.
    skipped = submit(client, view, {"text": ""})
    assert skipped["response_action"] == "update" and question_of(skipped["view"]) not in (None, "child_postcode")


def test_a_future_date_of_birth_is_refused(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = walk_to_review_until(client, open_by_command(client, slack_api), "child_dob")
    data = submit(client, view, {"date": "2030-01-01"})
    assert data["response_action"] == "errors" and "future" in data["errors"]["q:child_dob:0"]


def test_immediate_danger_shows_999_first(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = open_by_command(client, slack_api)
    data = submit(client, view, {"choice": "yes"})
    blocks = data["view"]["blocks"]
    assert blocks[0]["type"] == "header" and "999" in blocks[0]["text"]["text"]
    assert "999" in blocks[1]["text"]["text"] and "01632 960100" in blocks[1]["text"]["text"]


def test_back_button_returns_to_the_previous_question(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = open_by_command(client, slack_api)
    second = submit(client, view, ANSWERS["immediate_danger"])["view"]
    assert question_of(second) == "concern_details"
    back = next(b for b in second["blocks"] if b["type"] == "actions")["elements"][0]
    assert back["action_id"] == "intake_back"
    shown = {**second, "id": "V0VIEW", "hash": "h1"}
    assert post(client, block_action("intake_back", back["value"], view=shown)).status_code == 200
    updated = slack_api.to("views.update")[-1].params
    assert updated["view_id"] == "V0VIEW" and updated["hash"] == "h1"
    assert question_of(updated["view"]) == "immediate_danger"
    # A doubled click does not go back twice.
    post(client, block_action("intake_back", back["value"], view=shown))
    assert question_of(slack_api.to("views.update")[-1].params["view"]) == "immediate_danger"


def test_a_stale_view_applies_nothing(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    first = open_by_command(client, slack_api)
    submit(client, first, {"choice": "no"})
    # The same first view submitted again (a doubled Next): the answer is not applied to the next question.
    data = submit(client, first, {"choice": "no"})
    assert question_of(data["view"]) == "concern_details"
    with slack_app.extensions["db"].reading() as s:
        draft = s.scalars(select(Draft)).one()
    assert draft.state["answers"] == {"immediate_danger": False}


def test_cancel_on_review_discards_the_draft(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    review = walk_to_review(client, open_by_command(client, slack_api))
    cancel = next(b for b in review["blocks"] if b["type"] == "actions")["elements"][1]
    assert cancel["action_id"] == "intake_cancel"
    post(client, block_action("intake_cancel", cancel["value"], view={**review, "id": "V0VIEW", "hash": "h1"}))
    assert "Cancelled" in json.dumps(slack_api.to("views.update")[-1].params["view"])
    assert count(slack_app, SupportRequest) == 0


def test_many_options_are_split_into_groups_slack_accepts(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = walk_to_review_until(client, open_by_command(client, slack_api), "concern_categories")
    groups = [b for b in view["blocks"] if b["type"] == "input"]
    assert len(groups) >= 2 and all(len(g["element"]["options"]) <= 10 for g in groups)
    assert all(len(o["text"]["text"]) <= 75 for g in groups for o in g["element"]["options"])
    last = groups[-1]["element"]["options"][-1]["value"]
    data = submit(client, view, {"choices": ["neglect", last]})
    assert data["response_action"] == "update"
    with slack_app.extensions["db"].reading() as s:
        assert s.scalars(select(Draft)).one().state["answers"]["concern_categories"] == ["neglect", last]
    # Nothing ticked at all: the engine's message, under the first group.
    view = walk_to_review_until(client, open_by_command(client, slack_api, user="U0SECOND"), "concern_categories")
    data = submit(client, view, {"choices": []})
    assert data["response_action"] == "errors" and "q:concern_categories:0" in data["errors"]


# -- safety ------------------------------------------------------------------------------------------------------


def test_forged_signature_is_refused(slack_app: Flask, slack_api: SlackApiStub) -> None:
    body = slash_command()
    headers = signed_headers(body, secret="not-the-secret")
    response = slack_app.test_client().post("/slack/events", data=body, headers={"Content-Type": FORM, **headers})
    assert response.status_code == 401
    assert slack_api.to("views.open") == [] and count(slack_app, Draft) == 0


def test_stale_timestamp_is_refused(slack_app: Flask, slack_api: SlackApiStub) -> None:
    body = slash_command()
    headers = signed_headers(body, timestamp=int(time.time()) - 10 * 60)
    response = slack_app.test_client().post("/slack/events", data=body, headers={"Content-Type": FORM, **headers})
    assert response.status_code == 401
    assert count(slack_app, Draft) == 0


def test_retried_event_is_processed_once(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    body = event("app_home_opened", "Ev0RETRY")
    assert post(client, body, content_type="application/json").status_code == 200
    retry = post(
        client,
        body,
        content_type="application/json",
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status_code == 200
    assert len(slack_api.to("views.publish")) == 1


def test_event_receipts_are_forgotten_after_a_day(slack_app: Flask, slack_api: SlackApiStub, clock: Any) -> None:
    from app.slack import forget_old_events, register_event_cleanup

    assert register_event_cleanup in slack_app.extensions["clock_jobs"]
    client = slack_app.test_client()
    post(client, event("app_home_opened", "Ev0OLD"), content_type="application/json")
    assert forget_old_events(slack_app) == 0
    clock.advance(days=2)
    assert forget_old_events(slack_app) == 1


def test_url_verification_challenge(slack_app: Flask) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "legacy"})
    response = post(slack_app.test_client(), body, content_type="application/json")
    assert response.status_code == 200 and b"c-123" in response.data


def test_web_api_outage_when_opening_keeps_the_draft(slack_app: Flask, slack_api: SlackApiStub) -> None:
    slack_api.fail("views.open", "internal_error", status=500)
    client = slack_app.test_client()
    assert post(client, slash_command()).status_code == 200
    assert count(slack_app, Draft) == 1
    # Trying again opens the same draft.
    post(client, slash_command())
    assert count(slack_app, Draft) == 1 and len(slack_api.to("views.open")) == 2


def test_without_slack_settings_there_is_no_slack_route(client: FlaskClient, app: Flask) -> None:
    assert "slack" not in app.extensions
    assert client.post("/slack/events", data="x").status_code == 404


@pytest.mark.parametrize("missing", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])
def test_partial_slack_settings_leave_slack_off(database_url: str, clock: Any, missing: str) -> None:
    from app import create_app

    settings = {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-test-token"}
    settings.pop(missing)
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "CLOCK": clock, **settings})
    assert "slack" not in app.extensions
    app.extensions["db"].dispose()
