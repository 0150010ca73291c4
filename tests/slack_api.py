"""A local stand-in for Slack: a real HTTP Web API server on 127.0.0.1 that records calls and can fail them, and
requests signed exactly as Slack signs them (v0 HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret).

Used by tests/bot (the inbound adapter) and tests/hub (the Slack notifier).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
TEAM = "T0TEST"
USER = "U0REFERRER"
HUB_USER = "U0HUBSTAFF"
HUB_CHANNEL = "C0HUB"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class SlackApiStub:
    """Records every Web API call; `fail(method, error)` makes the next calls of that method fail."""

    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    base_url: str = ""
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, method: str, error: str = "internal_error", status: int = 200, times: int = 1) -> None:
        with self.lock:
            self.failures.setdefault(method, []).extend([(status, error)] * times)

    def to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.failures.clear()

    def answer(self, method: str, params: dict[str, Any], token: str | None) -> tuple[int, dict[str, Any]]:
        call = Call(method, params, token)
        with self.lock:
            self.calls.append(call)
            queued = self.failures.get(method)
            failure = queued.pop(0) if queued else None
            ts = f"1790000000.{next(self._ts):06d}"
        status, call.response = (
            (failure[0], {"ok": False, "error": failure[1]}) if failure else (200, _ok(method, params, ts))
        )
        return status, call.response


def _ok(method: str, params: dict[str, Any], ts: str) -> dict[str, Any]:
    if method == "chat.postMessage":
        return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {"ts": ts}}
    if method == "chat.update":
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
    if method in ("views.open", "views.update", "views.publish", "views.push"):
        return {"ok": True, "view": {"id": "V0VIEW", "hash": "h1"}}
    if method == "auth.test":
        return {"ok": True, "team_id": TEAM, "user_id": "U0BOT", "bot_id": "B0BOT"}
    if method == "oauth.v2.access":
        return {
            "ok": True,
            "app_id": "A0APP",
            "authed_user": {"id": USER},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": "xoxb-installed-token",
            "bot_user_id": "U0BOT",
            "team": {"id": "T0OTHER", "name": "Partner workspace"},
            "enterprise": None,
            "is_enterprise_install": False,
        }
    return {"ok": True}


def _handler(stub: SlackApiStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                params = json.loads(raw or "{}")
            else:
                params = dict(parse_qsl(raw))
                for key in ("view", "blocks"):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ") or params.get("token")
            method = self.path.rsplit("/", 1)[-1].split("?")[0]
            status, body = stub.answer(method, params, token)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def serve_stub() -> tuple[SlackApiStub, ThreadingHTTPServer]:
    stub = SlackApiStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stub, server


# -- signed requests, as Slack sends them ------------------------------------------------------------------------


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def form(fields: dict[str, str]) -> str:
    return urlencode(fields)


def interaction(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def slash_command(command: str = "/request-support", text: str = "", user: str = USER) -> str:
    return form(
        {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "test",
            "channel_id": "D0DM",
            "user_id": user,
            "user_name": "alex",
            "command": command,
            "text": text,
            "api_app_id": "A0APP",
            "response_url": "https://hooks.slack.invalid/commands/1",
            "trigger_id": "1.2.trigger",
        }
    )


def _user(user: str) -> dict[str, str]:
    return {"id": user, "team_id": TEAM, "username": "alex", "name": "alex"}


def global_shortcut(callback_id: str = "raise_concern", user: str = USER) -> str:
    return interaction(
        {
            "type": "shortcut",
            "callback_id": callback_id,
            "trigger_id": "1.2.trigger",
            "team": {"id": TEAM, "domain": "test"},
            "user": _user(user),
            "api_app_id": "A0APP",
            "token": "legacy",
        }
    )


def message_shortcut(text: str, callback_id: str = "raise_concern_from_message", user: str = USER) -> str:
    return interaction(
        {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": "1.2.trigger",
            "team": {"id": TEAM, "domain": "test"},
            "user": _user(user),
            "channel": {"id": "C0STAFFROOM", "name": "staffroom"},
            "message": {"type": "message", "user": "U0OTHER", "ts": "1790000000.000001", "text": text},
            "response_url": "https://hooks.slack.invalid/actions/1",
            "api_app_id": "A0APP",
            "token": "legacy",
        }
    )


def block_action(
    action_id: str,
    value: str = "",
    *,
    view: dict[str, Any] | None = None,
    channel: str | None = None,
    user: str = USER,
    message_ts: str | None = None,
    response_url: str = "https://hooks.slack.invalid/actions/2",
) -> str:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "trigger_id": "1.2.trigger",
        "team": {"id": TEAM, "domain": "test"},
        "user": _user(user),
        "api_app_id": "A0APP",
        "token": "legacy",
        "response_url": response_url,
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1"}],
    }
    if view is not None:
        payload["view"] = view
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0VIEW")}
    if channel is not None:
        payload["channel"] = {"id": channel, "name": "hub"}
        payload["container"] = {"type": "message", "channel_id": channel, "message_ts": message_ts or "1.0"}
        payload["message"] = {"ts": message_ts or "1.0", "text": ""}
    return interaction(payload)


def view_submission(view: dict[str, Any], values: dict[str, Any], user: str = USER) -> str:
    submitted = {**view, "id": "V0VIEW", "hash": "h1", "state": {"values": values}}
    return interaction(
        {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "test"},
            "user": _user(user),
            "api_app_id": "A0APP",
            "token": "legacy",
            "trigger_id": "1.2.trigger",
            "view": submitted,
        }
    )


def event(event_type: str, event_id: str, user: str = USER, **extra: Any) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1790000000,
            "event": {"type": event_type, "user": user, "channel": "D0DM", "tab": "home", **extra},
        }
    )
