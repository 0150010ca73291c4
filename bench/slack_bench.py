"""Signed Slack modal pages (one section per view) through the real intake path against a bare Flask endpoint.

Each request is a `view_submission` signed as Slack signs it (v0 HMAC-SHA256), served by gunicorn: bolt verifies the
signature and authorizes, the listener loads the draft, checks the view is current, validates and saves the answer
(optimistic-locking write), and answers with the next page's view built with slack_sdk.models. The modal shows one
section per view: each request submits the first page (the safety question and the six "about you" fields), and
each client alternates two spellings of the referrer's name, so every request validates seven answers, saves the
draft and draws the next section, and the conversation never runs out.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, select

from app.cli.database import upgrade
from app.cli.pg_reachable import main as pg_reachable
from bench.load import TABLE_HEAD, Stats, alternate, fresh_postgres_database, gunicorn, verdict
from intake.store.draft import Draft

CONCURRENCY = 32
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_slack")
SECRET = "bench-signing-secret"
TEAM = "T0BENCH"
FORM = "application/x-www-form-urlencoded"


class _WebApi(BaseHTTPRequestHandler):
    """Just enough Slack Web API for setting up (views.open after the slash command); never on the measured path."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"ok": True, "view": {"id": "V0BENCH", "hash": "h"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": FORM, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def _user(i: int) -> str:
    return f"U0BENCH{i:03d}"


def _text(value: str) -> dict[str, Any]:
    return {"answer": {"type": "plain_text_input", "value": value}}


def _first_page(name: str) -> dict[str, Any]:
    """The first page filled in: the safety question, and the referrer's details."""
    return {
        "q:immediate_danger:0": {"answer": {"type": "radio_buttons", "selected_option": {"value": "no"}}},
        "q:referrer_name:0": _text(name),
        "q:referrer_role:0": _text("Designated safeguarding lead"),
        "q:referrer_agency:0": {"answer": {"type": "static_select", "selected_option": {"value": "school"}}},
        "q:referrer_organisation:0": _text("Example Primary School"),
        "q:referrer_phone:0": _text("01632 960123"),
        "q:referrer_email:0": {"answer": {"type": "email_text_input", "value": "bench@school.example.org"}},
    }


def _submission(draft_id: str, user: str, values: dict[str, Any]) -> str:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0BENCH",
        "view": {
            "id": "V0BENCH",
            "hash": "h",
            "type": "modal",
            "callback_id": "intake_step",
            "private_metadata": draft_id,
            "state": {"values": values},
        },
    }
    return urlencode({"payload": json.dumps(payload)})


def _open_drafts(port: int, database_url: str) -> list[str]:
    """One draft per client, opened the real way: a signed slash command each."""
    for i in range(CONCURRENCY):
        body = urlencode(
            {"command": "/request-support", "team_id": TEAM, "user_id": _user(i), "trigger_id": f"t{i}", "text": ""}
        )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/slack/events", body=body, headers=signed(body))
        assert conn.getresponse().status == 200
        conn.close()
    engine = create_engine(database_url)
    wanted = {f"{TEAM}:{_user(i)}": i for i in range(CONCURRENCY)}
    ids: list[str | None] = [None] * CONCURRENCY
    deadline = time.monotonic() + 30
    while None in ids and time.monotonic() < deadline:  # the draft is made after the ack, in bolt's lazy listener
        with engine.connect() as conn:
            for draft_id, who in conn.execute(select(Draft.id, Draft.channel_user_id)):
                if who in wanted:
                    ids[wanted[who]] = draft_id
        time.sleep(0.1)
    engine.dispose()
    assert None not in ids, "the slash commands did not open every draft"
    return [d for d in ids if d]


def _measure(database_url: str) -> tuple[Stats, Stats]:
    upgrade(database_url)
    api = ThreadingHTTPServer(("127.0.0.1", 0), _WebApi)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-of-at-least-32-characters",
        "START_CLOCK": "false",
        "LOG_LEVEL": "WARNING",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": "xoxb-bench-token",
        "SLACK_API_URL": f"http://127.0.0.1:{api.server_address[1]}/api/",
    }
    try:
        with gunicorn("app:create_app()", env) as port, gunicorn("bench.apps:bare_app()") as bare_port:
            drafts = _open_drafts(port, database_url)
            pages = (_first_page("Alex Bench"), _first_page("Sam Bench"))

            def step(i: int, n: int) -> tuple[str, str, bytes, dict[str, str]]:
                body = _submission(drafts[i], _user(i), pages[n % 2])
                return "POST", "/slack/events", body.encode(), signed(body)

            sample = _submission(drafts[0], _user(0), pages[0])

            def bare_request(i: int, n: int) -> tuple[str, str, bytes, dict[str, str]]:
                return "POST", "/echo", sample.encode(), signed(sample)

            slack, bare = alternate((port, step), (bare_port, bare_request), CONCURRENCY, SECONDS)
            _check_still_alternating(database_url, drafts)
    finally:
        api.shutdown()
        api.server_close()
    return slack, bare


def _check_still_alternating(database_url: str, drafts: list[str]) -> None:
    """A benchmark that quietly hit a dead end (errors answered with 200) would flatter the numbers."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        steps = {row.step for row in conn.execute(select(Draft.step).where(Draft.id.in_(drafts)))}
    engine.dispose()
    assert steps and None not in steps and steps.isdisjoint({"immediate_danger", "review"}), steps


def run() -> str:
    lines = [
        "## Slack modal pages",
        "",
        f"Signed `view_submission` requests of one page of seven fields (verify, authorize, load draft, validate "
        "seven answers, save, next section's view), "
        f"{CONCURRENCY} concurrent connections, {SECONDS:.0f} s each in three turns alternating with bare Flask "
        "answering the same signed body, gunicorn 2 workers x 4 threads (as shipped).",
        "",
        TABLE_HEAD,
    ]
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        slack, bare = _measure(f"sqlite:///{Path(tmp) / 'bench.db'}")
    lines += [slack.row("Slack modal page (SQLite)"), bare.row("bare Flask")]
    verdicts.append("SQLite: " + verdict("Slack modal page (SQLite)", slack, bare))
    if pg_reachable(PG_URL.rsplit("/", 1)[0] + "/postgres") == 0 and fresh_postgres_database(PG_URL):
        slack_pg, bare_pg = _measure(PG_URL)
        lines += [slack_pg.row("Slack modal page (PostgreSQL)"), bare_pg.row("bare Flask (again)")]
        verdicts.append("PostgreSQL: " + verdict("Slack modal page (PostgreSQL)", slack_pg, bare_pg))
    else:
        verdicts.append("PostgreSQL not reachable: measured on SQLite only.")
    return "\n".join([*lines, "", *verdicts, ""])
