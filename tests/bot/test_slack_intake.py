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
from routing import load_rules
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

ANSWERS: dict[str, Any] = {
    "immediate_danger": "no",
    "referrer_name": "Alex Example",
    "referrer_role": "Designated safeguarding lead",
    "referrer_agency": "school",
    "referrer_organisation": "Example Primary School",
    "referrer_phone": "01632 960123",
    "referrer_email": "alex@school.example.org",
    "referrer_mail_updates": "no",
    "child_unborn": "no",
    "child_first_name": "Sam",
    "child_last_name": "Testchild",
    "child_dob": "2016-03-14",
    "child_postcode": "FY1 1AA",
    "child_address": "1 Test Street, Blackpool",
    "child_gender": "boy",
    "child_lives_with": "one_parent",
    "parents_carers": "Jo Testparent (mother)",
    "spoken_to_parents": "yes",
    "concern_categories": ["neglect"],
    "concern_details": "Synthetic test concern: arrived hungry three days this week, said there was no food at home.",
    "concern_when": "Three times this week",
    "consent": "given",
}


def post(client: FlaskClient, body: str, content_type: str = FORM, **headers: str) -> Any:
    return client.post(
        "/slack/events", data=body, headers={"Content-Type": content_type, **signed_headers(body), **headers}
    )


def inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if b["type"] == "input"]


def questions_of(view: dict[str, Any]) -> list[str]:
    """The question ids a page asks, in order (a checkbox question split into groups counted once)."""
    out: list[str] = []
    for block in inputs(view):
        qid = block["block_id"].partition(":")[2].rpartition(":")[0]
        if qid not in out:
            out.append(qid)
    if not out and (view.get("submit") or {}).get("text") == "Submit":
        return ["review"]
    return out


def question_of(view: dict[str, Any]) -> str | None:
    asked = questions_of(view)
    return asked[0] if asked else None


def _default(block: dict[str, Any]) -> Any:
    """An answer for a field the test does not care about: empty when optional (a choice that applies only in some
    cases is answered as a person would), 'no' where offered, else the first option, else text."""
    element = block["element"]
    conditional = "if it applies" in (block.get("hint") or {}).get("text", "")
    if block.get("optional") and not (conditional and element["type"] in ("radio_buttons", "static_select")):
        return None
    if element["type"] in ("radio_buttons", "static_select"):
        values = [o["value"] for o in element["options"]]
        return next((w for w in ("no", "none", "given") if w in values), values[0])
    if element["type"] == "checkboxes":
        return [element["options"][0]["value"]]
    if element["type"] == "datepicker":
        return "2016-03-14"
    return "Synthetic answer for a test, long enough to be accepted."


