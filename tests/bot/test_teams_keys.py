"""Teams' signing keys (bot/teams/auth.py) through /api/messages, against the local key server: when Microsoft's key
server is down or slow, Teams keeps answering with the keys it has, and does not ask the server on every request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.teams import auth
from bot.teams.auth import TokenValidator
from tests.bot.test_teams import _other_key, send
from tests.teams_stubs import APP_ID, BotFramework, activity, start


@pytest.fixture
def bot_framework() -> Iterator[BotFramework]:
    fake, server = start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def teams(teams_app: Flask, bot_framework: BotFramework) -> FlaskClient:
    # Keys read again after three seconds, so the test can see them go stale.
    teams_app.extensions["teams_validator"] = TokenValidator(APP_ID, bot_framework.metadata_url, keys_lifespan=3.0)
    return teams_app.test_client()


def _hello(teams: FlaskClient, fake: BotFramework, **mint: Any) -> int:
    # A new token each time (a different iat), so none is answered from the remembered tokens.
    token = fake.mint(jti=str(time.monotonic_ns()), **mint)
    return send(teams, fake, activity(fake, "message", text="hello"), token=token).status_code


def test_teams_keeps_answering_with_the_keys_it_has_while_the_key_server_is_down(
    teams: FlaskClient, bot_framework: BotFramework
) -> None:
    fake = bot_framework
    assert _hello(teams, fake) == 200
    assert fake.key_fetches == 1
    fake.keys_down, fake.keys_delay = True, 1.0  # the outage: slow, then 503
    time.sleep(3.1)  # the keys we have are now due to be read again
    started = time.monotonic()
    # A key we have never seen is refused, after one try at the key server (the keys were due anyway) ...
    assert _hello(teams, fake, key=_other_key(), kid="rolled-key") == 401
    assert fake.key_fetches == 2
    # ... and the keys we have go on working, without anyone waiting for the struggling server again.
    assert [_hello(teams, fake) for _ in range(6)] == [200] * 6
    assert fake.key_fetches == 2
    assert time.monotonic() - started < 3.0  # one wait for the server, not seven
    fake.keys_down, fake.keys_delay = False, 0.0
    assert _hello(teams, fake) == 200


def test_with_no_keys_yet_and_the_key_server_down_teams_asks_to_try_again(
    teams: FlaskClient, bot_framework: BotFramework, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = bot_framework
    fake.keys_down, fake.keys_delay = True, 0.5
    response = send(teams, fake, activity(fake, "message", text="hello"))
    assert response.status_code == 503
    assert "try again" in response.get_json()["error"]
    # The next request is told the same at once, rather than waiting for the struggling server again.
    started = time.monotonic()
    assert _hello(teams, fake) == 503
    assert time.monotonic() - started < 0.5
    fake.keys_down, fake.keys_delay = False, 0.0
    monkeypatch.setattr(auth, "METADATA_RETRY_SECONDS", 0)  # a while later
    assert _hello(teams, fake) == 200
