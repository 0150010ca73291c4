"""Fixtures for the Slack adapter: a local Slack Web API server and the app wired to it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor, Future
from typing import Any

import pytest
from flask import Flask

from app import create_app
from tests.slack_api import BOT_TOKEN, HUB_CHANNEL, SIGNING_SECRET, SlackApiStub, serve_stub


class InlineExecutor(Executor):
    """Runs bolt's after-the-ack work at once, so a test can assert on it when the request returns."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # pragma: no cover - surfaced through the future
            future.set_exception(err)
        return future


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
