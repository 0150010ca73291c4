"""Who vouches for the referrer, end to end: signed Slack requests (local Slack stub) and authenticated Teams
activities (local Bot Framework) make requests that record the workspace or tenant and whether it is a partner, and
the hub's request page, queue and dashboard show it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from intake.store import SupportRequest
from tests.bot.conftest import slack_settings, teams_config
from tests.bot.test_slack_intake import open_by_command, post, submit, walk_to_review
from tests.bot.test_teams import submit_through_cards
from tests.bot.test_webchat import TYPICAL, answer_until_review
from tests.conftest import EMAIL_CODE, InlineExecutor, sign_in_as
from tests.hub.helpers import store_request
from tests.slack_api import TEAM, SlackApiStub, slash_command
from tests.teams_stubs import TENANT_ID, BotFramework, start

OTHER_TENANT = "00000000-0000-4000-8000-00000000bb02"


def build(database_url: str, clock: Any, **settings: Any) -> Flask:
    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "OUTBOX_SEND_NOW_EXECUTOR": InlineExecutor(),
            "EMAIL_CODE_MAKER": lambda: EMAIL_CODE,
            **settings,
        }
    )


@pytest.fixture
def apps(database_url: str, clock: Any) -> Iterator[list[Flask]]:
    made: list[Flask] = []
    yield made
    for app in made:
        app.extensions["db"].dispose()


@pytest.fixture
def bot_framework() -> Iterator[BotFramework]:
    fake, server = start()
    yield fake
    server.shutdown()
    server.server_close()


def stored(app: Flask) -> SupportRequest:
    with app.extensions["db"].reading() as s:
        return s.scalars(select(SupportRequest).order_by(SupportRequest.id.desc())).first()


def slack_submission(app: Flask, slack_api: SlackApiStub) -> SupportRequest:
    client = app.test_client()
    done = submit(client, walk_to_review(client, open_by_command(client, slack_api)), {})
    assert "RFS-2026-" in json.dumps(done["view"])
    return stored(app)


@pytest.mark.parametrize(
    ("partner_teams", "key", "name"),
    [
        (f"{TEAM}=Test schools", "slack_partner", "Test schools"),
        ("T0ELSEWHERE", "slack_other", None),
        ("", "slack", None),
    ],
)
def test_a_slack_request_records_the_workspace_it_came_from(
    apps: list[Flask], database_url: str, clock: Any, slack_api: SlackApiStub, partner_teams: str, key: str, name: Any
) -> None:
    app = build(database_url, clock, **slack_settings(slack_api, SLACK_PARTNER_TEAMS=partner_teams))
    apps.append(app)
    request = slack_submission(app, slack_api)
    assert request.verified_by == key
    assert request.verification["method"] == "slack" and request.verification["subject"] == TEAM
    assert request.verification["matched"] == name
    # The email typed in the form is not what vouches in Slack, but the hub is told where it points.
    assert request.verification["email_domain"] == "school.example.org"
    assert request.verification["email_partner"] is False


def test_the_workspace_is_the_one_slack_signed_the_request_for(
    apps: list[Flask], database_url: str, clock: Any, slack_api: SlackApiStub
) -> None:
    app = build(database_url, clock, **slack_settings(slack_api, SLACK_PARTNER_TEAMS=f"{TEAM}=Test schools"))
    apps.append(app)
    client = app.test_client()
    # The same person's command from another workspace opens a draft under that workspace's identity.
    body = slash_command().replace(f"team_id={TEAM}", "team_id=T0ELSEWHERE")
    assert post(client, body).status_code == 200
    view = slack_api.to("views.open")[-1].params["view"]
    submit(client, walk_to_review(client, view), {})
    request = stored(app)
    assert (request.verified_by, request.verification["subject"]) == ("slack_other", "T0ELSEWHERE")


@pytest.mark.parametrize(
    ("partner_tenants", "key"),
    [(f"{TENANT_ID}=Test NHS trust", "teams_partner"), (OTHER_TENANT, "teams_other"), ("", "teams")],
)
def test_a_teams_request_records_the_tenant_it_came_from(
    apps: list[Flask],
    database_url: str,
    clock: Any,
    bot_framework: BotFramework,
    partner_tenants: str,
    key: str,
) -> None:
    app = build(database_url, clock, **teams_config(bot_framework), TEAMS_PARTNER_TENANTS=partner_tenants)
    apps.append(app)
    submit_through_cards(app.test_client(), bot_framework)
    request = stored(app)
    assert request.verified_by == key
    assert request.verification["method"] == "teams" and request.verification["subject"] == TENANT_ID
    assert request.verification["matched"] == ("Test NHS trust" if key == "teams_partner" else None)


def test_a_browser_chat_request_records_the_email_domain_against_the_list(
    apps: list[Flask], database_url: str, clock: Any
) -> None:
    app = build(database_url, clock, REFERRER_EMAIL_DOMAINS="sch.uk, nhs.net")
    apps.append(app)
    client = app.test_client()
    answers = {**TYPICAL, "referrer_email": {"text": "Alex@Example-Primary.SCH.uk"}}
    data = client.post("/chat/conversations").get_json()
    data = answer_until_review(client, data["conversation_id"], data, answers)
    client.post(f"/chat/conversations/{data['conversation_id']}/messages", json={"choice": "submit"})
    request = stored(app)
    assert request.verified_by == "email_partner" and request.verification["confirmed_at"] == clock.now.isoformat()
    assert request.verification["subject"] == "example-primary.sch.uk"
    assert request.verification["matched"] == "sch.uk" and request.verification["partner"] is True


def test_a_partner_list_that_cannot_be_read_stops_the_start_with_what_to_fix(database_url: str, clock: Any) -> None:
    with pytest.raises(ValueError, match="SLACK_PARTNER_TEAMS: 'NOT A TEAM' is not a workspace id"):
        build(database_url, clock, SLACK_PARTNER_TEAMS="T0OK, not a team")
    with pytest.raises(ValueError, match="REFERRER_EMAIL_DOMAINS"):
        build(database_url, clock, REFERRER_EMAIL_DOMAINS="sch.uk, nhs net")


# -- what the hub sees ---------------------------------------------------------------------------------------------


def verified(app: Flask, request_id: int, key: str, details: dict[str, Any]) -> None:
    with app.extensions["db"].transaction() as s:
        row = s.get(SupportRequest, request_id)
        row.verified_by = key
        row.verification = details


def test_the_request_page_queue_and_dashboard_show_how_each_referrer_was_verified(
    app: Flask, client: FlaskClient
) -> None:
    partner = store_request(app, first="Ada")
    outsider = store_request(app, first="Bea")
    slack = store_request(app, first="Cal", channel="slack")
    old = store_request(app, first="Dot")
    at = "2026-11-24T09:55:00+00:00"
    details = {"method": "email", "partner": True, "subject": "example-primary.sch.uk", "matched": "sch.uk"}
    verified(app, partner, "email_partner", {**details, "confirmed_at": at})
    verified(app, outsider, "email_other", {"method": "email", "partner": False, "subject": "example.org"})
    verified(app, slack, "slack_other", {"method": "slack", "partner": False, "subject": "T0ELSEWHERE"})
    sign_in_as(app, client, "hub_manager")

    page = client.get(f"/hub/requests/{partner}").get_data(as_text=True)
    assert "Referrer verified" in page and "Email confirmed by code, partner domain" in page
    assert "confirmed their work email with a one-time code" in page and "(under sch.uk)" in page
    page = client.get(f"/hub/requests/{outsider}").get_data(as_text=True)
    assert "Email confirmed by code, email not on the partner list" in page
    assert "example.org, is not on the council&#39;s partner list" in page
    page = client.get(f"/hub/requests/{slack}").get_data(as_text=True)
    assert "Slack workspace, workspace not on the partner list" in page and "T0ELSEWHERE" in page
    assert "Not recorded" in client.get(f"/hub/requests/{old}").get_data(as_text=True)

    queue = client.get("/hub/requests").get_data(as_text=True)
    assert 'class="tag verify-ok">Email confirmed by code, partner domain' in queue
    assert 'class="tag verify-check">Email confirmed by code, email not on the partner list' in queue
    assert 'class="tag verify-check">Slack workspace, workspace not on the partner list' in queue
    assert 'class="tag verify-check">Not recorded' in queue

    dashboard = client.get("/hub/dashboard").get_data(as_text=True)
    assert "Requests by how the referrer was verified" in dashboard
    for words in ("Email confirmed by code, partner domain", "Slack workspace, workspace not on the partner list"):
        assert words in dashboard
    body = client.get("/hub/dashboard/by-verification.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:2] == ["How the referrer was verified", "Requests"]
    assert sorted((label, n) for label, n, *_ in rows[1:]) == [
        ("Email confirmed by code, email not on the partner list", "1"),
        ("Email confirmed by code, partner domain", "1"),
        ("Not recorded (raised before verification was kept)", "1"),
        ("Slack workspace, workspace not on the partner list", "1"),
    ]
