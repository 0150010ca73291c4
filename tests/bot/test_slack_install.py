"""Installing into several partner workspaces: /slack/install, the OAuth redirect, and requests authorized from the
installation kept in our own tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from bot.slack.store import bots
from tests.bot.conftest import slack_settings
from tests.slack_api import SlackApiStub, signed_headers, slash_command

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def multi_app(database_url: str, clock: Any, slack_api: SlackApiStub) -> Iterator[Flask]:
    settings = slack_settings(slack_api, SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="test-client-secret")
    settings.pop("SLACK_BOT_TOKEN")
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            **settings,
        }
    )
    yield app
    app.extensions["db"].dispose()


def _command_from(client: Any, team: str) -> Any:
    body = slash_command().replace("team_id=T0TEST", f"team_id={team}")
    return client.post("/slack/events", data=body, headers={"Content-Type": FORM, **signed_headers(body)})


def test_install_then_requests_from_that_workspace_use_its_token(multi_app: Flask, slack_api: SlackApiStub) -> None:
    client = multi_app.test_client()
    # Before installation, a request from the workspace is not authorized: nothing is opened.
    _command_from(client, "T0OTHER")
    assert slack_api.to("views.open") == []

    page = client.get("/slack/install")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "https://slack.com/oauth/v2/authorize" in html and "client_id=111.222" in html
    assert "commands" in html and "chat" in html
    state = re.search(r"state=([^&\"']+)", html).group(1)  # type: ignore[union-attr]

    done = client.get(f"/slack/oauth_redirect?code=test-code&state={state}")
    assert done.status_code == 200, done.get_data(as_text=True)
    [exchange] = slack_api.to("oauth.v2.access")
    assert exchange.params["code"] == "test-code"
    assert exchange.params["redirect_uri"] == "https://hub.example.org/slack/oauth_redirect"
    with multi_app.extensions["db"].reading() as s:
        stored = s.execute(select(bots.c.team_id, bots.c.bot_token)).all()
    assert [(r.team_id, r.bot_token) for r in stored] == [("T0OTHER", "xoxb-installed-token")]

    assert _command_from(client, "T0OTHER").status_code == 200
    [opened] = slack_api.to("views.open")
    assert opened.token == "xoxb-installed-token"


def test_oauth_redirect_with_a_forged_state_installs_nothing(multi_app: Flask, slack_api: SlackApiStub) -> None:
    client = multi_app.test_client()
    response = client.get("/slack/oauth_redirect?code=test-code&state=not-a-state-we-issued")
    assert response.status_code in (400, 401, 403)
    assert slack_api.to("oauth.v2.access") == []
    with multi_app.extensions["db"].reading() as s:
        assert s.execute(select(bots.c.id)).all() == []


def test_hub_channel_may_name_its_workspace(multi_app: Flask) -> None:
    from app.slack import hub_recipient

    assert hub_recipient("T0HUB:C0HUB") == {"team_id": "T0HUB", "channel": "C0HUB"}
    assert hub_recipient("C0HUB") == {"channel": "C0HUB"}
