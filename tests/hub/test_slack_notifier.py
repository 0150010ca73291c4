"""The Slack notifier: hub channel card, receipt and outcome DMs, message updates, outages and escaping, delivered by
the real outbox sweep to the local Slack Web API server."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import select

from hub.notifiers.slack import escape, hub_message
from hub.outbox import run_due
from intake.labels import Labels
from intake.store.outbox import FAILED, PENDING, SENT, OutboxMessage, enqueue
from intake.store.support_request import SupportRequest
from tests.bot.test_slack_intake import (
    ANSWERS,
    open_by_command,
    submit,
    walk_to_review,
    walk_to_review_until,
)
from tests.slack_api import HUB_CHANNEL, TEAM, USER, SlackApiStub


def sweep(app: Flask) -> Any:
    return run_due(
        app.extensions["db"],
        app.extensions["notifiers"],
        app.extensions["clock"](),
        policy=app.extensions["outbox_policy"],
    )


def submit_request(app: Flask, slack_api: SlackApiStub, answers: dict[str, Any] | None = None) -> SupportRequest:
    client = app.test_client()
    view = open_by_command(client, slack_api)
    if answers:
        view = walk_to_review_until(client, view, "concern_details")
        view = submit(client, view, {"concern_details": answers["concern_details"]})["view"]
    review = walk_to_review(client, view)
    assert submit(client, review, {})["response_action"] == "update"
    with app.extensions["db"].reading() as s:
        return s.scalars(select(SupportRequest)).one()


def rows(app: Flask) -> list[OutboxMessage]:
    with app.extensions["db"].reading() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "slack").order_by(OutboxMessage.id)))


def test_submission_posts_a_summary_card_to_the_hub_channel_and_a_receipt_dm(
    slack_app: Flask, slack_api: SlackApiStub
) -> None:
    request = submit_request(slack_app, slack_api)
    kinds = {(r.kind, json.dumps(r.recipient, sort_keys=True)) for r in rows(slack_app)}
    assert ("hub_new_request", json.dumps({"channel": HUB_CHANNEL})) in kinds
    assert ("referrer_receipt", json.dumps({"team_id": TEAM, "user_id": USER}, sort_keys=True)) in kinds

    report = sweep(slack_app)
    assert report.failed == 0
    posts = slack_api.to("chat.postMessage")
    hub = next(c for c in posts if c.params["channel"] == HUB_CHANNEL)
    card = json.dumps(hub.params)
    assert request.reference in card and "Recommended level" in card and "Decision due" in card
    assert "School or college" in card  # the referring agency
    for identifying in ("Sam", "Testchild", "2016", "14/03", "FY1", "1AA", "Test Street", "hungry"):
        assert identifying not in card, identifying
    buttons = next(b for b in hub.params["blocks"] if b["type"] == "actions")["elements"]
    assert buttons[0]["action_id"] == "hub_claim" and buttons[0]["value"] == str(request.id)
    assert buttons[1]["url"] == f"https://hub.example.org/hub/requests/{request.id}"

    dm = next(c for c in posts if c.params["channel"] == USER)
    text = json.dumps(dm.params)
    assert request.reference in text and "Recommended level of need" in text and "What happens next" in text
    assert "Why" in text
    assert hub.token == dm.token == "xoxb-test-token"
    # The posted message's channel and ts are kept, to update the card later.
    alert = next(r for r in rows(slack_app) if r.kind == "hub_new_request")
    assert alert.status == SENT and alert.external_id == f"{HUB_CHANNEL}:{hub_ts(slack_api)}"


def hub_ts(slack_api: SlackApiStub) -> str:
    """The ts Slack gave the hub card."""
    return next(
        c.response["ts"]
        for c in slack_api.to("chat.postMessage")
        if c.params["channel"] == HUB_CHANNEL and c.response.get("ok")
    )


def test_slack_outage_loses_nothing_and_the_sweep_retries_later(slack_app: Flask, slack_api: SlackApiStub) -> None:
    slack_api.fail("chat.postMessage", "internal_error", status=500, times=2)
    submit_request(slack_app, slack_api)
    report = sweep(slack_app)
    assert report.retried == 2  # the hub card and the receipt (the console's copy went)
    pending = rows(slack_app)
    assert all(r.status == PENDING and r.attempts == 1 for r in pending)
    assert all(r.last_error and r.last_error.startswith("slack:") for r in pending)

    assert sweep(slack_app).claimed == 0  # not due yet: backoff
    slack_app.extensions["clock"].advance(minutes=5)
    assert sweep(slack_app).sent == 2
    assert {r.status for r in rows(slack_app)} == {SENT}


def test_a_slack_error_a_retry_cannot_fix_fails_at_once(slack_app: Flask, slack_api: SlackApiStub) -> None:
    slack_api.fail("chat.postMessage", "channel_not_found")
    submit_request(slack_app, slack_api)
    sweep(slack_app)
    failed = [r for r in rows(slack_app) if r.status == FAILED]
    assert len(failed) == 1 and failed[0].last_error == "slack: channel_not_found"


def test_network_failure_is_retried(slack_app: Flask, slack_api: SlackApiStub) -> None:
    submit_request(slack_app, slack_api)
    slack_app.extensions["notifiers"]["slack"].base_url = "http://127.0.0.1:9/api/"  # nothing listens there
    report = sweep(slack_app)
    assert report.retried == 2 and all(r.status == PENDING for r in rows(slack_app))


def _enqueue(
    app: Flask, request: SupportRequest, kind: str, recipient: dict[str, Any], payload: dict[str, Any]
) -> None:
    with app.extensions["db"].transaction() as s:
        enqueue(
            s,
            channel="slack",
            kind=kind,
            recipient=recipient,
            payload=payload,
            now=app.extensions["clock"](),
            request_id=request.id,
        )


def test_hub_card_is_updated_in_place_once_it_was_posted(slack_app: Flask, slack_api: SlackApiStub) -> None:
    request = submit_request(slack_app, slack_api)
    alert = next(r for r in rows(slack_app) if r.kind == "hub_new_request")
    update = {
        **alert.payload,
        "status": "in_triage",
        "assigned_to": "hub.worker@example.org",
        "alert_message_id": alert.id,
        "alert_external_id": None,
    }
    _enqueue(slack_app, request, "hub_request_updated", alert.recipient, update)
    sweep(slack_app)  # the card goes out, and the update finds it in the same sweep (rows are sent in order)
    [edit] = slack_api.to("chat.update")
    assert edit.params["channel"] == HUB_CHANNEL and edit.params["ts"] == hub_ts(slack_api)
    card = json.dumps(edit.params)
    assert "In triage" in card and "hub.worker@example.org" in card and "hub_claim" not in card

    decided = {**update, "status": "decided", "hub_outcome": "early_help_intensive", "hub_level": 3}
    decided["outcome_label"] = "Early help: intensive / team around the family"
    _enqueue(slack_app, request, "hub_request_updated", alert.recipient, decided)
    sweep(slack_app)
    card = json.dumps(slack_api.to("chat.update")[-1].params)
    assert "Decided" in card and "Early help: intensive" in card and "hub_claim" not in card


def test_update_waits_for_the_card_it_edits(slack_app: Flask, slack_api: SlackApiStub) -> None:
    request = submit_request(slack_app, slack_api)
    alert = next(r for r in rows(slack_app) if r.kind == "hub_new_request")
    slack_api.fail("chat.postMessage", "ratelimited", times=5)
    _enqueue(
        slack_app,
        request,
        "hub_request_updated",
        alert.recipient,
        {**alert.payload, "status": "in_triage", "alert_message_id": alert.id},
    )
    sweep(slack_app)
    update = next(r for r in rows(slack_app) if r.kind == "hub_request_updated")
    assert update.status == PENDING and update.last_error == "slack: hub message not posted yet"
    assert slack_api.to("chat.update") == []


def test_outcome_dm_to_the_referrer(slack_app: Flask, slack_api: SlackApiStub) -> None:
    request = submit_request(slack_app, slack_api)
    _enqueue(
        slack_app,
        request,
        "referrer_outcome",
        {"team_id": TEAM, "user_id": USER},
        {
            **request.summary(),
            "request_id": request.id,
            "hub_outcome": "early_help_intensive",
            "outcome_label": "Early help: intensive / team around the family",
            "hub_level": 2,
            "recommended_level": request.level,
            "next_steps": "A team around the family with a lead professional will be arranged.",
        },
    )
    sweep(slack_app)
    dm = [c for c in slack_api.to("chat.postMessage") if c.params["channel"] == USER][-1]
    text = json.dumps(dm.params)
    assert "The hub has decided" in text and request.reference in text
    assert "Early help: intensive" in text and "lead professional" in text


def test_user_text_cannot_ping_the_channel_or_spoof_links(slack_app: Flask, slack_api: SlackApiStub) -> None:
    sneaky = "Synthetic: <!channel> <!here> look at <https://evil.example.org|the hub> & <@U0BOSS> please."
    answers = {**ANSWERS, "concern_details": sneaky}
    request = submit_request(slack_app, slack_api, answers)
    sweep(slack_app)
    everything = json.dumps([c.params for c in slack_api.calls])
    assert "<!channel>" not in everything.replace(json.dumps(sneaky)[1:-1], "")
    for call in slack_api.to("chat.postMessage"):
        assert "<!channel>" not in json.dumps(call.params) and "<!here>" not in json.dumps(call.params)
    # The person's own words are stored exactly as typed; only what Slack shows is escaped.
    assert request.answers["concern_details"] == sneaky

    assert escape("<!channel> & <https://x.example|y>") == "&lt;!channel&gt; &amp; &lt;https://x.example|y&gt;"
    text, blocks = hub_message(
        {"reference": "RFS-2026-000001", "level": 2, "route_label": "<!here>", "referring_agency": "<@U1>"}, Labels()
    )
    rendered = json.dumps([b.to_dict() for b in blocks]) + text
    assert "<!here>" not in rendered and "<@U1>" not in rendered and "&lt;!here&gt;" in rendered


def test_review_step_shows_typed_text_escaped(slack_app: Flask, slack_api: SlackApiStub) -> None:
    client = slack_app.test_client()
    view = walk_to_review_until(client, open_by_command(client, slack_api), "concern_details")
    view = submit(client, view, {"concern_details": "Synthetic: <!channel> said something worrying in class today."})[
        "view"
    ]
    review = walk_to_review(client, view)
    # The review shows the person's words escaped (mrkdwn), so Slack shows them as typed and never pings anyone.
    shown = json.dumps(review["blocks"])
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown


def test_delivery_to_a_workspace_without_a_token_fails_clearly(slack_app: Flask, slack_api: SlackApiStub) -> None:
    slack_app.extensions["notifiers"]["slack"].token_for = lambda enterprise, team: None
    submit_request(slack_app, slack_api)
    sweep(slack_app)
    assert {r.status for r in rows(slack_app)} == {FAILED}
    assert slack_api.to("chat.postMessage") == []


def test_claim_button_claims_and_the_card_follows_the_decision(slack_app: Flask, slack_api: SlackApiStub) -> None:
    from intake import triage
    from tests.bot.test_slack_intake import post
    from tests.slack_api import HUB_USER, block_action

    request = submit_request(slack_app, slack_api)
    sweep(slack_app)
    ts = hub_ts(slack_api)
    client = slack_app.test_client()
    assert (
        post(
            client, block_action("hub_claim", str(request.id), channel=HUB_CHANNEL, user=HUB_USER, message_ts=ts)
        ).status_code
        == 200
    )
    with slack_app.extensions["db"].reading() as s:
        claimed = s.get(SupportRequest, request.id)
        assert claimed.status == "in_triage" and claimed.assigned_to == f"slack:{TEAM}:{HUB_USER}"
    sweep(slack_app)
    edit = slack_api.to("chat.update")[-1].params
    assert edit["channel"] == HUB_CHANNEL and edit["ts"] == ts and "In triage" in json.dumps(edit)

    # A second person clicking Claim is told who has it; nothing changes.
    post(client, block_action("hub_claim", str(request.id), channel=HUB_CHANNEL, user="U0OTHERSTAFF", message_ts=ts))
    with slack_app.extensions["db"].reading() as s:
        assert s.get(SupportRequest, request.id).assigned_to == f"slack:{TEAM}:{HUB_USER}"

    # The hub decides (from any front end): the card shows it and the referrer hears the outcome by DM.
    with slack_app.extensions["db"].transaction() as s:
        triage.record_decision(
            s,
            request.id,
            outcome="early_help_intensive",
            hub_level=request.level,
            rationale="Synthetic rationale that must not reach Slack.",
            override_reason=None,
            actor="staff:worker@example.org",
            now=slack_app.extensions["clock"](),
            take_over=True,  # the Slack user claimed it: deciding it from the hub takes it over (audited)
        )
    sweep(slack_app)
    card = json.dumps(slack_api.to("chat.update")[-1].params)
    assert "Decided" in card and "hub_claim" not in card
    dm = [c for c in slack_api.to("chat.postMessage") if c.params["channel"] == USER][-1]
    text = json.dumps(dm.params)
    assert "The hub has decided" in text and request.reference in text
    everything = json.dumps([c.params for c in slack_api.calls])
    assert "Synthetic rationale" not in everything
