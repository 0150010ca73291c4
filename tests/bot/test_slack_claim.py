"""Claim from the Slack hub channel while the database is down: the person who clicked is told nothing was claimed
(bolt runs the claim after the ack and would only log the error), and the next click, once it is back, claims."""

from __future__ import annotations

from flask import Flask

from intake.store.support_request import SupportRequest
from tests.bot.test_slack_intake import post
from tests.hub.test_slack_notifier import hub_ts, submit_request, sweep
from tests.intake.test_database_faults import database_down
from tests.slack_api import HUB_CHANNEL, HUB_USER, SlackApiStub, block_action


def test_a_claim_while_the_database_is_down_tells_the_clicker_and_claims_nothing(
    slack_app: Flask, slack_api: SlackApiStub
) -> None:
    request = submit_request(slack_app, slack_api)
    sweep(slack_app)
    ts = hub_ts(slack_api)
    client = slack_app.test_client()
    click = block_action(
        "hub_claim",
        str(request.id),
        channel=HUB_CHANNEL,
        user=HUB_USER,
        message_ts=ts,
        response_url=f"{slack_api.base_url}respond",
    )
    with database_down(slack_app):
        assert post(client, click).status_code == 200
    answers = slack_api.to("respond")
    assert len(answers) == 1
    assert "not claimed" in answers[0].params["text"] and answers[0].params["response_type"] == "ephemeral"
    with slack_app.extensions["db"].reading() as s:
        assert s.get(SupportRequest, request.id).assigned_to is None  # type: ignore[union-attr]
    assert post(client, click).status_code == 200
    with slack_app.extensions["db"].reading() as s:
        assert s.get(SupportRequest, request.id).assigned_to is not None  # type: ignore[union-attr]
