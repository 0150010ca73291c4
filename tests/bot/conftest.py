"""Fixtures for the Slack adapter: a local Slack Web API server and the app wired to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app import create_app
from tests.conftest import InlineExecutor
from tests.slack_api import BOT_TOKEN, HUB_CHANNEL, SIGNING_SECRET, SlackApiStub, serve_stub

__all__ = ["InlineExecutor", "slack_api", "slack_app", "slack_settings"]


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