def fill(view: dict[str, Any], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `state.values` Slack would send for this page filled in: `answers` (by question id) first, then ANSWERS,
    then a default for whatever else is required."""
    given = {**ANSWERS, **(answers or {})}
    values: dict[str, Any] = {}
    for block in inputs(view):
        qid = block["block_id"].partition(":")[2].rpartition(":")[0]
        answer = given[qid] if qid in given else _default(block)
        element = block["element"]
        kind = element["type"]
        if kind == "checkboxes":
            wanted = set(answer or [])
            value: dict[str, Any] = {
                "type": kind,
                "selected_options": [o for o in element["options"] if o["value"] in wanted],
            }
        elif kind in ("radio_buttons", "static_select"):
            option = next((o for o in element["options"] if o["value"] == answer), None)
            value = {"type": kind, "selected_option": option}
        elif kind == "datepicker":
            value = {"type": kind, "selected_date": answer}
        else:
            value = {"type": kind, "value": answer}
        values[block["block_id"]] = {element["action_id"]: value}
    return values


def submit(
    client: FlaskClient, view: dict[str, Any], answers: dict[str, Any] | None = None, user: str = USER
) -> dict[str, Any]:
    response = post(client, view_submission(view, fill(view, answers), user=user))
    assert response.status_code == 200, response.data
    return response.get_json()


def open_by_command(client: FlaskClient, slack_api: SlackApiStub, user: str = USER) -> dict[str, Any]:
    response = post(client, slash_command(user=user))
    assert response.status_code == 200
    opened = slack_api.to("views.open")
    assert opened and opened[-1].params["trigger_id"] == "1.2.trigger"
    return opened[-1].params["view"]


def walk_to_review_until(
    client: FlaskClient, view: dict[str, Any], stop: str, answers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Submit page after page until one asks `stop`; returns that page."""
    for _ in range(20):
        if stop in questions_of(view):
            return view
        assert questions_of(view) and question_of(view) != "review", f"reached {question_of(view)} before {stop}"
        data = submit(client, view, answers)
        assert data["response_action"] == "update", (questions_of(view), data)
        view = data["view"]
    raise AssertionError(f"never reached {stop}")


def walk_to_review(client: FlaskClient, view: dict[str, Any], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    return walk_to_review_until(client, view, "review", answers)


def back_to(client: FlaskClient, slack_api: SlackApiStub, view: dict[str, Any]) -> dict[str, Any]:
    back = next(
        e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "intake_back"
    )
    assert (
        post(
            client, block_action("intake_back", back["value"], view={**view, "id": "V0VIEW", "hash": "h1"})
        ).status_code
        == 200
    )
    updated = slack_api.to("views.update")[-1].params
    assert updated["view_id"] == "V0VIEW" and updated["hash"] == "h1"
    return updated["view"]


def draft_answers(app: Flask) -> dict[str, Any]:
    with app.extensions["db"].reading() as s:
        return s.scalars(select(Draft)).one().state["answers"]


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
    element = next(b for b in inputs(view) if b["block_id"] == "q:concern_details:0")["element"]
    assert element["initial_value"] == text


def test_app_home_lists_drafts_and_requests_and_starts_a_form(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = open_by_command(client, slack_api)
    submit(client, view)  # leave a draft behind

    response = post(client, event("app_home_opened", "Ev0001"), content_type="application/json")
    assert response.status_code == 200
    published = slack_api.to("views.publish")[0].params
    assert published["user_id"] == USER
    home = json.dumps(published["view"])
    assert "Raise a concern" in home and "Resume" in home and "My requests" in home

    draft_id = view["private_metadata"]
    assert post(client, block_action("home_resume", draft_id)).status_code == 200
    resumed = slack_api.to("views.open")[-1].params["view"]
    with slack_app.extensions["db"].reading() as s:
        waiting = s.get(Draft, draft_id).step
    assert resumed["private_metadata"] == draft_id and waiting in questions_of(resumed)
    assert "Welcome back" in json.dumps(resumed)

    assert post(client, block_action("home_raise")).status_code == 200
    assert slack_api.to("views.open")[-1].params["view"]["private_metadata"] == draft_id  # resumes, no duplicate


def test_someone_elses_draft_cannot_be_resumed(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    draft_id = open_by_command(client, slack_api)["private_metadata"]
    post(client, block_action("home_resume", draft_id, user="U0INTRUDER"))
    assert slack_api.to("views.open")[-1].params["view"]["private_metadata"] != draft_id


# -- the modal: one section per view ------------------------------------------------------------------------------


def test_a_first_time_referrer_walks_the_whole_intake_in_at_most_seven_views(
    slack_app: Flask, slack_api: SlackApiStub
) -> None:
    client = slack_app.test_client()
    view = open_by_command(client, slack_api)
    views = [view]
    saved: set[str] = set()
    while question_of(view) != "review":
        asked = set(questions_of(view))
        data = submit(client, view)
        assert data["response_action"] == "update", (questions_of(view), data)
        # Saved after every view: what this page answered is in the draft before the next page is shown.
        saved |= asked & set(draft_answers(slack_app))
        assert asked & set(draft_answers(slack_app)), asked
        view = data["view"]
        views.append(view)
        assert len(views) <= 10
    assert len(views) <= 7, [questions_of(v) for v in views]
    # Safety first, on the first page, with the section that follows a "no".
    assert questions_of(views[0])[0] == "immediate_danger" and len(questions_of(views[0])) > 1
    assert {"referrer_name", "child_last_name", "concern_details", "consent"} <= saved
    review = views[-1]
    assert "Testchild" in json.dumps(review) and review["submit"]["text"] == "Submit"

    done = submit(client, review)
    assert done["response_action"] == "update"
    final = json.dumps(done["view"])
    assert "RFS-2026-" in final and "submit" not in done["view"]
    # A double-clicked submit (the same review view again) makes no second request.
    assert submit(client, review)["response_action"] == "update"
    assert count(slack_app, SupportRequest) == 1
    with slack_app.extensions["db"].reading() as s:
        request = s.scalars(select(SupportRequest)).one()
        referrer = s.get(Referrer, request.referrer_id)
    assert request.channel == "slack" and request.child_last_name == "Testchild"
    assert referrer.channel_user_id == f"{TEAM}:{USER}"
    assert referrer.address == {"team_id": TEAM, "user_id": USER}

    # The same person again: details remembered, still at most seven views.
    view = open_by_command(client, slack_api)
    views = [view]
    while question_of(view) != "review":
        data = submit(client, view, {"referrer_confirm": "yes"})
        assert data["response_action"] == "update", (questions_of(view), data)
        view = data["view"]
        views.append(view)
    assert len(views) <= 7, [questions_of(v) for v in views]


def test_every_page_is_a_modal_slack_accepts(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = open_by_command(client, slack_api)
    for _ in range(10):
        assert len(view["title"]["text"]) <= 24 and len(view["blocks"]) <= 100
        assert view["private_metadata"] == draft_id_of(slack_app)  # the draft id, and only that
        for block in inputs(view):
            options = block["element"].get("options") or []
            assert len(options) <= 10 or block["element"]["type"] == "static_select"
            assert all(len(o["text"]["text"]) <= 75 for o in options)
            assert len(block["label"]["text"]) <= 2000
        for block in view["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
        if question_of(view) == "review":
            break
        view = submit(client, view)["view"]


def draft_id_of(app: Flask) -> str:
    with app.extensions["db"].reading() as s:
        return s.scalars(select(Draft.id)).one()


def test_errors_come_back_under_their_own_fields_and_good_answers_are_kept(
    slack_app: Flask, slack_api: SlackApiStub
) -> None:
    client = slack_app.test_client()
    view = walk_to_review_until(client, open_by_command(client, slack_api), "referrer_phone")
    data = submit(client, view, {"referrer_phone": "not a phone", "referrer_email": "nope"})
    assert data["response_action"] == "errors"
    assert set(data["errors"]) == {"q:referrer_phone:0", "q:referrer_email:0"}
    answers = draft_answers(slack_app)
    assert answers["referrer_name"] == "Alex Example" and "referrer_phone" not in answers  # nothing lost
    # Put right and sent again: on to the next page.
    data = submit(client, view)
    assert data["response_action"] == "update" and "referrer_phone" not in questions_of(data["view"])

    view = walk_to_review_until(client, data["view"], "child_postcode")
    data = submit(client, view, {"child_postcode": "not a postcode", "child_dob": "2030-01-01"})
    assert data["response_action"] == "errors"
    assert set(data["errors"]) <= {"q:child_postcode:0", "q:child_dob:0"}
    assert "future" in data["errors"].get("q:child_dob:0", "future")


def test_a_concern_too_short_is_refused_under_its_field(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = walk_to_review_until(client, open_by_command(client, slack_api), "concern_details")
    data = submit(client, view, {"concern_details": "too short"})
    assert data["response_action"] == "errors"
    assert "at least" in data["errors"]["q:concern_details:0"]


def test_immediate_danger_shows_999_first_and_nothing_below_stands_in_its_way(
    slack_app: Flask, slack_api: SlackApiStub
) -> None:
    client = slack_app.test_client()
    view = open_by_command(client, slack_api)
    assert "999" in json.dumps(view["blocks"][:3])
    empty = {q: None for q in questions_of(view) if q != "immediate_danger"}
    data = submit(client, view, {"immediate_danger": "yes", **empty})
    assert data["response_action"] == "update", data
    blocks = data["view"]["blocks"]
    assert blocks[0]["type"] == "header" and "999" in blocks[0]["text"]["text"]
    assert "999" in blocks[1]["text"]["text"] and "01632 960100" in blocks[1]["text"]["text"]
    assert draft_answers(slack_app)["immediate_danger"] is True
    # Slack refuses a form with a required field empty: below the safety question nothing is required by Slack,
    # and the conversation itself asks for what it needs once the answer is "no".
    assert all(b["optional"] for b in inputs(view) if not b["block_id"].startswith("q:immediate_danger:"))
    assert any("Needed to send the request" in (b.get("hint") or {}).get("text", "") for b in inputs(view))
    # The advice's page asks whether to record the details now, above the section that follows a yes.
    after = questions_of(data["view"])
    assert after[0] == "carry_on_after_emergency" and len(after) > 1, after


def test_no_to_danger_with_fields_left_empty_says_what_each_needs(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = open_by_command(client, slack_api)
    empty = {q: None for q in questions_of(view) if q != "immediate_danger"}
    data = submit(client, view, empty)
    assert data["response_action"] == "errors" and data["errors"]
    assert set(data["errors"]) <= {b["block_id"] for b in inputs(view)}
    answers = draft_answers(slack_app)
    assert answers["immediate_danger"] is False and not set(answers) & set(empty)


def test_back_shows_the_section_before_with_every_answer_kept(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    first = open_by_command(client, slack_api)
    assert not [b for b in first["blocks"] if b["type"] == "actions"]  # nothing before the first page
    child = walk_to_review_until(client, first, "child_last_name")
    again = back_to(client, slack_api, child)
    assert "referrer_name" in questions_of(again) and "immediate_danger" not in questions_of(again)
    name = next(b for b in inputs(again) if b["block_id"] == "q:referrer_name:0")
    assert name["element"]["initial_value"] == "Alex Example"
    agency = next(b for b in inputs(again) if b["block_id"] == "q:referrer_agency:0")
    assert agency["element"]["initial_option"]["value"] == "school"
    assert draft_answers(slack_app)["referrer_name"] == "Alex Example"  # going back forgets nothing
    # Changed there and sent: saved, and on to where the person was.
    data = submit(client, again, {"referrer_name": "Alex Sample"})
    assert data["response_action"] == "update" and "child_last_name" in questions_of(data["view"])
    assert draft_answers(slack_app)["referrer_name"] == "Alex Sample"
    # A doubled Back click goes back once only.
    back_to(client, slack_api, child)
    assert "referrer_name" in questions_of(back_to(client, slack_api, child))


def test_back_inside_a_section_shows_the_whole_section(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = walk_to_review_until(client, open_by_command(client, slack_api), "child_gender")
    # "About the child" is one page: the adult check that could split it applies only to someone 18 or over.
    assert {"child_first_name", "child_gender", "existing_support"} <= set(questions_of(view))
    data = submit(client, view, {"child_postcode": "not a postcode"})
    assert data["response_action"] == "errors"  # what was valid is kept; part of the section is answered
    again = back_to(client, slack_api, view)
    asked = questions_of(again)
    assert "child_first_name" in asked and "child_postcode" in asked
    first_name = next(b for b in inputs(again) if b["block_id"] == "q:child_first_name:0")
    assert first_name["element"]["initial_value"] == "Sam"
    assert "referrer_name" in questions_of(back_to(client, slack_api, again))


def test_change_from_the_review_and_back_to_the_review(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    review = walk_to_review(client, open_by_command(client, slack_api))
    change = {
        e["value"]: e
        for b in review["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("intake_change")
    }
    assert "revisit:about_child" in change
    button = change["revisit:about_child"]
    post(client, block_action(button["action_id"], button["value"], view={**review, "id": "V0VIEW", "hash": "h1"}))
    page = slack_api.to("views.update")[-1].params["view"]
    assert "child_last_name" in questions_of(page)
    data = submit(client, page, {"child_last_name": "Changedname"})
    assert question_of(data["view"]) == "review" and "Changedname" in json.dumps(data["view"])


def test_a_stale_page_applies_nothing_twice(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    first = open_by_command(client, slack_api)
    second = submit(client, first)["view"]
    answers = draft_answers(slack_app)
    # The same first page submitted again (a doubled Next): the same answers, nothing moves on twice.
    data = submit(client, first)
    assert questions_of(data["view"]) == questions_of(second)
    assert draft_answers(slack_app) == answers and answers["immediate_danger"] is False


def test_cancel_on_review_discards_the_draft(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    review = walk_to_review(client, open_by_command(client, slack_api))
    cancel = next(
        e
        for b in review["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "intake_cancel"
    )
    assert cancel["confirm"]["title"]["text"] == "Cancel this request?"
    post(client, block_action("intake_cancel", cancel["value"], view={**review, "id": "V0VIEW", "hash": "h1"}))
    assert "Cancelled" in json.dumps(slack_api.to("views.update")[-1].params["view"])
    assert count(slack_app, SupportRequest) == 0


def test_many_options_are_split_into_groups_slack_accepts(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = walk_to_review_until(client, open_by_command(client, slack_api), "concern_categories")
    groups = [b for b in inputs(view) if b["block_id"].startswith("q:concern_categories:")]
    assert len(groups) >= 2 and all(len(g["element"]["options"]) <= 10 for g in groups)
    last = groups[-1]["element"]["options"][-1]["value"]
    data = submit(client, view, {"suggested_signs": ["browse"], "concern_categories": ["neglect", last]})
    assert data["response_action"] == "update"
    assert draft_answers(slack_app)["concern_categories"] == ["neglect", last]
    # Looking through by area with no area ticked at all: the engine's message, under the first group.
    view = walk_to_review_until(client, open_by_command(client, slack_api, user="U0SECOND"), "concern_categories")
    data = submit(client, view, {"suggested_signs": ["browse"], "concern_categories": []}, user="U0SECOND")
    assert data["response_action"] == "errors" and "q:concern_categories:0" in data["errors"]


def test_typed_text_cannot_ping_or_link_in_mrkdwn(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    typed = "Synthetic: <!channel> look <https://evil.example|here> & he had no tea again this week."
    review = walk_to_review(client, open_by_command(client, slack_api), {"concern_details": typed})
    shown = json.dumps(review)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown and "&amp; he had no tea" in shown


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


# -- the signs of need, suggested from the referrer's own account ----------------------------------------------------

HUNGRY = "Synthetic: he comes in hungry most days and says there is no food at home"


def test_the_signs_page_offers_the_signs_matching_the_account_and_a_ticked_one_is_stored_and_routed(
    slack_app: Flask, slack_api: SlackApiStub
) -> None:
    client = slack_app.test_client()
    typed = {"concern_details": HUNGRY}
    view = walk_to_review_until(client, open_by_command(client, slack_api), "suggested_signs", typed)
    block = next(b for b in inputs(view) if b["block_id"].startswith("q:suggested_signs:"))
    options = block["element"]["options"]
    values = [o["value"] for o in options]
    assert values[-2:] == ["none", "browse"] and len(options) <= 10
    assert "initial_options" not in block["element"] or not block["element"]["initial_options"], "never pre-ticked"
    rules = load_rules()
    neglect = [v for v in values[:-2] if "neglect" in rules.indicators[v].categories]
    assert neglect, values
    shown = {o["value"]: json.dumps(o) for o in options}
    assert rules.indicators[neglect[0]].text[:60] in shown[neglect[0]], "the catalogue's own wording"
    # The signs by area are the fallback: not on this page.
    assert not any(q.startswith("indicators.") for q in questions_of(view))

    chosen = {**typed, "suggested_signs": [neglect[0]], "concern_categories": []}
    data = submit(client, view, chosen)
    assert data["response_action"] == "update", data
    assert draft_answers(slack_app)["suggested_signs"] == [neglect[0]]
    assert draft_answers(slack_app)["concern_categories"] == ["neglect"]
    review = walk_to_review(client, data["view"], typed)
    assert not any(q.startswith("indicators.") for q in questions_of(review))
    submit(client, review)
    with slack_app.extensions["db"].reading() as s:
        request = s.scalars(select(SupportRequest)).one()
    assert request.answers["suggested_signs"] == [neglect[0]]
    assert neglect[0] in request.facts["indicators"] and request.concern_categories == ["neglect"]
