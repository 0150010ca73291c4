"""Bad input of every kind gets a clear 4xx with a message, never a 500 or a traceback: one table over the served
app (every JSON endpoint, the dashboard, Slack, Teams, the hub's forms and paths), through the Flask test client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.bot.conftest import bot_framework, slack_api, slack_settings, teams_config
from tests.conftest import sign_in_as
from tests.hub.helpers import csrf_from, store_request
from tests.slack_api import signed_headers
from tests.teams_stubs import BotFramework

__all__ = ["bot_framework", "slack_api"]

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"text": ' + "[" * 5_000 + "]" * 5_000 + "}"
BAD_UTF8 = b'{"text": "\xff\xfe\xfa"}'
JSON = "application/json"


@pytest.fixture
def served(
    database_url: str, clock: Any, slack_api: Any, bot_framework: BotFramework, tmp_path: Any
) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoints.log"),
            "CHAT_RATE_LIMIT": "0",
            "SIGN_IN_RATE_LIMIT": "0",
            **slack_settings(slack_api),
            **teams_config(bot_framework),
        }
    )
    yield app
    app.extensions["db"].dispose()


def _conversation(client: FlaskClient) -> str:
    created = client.post("/chat/conversations", json={})
    assert created.status_code in (200, 201), created.get_data(as_text=True)
    return created.get_json()["conversation_id"]


def _slack(body: str | bytes, content_type: str = "application/json", **headers: str) -> dict[str, Any]:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return {"data": body, "content_type": content_type, "headers": {**signed_headers(text), **headers}}


FORM = "application/x-www-form-urlencoded"
SLACK_BAD_STAMP = {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}
SLACK_HUGE_STAMP = {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": "v0=00"}


def case(name: str, method: str, path: str, allowed: tuple[int, ...], **kwargs: Any) -> Any:
    """One row: `path` "messages" is a fresh conversation's messages URL; "decision" and "notes" a request's form
    (with a CSRF token added)."""
    return pytest.param(method, path, kwargs, allowed, id=name)


CASES = [
    # JSON nested ~1000 deep and far deeper, on every JSON endpoint
    case("chat start, deep JSON", "POST", "/chat/conversations", (400,), data=DEEP, content_type=JSON),
    case("chat message, deep JSON", "POST", "messages", (400,), data=DEEP, content_type=JSON),
    case("chat message, deep object", "POST", "messages", (400,), data=DEEP_OBJECT, content_type=JSON),
    case("chat message, 1000 deep", "POST", "messages", (400,), data="[" * 1000 + "]" * 1000, content_type=JSON),
    case("teams, deep JSON", "POST", "/api/messages", (400,), data=DEEP, content_type=JSON),
    case("slack, deep JSON", "POST", "/slack/events", (400, 401), **_slack(DEEP)),
    # wrong content types and shapes
    case("chat message, text/plain", "POST", "messages", (400,), data='{"text": "yes"}', content_type="text/plain"),
    case("chat message, form", "POST", "messages", (400,), data={"text": "yes"}),
    case("chat message, JSON string", "POST", "messages", (400,), data='"yes"', content_type=JSON),
    case("chat message, text is a list", "POST", "messages", (400,), json={"text": ["a"]}),
    case("teams, form", "POST", "/api/messages", (400,), data={"type": "message"}),
    # bad UTF-8
    case("chat message, bad UTF-8", "POST", "messages", (400,), data=BAD_UTF8, content_type=JSON),
    case("chat start, bad UTF-8", "POST", "/chat/conversations", (400,), data=BAD_UTF8, content_type=JSON),
    case("teams, bad UTF-8", "POST", "/api/messages", (400,), data=BAD_UTF8, content_type=JSON),
    case("no-script form, bad UTF-8", "POST", "/chat/form", (400,), data=b"text=%ff%fe", content_type=FORM),
    case("no-script form, raw bytes", "POST", "/chat/form", (400,), data=b"text=\xff\xfe", content_type=FORM),
    case("sign-in, bad UTF-8", "POST", "/hub/sign-in", (400,), data=b"email=%ff@x.org&password=x", content_type=FORM),
    case("queue, bad UTF-8 query", "GET", "/hub/requests?agency=%ff%fe", (400,)),
    # NUL characters (PostgreSQL refuses them in text)
    case("chat message, NUL", "POST", "messages", (400,), json={"text": "Sam\x00Testchild"}),
    case("queue filter, NUL", "GET", "/hub/requests?agency=sch%00ool", (400,)),
    case("dashboard filter, NUL", "GET", "/hub/dashboard?organisation=a%00b", (400,)),
    case("note, NUL", "POST", "notes", (400,), data={"note": "a\x00b"}),
    # oversized bodies
    case(
        "chat message, too big", "POST", "messages", (413,), data='{"text": "' + "a" * 300_000 + '"}', content_type=JSON
    ),
    case("teams, too big", "POST", "/api/messages", (413,), data="[" + "1," * 200_000 + "1]", content_type=JSON),
    case("sign-in, too big", "POST", "/hub/sign-in", (413,), data={"email": "a" * 300_000, "password": "x"}),
    # Slack: a timestamp that is not a number, a missing signature, a signed body that does not parse
    case(
        "slack, timestamp not a number",
        "POST",
        "/slack/events",
        (401,),
        data="{}",
        content_type=JSON,
        headers=SLACK_BAD_STAMP,
    ),
    case(
        "slack, timestamp huge", "POST", "/slack/events", (401,), data="{}", content_type=JSON, headers=SLACK_HUGE_STAMP
    ),
    case("slack, no signature", "POST", "/slack/events", (401,), data="{}", content_type=JSON),
    case("slack, signed payload not JSON", "POST", "/slack/events", (400,), **_slack("payload=%7Bnot-json", FORM)),
    # extreme dashboard dates
    case("dashboard, year 1", "GET", "/hub/dashboard?from=0001-01-01&to=0001-01-02", (400,)),
    case("dashboard, year 9999", "GET", "/hub/dashboard?from=9999-12-30&to=9999-12-31", (400,)),
    case("dashboard, not a date", "GET", "/hub/dashboard?from=2026-13-45&to=yesterday", (400,)),
    case("dashboard CSV, year 1", "GET", "/hub/dashboard/by-route.csv?from=0001-01-01&to=0001-01-31", (400,)),
    case("weekly, year 1", "GET", "/hub/dashboard/weekly?week=0001-01-01", (400,)),
    case("weekly, year 9999", "GET", "/hub/dashboard/weekly?week=9999-12-31", (400,)),
    # the hub's paths and forms
    case("request id too big", "GET", "/hub/requests/99999999999999999999999999", (404,)),
    case("audit id too big", "GET", "/hub/requests/99999999999999999999999999/audit", (404,)),
    case(
        "decision, level not a number",
        "POST",
        "decision",
        (400,),
        data={"outcome": "lado", "hub_level": "9" * 5000, "rationale": "r"},
    ),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "allowed"), CASES)
def test_bad_input_gets_a_clear_answer_never_a_500(
    served: Flask, method: str, path: str, kwargs: dict[str, Any], allowed: tuple[int, ...]
) -> None:
    chat = served.test_client()
    hub = served.test_client()
    sign_in_as(served, hub, "hub_manager")
    rid = store_request(served)
    client = hub if path.startswith("/hub") or path in ("decision", "notes") else chat
    if path == "messages":
        path = f"/chat/conversations/{_conversation(chat)}/messages"
    elif path in ("decision", "notes"):
        kwargs = {"data": {**kwargs["data"], "csrf_token": csrf_from(hub, f"/hub/requests/{rid}")}}
        path = f"/hub/requests/{rid}/{path}"
    response = client.open(path, method=method, **kwargs)
    body = response.get_data(as_text=True)
    assert response.status_code in allowed, (response.status_code, body[:300])
    assert "Traceback" not in body and body.strip()  # always a message
