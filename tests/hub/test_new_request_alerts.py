"""Submitting a request puts the hub's alert and the referrer's receipt in the outbox, in the same transaction,
with nothing that identifies the child; the browser-chat referrer sees the hub's messages when they come back."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hub.new_request import HubDestination, on_submitted
from hub.outbox import run_due
from intake.store import SupportRequest
from intake.store.outbox import OutboxMessage, enqueue
from tests.bot.test_webchat import TYPICAL, answer_until_review
from tests.conftest import FakeClock
from tests.hub.seed import make_request

CHILD_DETAILS = ("Sam", "Testchild", "2016-03-14", "14/03/2016", "FY1 1AA", "FY11AA", "hungry", "Synthetic")


def _submit(client: FlaskClient) -> dict:
    data = client.post("/chat/conversations").get_json()
    data = answer_until_review(client, data["conversation_id"], data, TYPICAL)
    done = client.post(f"/chat/conversations/{data['conversation_id']}/messages", json={"choice": "submit"})
    return done.get_json()["request"]


def test_submission_alerts_the_hub_without_child_details(
    client: FlaskClient, app: Flask, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    app.extensions["hub_destinations"].append(HubDestination("slack", {"channel": "C0HUB"}))
    request = _submit(client)
    with app.extensions["db"].transaction() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "hub_new_request")).all()
        stored = s.scalars(select(SupportRequest)).one()
        assert stored.child_last_name == "Testchild"  # the details exist, only in the request itself
    assert sorted(r.channel for r in rows) == ["console", "slack"]
    for row in rows:
        assert row.payload["reference"] == request["reference"]
        assert row.payload["level"] == request["level"] and row.payload["route"] == request["route"]
        assert row.payload["decision_due_at"] == request["decision_due_at"]
        assert row.payload["link"].endswith(f"/hub/requests/{row.request_id}")
        text = json.dumps([row.payload, row.recipient])
        for detail in CHILD_DETAILS:
            assert detail.casefold() not in text.casefold(), detail
    assert not {"child_first_name", "child_last_name", "child_dob", "child_postcode", "answers"} & set(rows[0].payload)

    caplog.set_level(logging.INFO)
    run_due(app.extensions["db"], app.extensions["notifiers"], clock.now)
    for detail in CHILD_DETAILS:
        assert detail not in caplog.text, detail

    # A retried submit enqueues nothing more.
    client.post("/chat/conversations")
    with app.extensions["db"].reading() as s:
        assert len(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "hub_new_request")).all()) == 2


def test_slack_and_teams_referrers_get_a_receipt_in_their_own_chat(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    address = {"team_id": "T0TEST", "user_id": "U0TEST", "channel": "D0TEST"}
    with db.transaction() as s:
        slack_request = make_request(s, clock.now, channel="slack", address=address)
        web_request = make_request(s, clock.now, channel="webchat")
        for r in (slack_request, web_request, slack_request):  # the third: a retried listener
            on_submitted(s, r, clock.now, destinations=[HubDestination("console")], public_url="http://hub.example")
    with db.transaction() as s:
        receipts = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "referrer_receipt")).all()
        alerts = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "hub_new_request")).all()
    assert [(m.channel, m.recipient, m.request_id) for m in receipts] == [("slack", address, slack_request.id)]
    assert receipts[0].payload["reference"] == slack_request.reference
    assert len(alerts) == 2


def test_browser_referrer_sees_the_hubs_message_when_they_come_back(
    client: FlaskClient, app: Flask, clock: FakeClock
) -> None:
    request = _submit(client)
    db = app.extensions["db"]
    with db.transaction() as s:
        stored = s.scalars(select(SupportRequest)).one()
        stored.status, stored.hub_outcome, stored.hub_level = "decided", "early_help_intensive", 3
        message = enqueue(
            s,
            channel="webchat",
            kind="referrer_outcome",
            recipient={"referrer_id": stored.referrer_id},
            payload={"reference": stored.reference, "hub_outcome": "early_help_intensive", "hub_level": 3},
            now=clock.now,
            request_id=stored.id,
        )
    report = run_due(db, app.extensions["notifiers"], clock.advance(minutes=1))
    assert report.failed == 0 and report.sent >= 1

    page = client.get("/").get_data(as_text=True)
    assert "Your requests (1 new)" in page
    assert request["reference"] in page and "early help intensive" in page
    # Seen once: the next visit shows it without the "new" marker.
    again = client.get("/chat/updates").get_json()
    assert again["unread"] == 0 and again["notices"][0]["reference"] == request["reference"]
    assert again["requests"][0]["status"] == "decided"

    # Redelivering the same outbox message (after a crash) stores no second notice.
    app.extensions["notifiers"]["webchat"].deliver(message)
    assert len(client.get("/chat/updates").get_json()["notices"]) == 1


def test_someone_else_does_not_see_those_notices(client: FlaskClient, app: Flask) -> None:
    _submit(client)
    stranger = app.test_client()
    assert "Your requests" not in stranger.get("/").get_data(as_text=True)
    assert stranger.get("/chat/updates").get_json() == {"unread": 0, "notices": [], "requests": []}
