"""Fixtures for the chat adapters: a local Slack Web API server, a local Bot Framework (JWKS, tokens, Bot
Connector), and the app wired to each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.conftest import InlineExecutor
from tests.slack_api import BOT_TOKEN, HUB_CHANNEL, SIGNING_SECRET, SlackApiStub, serve_stub
from tests.teams_stubs import APP_ID, TENANT_ID, BotFramework, start

__all__ = [
    "HUB_CONVERSATION",
    "InlineExecutor",
    "bot_framework",
    "slack_api",
    "slack_app",
    "slack_settings",
    "teams",
    "teams_app",
    "teams_config",
]
HUB_CONVERSATION = "19:hub-channel@thread.tacv2"


@pytest.fixture
def slack_api() -> Iterator[SlackApiStub]:
    stub, server = serve_stub()
    yield stub
    server.shutdown()
    server.server_close()


def slack_settings(slack_api: SlackApiStub, **extra: str) -> dict[str, Any]:
    return {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack_api.base_url,
        "SLACK_HUB_CHANNEL": HUB_CHANNEL,
        "PUBLIC_URL": "https://hub.example.org",
        "SLACK_LISTENER_EXECUTOR": InlineExecutor(),
        **extra,
    }


@pytest.fixture
def slack_app(database_url: str, clock: Any, slack_api: SlackApiStub) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            **slack_settings(slack_api),
        }
    )
    yield app
    app.extensions["db"].dispose()


@pytest.fixture
def bot_framework() -> Iterator[BotFramework]:
    fake, server = start()
    yield fake
    server.shutdown()
    server.server_close()


def teams_config(fake: BotFramework) -> dict[str, str]:
    return {
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_APP_PASSWORD": "test-password",
        "TEAMS_TENANT_ID": TENANT_ID,
        "TEAMS_OPENID_METADATA_URL": fake.metadata_url,
        "TEAMS_TOKEN_URL": fake.token_url,
        "TEAMS_HUB_CONVERSATION": f"{fake.service_url}v3/conversations/{HUB_CONVERSATION}",
    }


@pytest.fixture
def teams_app(database_url: str, clock: Any, bot_framework: BotFramework) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "PUBLIC_URL": "https://hub.example.org",
            **teams_config(bot_framework),
        }
    )
    yield app
    app.extensions["db"].dispose()


@pytest.fixture
def teams(teams_app: Flask) -> FlaskClient:
    return teams_app.test_client()
