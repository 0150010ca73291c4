"""Taking over a request another worker has claimed is explicit and audited: deciding it, or claiming it, in the hub
web app or from Slack's hub channel, needs a take-over, recorded as request.taken_over naming who held it."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import select

from intake.labels import SLACK_CLAIM_ACTION, SLACK_TAKE_OVER_ACTION
from intake.store.audit import AuditEvent
from intake.store.support_request import SupportRequest
from tests.bot.test_slack_intake import post
from tests.conftest import sign_in_as
from tests.hub.helpers import csrf_from, store_request
from tests.hub.test_slack_notifier import hub_ts, submit_request, sweep
from tests.slack_api import HUB_CHANNEL, HUB_USER, SlackApiStub, block_action

DECISION = {"outcome": "early_help_universal_plus", "hub_level": "2", "rationale": "Synthetic rationale."}


def _events(app: Flask, request_id: int) -> list[AuditEvent]:
    with app.extensions["db"].reading() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)))


def _request(app: Flask, request_id: int) -> SupportRequest:
    with app.extensions["db"].reading() as s:
        r = s.get(SupportRequest, request_id)
        assert r is not None
        return r


def test_deciding_a_request_someone_else_claimed_needs_an_explicit_take_over(app: Flask) -> None:
    rid = store_request(app)
    alice, bob = app.test_client(), app.test_client()
    alice_email = sign_in_as(app, alice, "hub_worker", "alice@example.org")
    sign_in_as(app, bob, "hub_worker", "bob@example.org")
    alice.post(f"/hub/requests/{rid}/claim", data={"csrf_token": csrf_from(alice, f"/hub/requests/{rid}")})
    page = bob.get(f"/hub/requests/{rid}").get_data(as_text=True)
    assert f"Take over from {alice_email}" in page and 'name="take_over"' in page

    refused = bob.post(
        f"/hub/requests/{rid}/decision", data={**DECISION, "csrf_token": csrf_from(bob, f"/hub/requests/{rid}")}
    )
    assert refused.status_code == 409
    assert f"{alice_email} has claimed this request" in refused.get_data(as_text=True)
    assert _request(app, rid).status != "decided" and _request(app, rid).assigned_to == f"staff:{alice_email}"

    token = csrf_from(bob, f"/hub/requests/{rid}")
    decided = bob.post(f"/hub/requests/{rid}/decision", data={**DECISION, "take_over": "yes", "csrf_token": token})
    assert decided.status_code == 302
    r = _request(app, rid)
    assert (
        r.status == "decided" and r.decided_by == "staff:bob@example.org" and r.assigned_to == "staff:bob@example.org"
    )
    actions = [(e.action, e.actor, e.detail.get("previously")) for e in _events(app, rid)]
    taken = actions.index(("request.taken_over", "staff:bob@example.org", f"staff:{alice_email}"))
    assert actions[taken + 1][0] == "request.decided"


def test_the_claimer_and_an_unclaimed_request_decide_without_a_take_over(app: Flask) -> None:
    rid = store_request(app)
    alice = app.test_client()
    sign_in_as(app, alice, "hub_worker", "alice@example.org")
    assert 'name="take_over"' not in alice.get(f"/hub/requests/{rid}").get_data(as_text=True)
    token = csrf_from(alice, f"/hub/requests/{rid}")
    assert alice.post(f"/hub/requests/{rid}/decision", data={**DECISION, "csrf_token": token}).status_code == 302
    assert "request.taken_over" not in [e.action for e in _events(app, rid)]


def test_claiming_a_claimed_request_needs_the_take_over_button(app: Flask) -> None:
    rid = store_request(app)
    alice, bob = app.test_client(), app.test_client()
    sign_in_as(app, alice, "hub_worker", "alice@example.org")
    sign_in_as(app, bob, "hub_worker", "bob@example.org")
    alice.post(f"/hub/requests/{rid}/claim", data={"csrf_token": csrf_from(alice, f"/hub/requests/{rid}")})
    bob.post(f"/hub/requests/{rid}/claim", data={"csrf_token": csrf_from(bob, f"/hub/requests/{rid}")})
    assert _request(app, rid).assigned_to == "staff:alice@example.org"  # a plain claim takes nothing
    token = csrf_from(bob, f"/hub/requests/{rid}")
    bob.post(f"/hub/requests/{rid}/claim", data={"take_over": "yes", "csrf_token": token})
    assert _request(app, rid).assigned_to == "staff:bob@example.org"
    assert [e.detail.get("previously") for e in _events(app, rid) if e.action == "request.taken_over"] == [
        "staff:alice@example.org"
    ]
    assert "Taken over" in bob.get(f"/hub/requests/{rid}").get_data(as_text=True)  # on the timeline


def test_slack_offers_a_take_over_and_audits_it(slack_app: Flask, slack_api: SlackApiStub) -> None:
    request = submit_request(slack_app, slack_api)
    sweep(slack_app)
    ts = hub_ts(slack_api)
    client = slack_app.test_client()

    def click(action: str, user: str) -> None:
        body = block_action(action, str(request.id), channel=HUB_CHANNEL, user=user, message_ts=ts,
                            response_url=f"{slack_api.base_url}respond")  # fmt: skip
        assert post(client, body).status_code == 200

    click(SLACK_CLAIM_ACTION, HUB_USER)
    first = _request(slack_app, request.id).assigned_to
    assert first and first.endswith(HUB_USER)
    click(SLACK_CLAIM_ACTION, "U0OTHER")
    assert _request(slack_app, request.id).assigned_to == first  # nothing taken without asking
    offer = slack_api.to("respond")[-1].params
    assert "already been claimed" in offer["text"] and offer["response_type"] == "ephemeral"
    blocks = offer["blocks"] if isinstance(offer["blocks"], list) else json.loads(offer["blocks"])
    assert SLACK_TAKE_OVER_ACTION in json.dumps(blocks)
    click(SLACK_TAKE_OVER_ACTION, "U0OTHER")
    now_with = _request(slack_app, request.id).assigned_to
    assert now_with and now_with.endswith("U0OTHER")
    taken = [e for e in _events(slack_app, request.id) if e.action == "request.taken_over"]
    assert len(taken) == 1 and taken[0].detail["previously"] == first and taken[0].actor == now_with
