"""Browser-chat messages through the real intake path (load draft, validate, advance, save) against bare Flask.

Each client owns one conversation, sends its session cookie back as a browser does, and alternates a real answer
with `back`, so every request does the full work of a step (including the optimistic-locking save) and the
conversation never runs out of questions.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from app.cli.database import upgrade
from app.cli.pg_reachable import main as pg_reachable
from bench.load import TABLE_HEAD, RequestFactory, Stats, alternate, fresh_postgres_database, gunicorn, verdict

CONCURRENCY = 32
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_chat")


def _conversations(port: int, n: int) -> list[tuple[str, str]]:
    """Open n conversations; each comes with the session cookie a browser would send back with every message."""
    import http.client

    opened = []
    for _ in range(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/chat/conversations", body=b"{}", headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
        opened.append((json.loads(response.read())["conversation_id"], cookie))
        conn.close()
    return opened


def server_env(database_url: str) -> dict[str, str]:
    """The service's environment for the chat benches (no clock, no chat rate limit)."""
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-of-at-least-32-characters",
        "START_CLOCK": "false",
        "CHAT_RATE_LIMIT": "0",
        "LOG_LEVEL": "WARNING",
    }


def requests(port: int) -> tuple[RequestFactory, RequestFactory]:
    """Open one conversation per client on the service at `port`; return its step and bare Flask's echo."""
    headers = {"Content-Type": "application/json"}
    opened = _conversations(port, CONCURRENCY)
    bodies = [json.dumps({"choice": "no"}).encode(), json.dumps({"text": "back"}).encode()]
    echo = json.dumps({"choice": "no"}).encode()
    browser = [{**headers, "Cookie": cookie} for _id, cookie in opened]

    def step(i: int, n: int) -> tuple[str, str, bytes | None, dict[str, str]]:
        return "POST", f"/chat/conversations/{opened[i][0]}/messages", bodies[n % 2], browser[i]

    def bare(i: int, n: int) -> tuple[str, str, bytes | None, dict[str, str]]:
        return "POST", "/echo", echo, headers

    return step, bare


def _measure(database_url: str) -> tuple[Stats, Stats]:
    upgrade(database_url)
    with gunicorn("app:create_app()", server_env(database_url)) as port, gunicorn("bench.apps:bare_app()") as bare_port:
        step, bare = requests(port)
        return alternate((port, step), (bare_port, bare), CONCURRENCY, SECONDS)


def run() -> str:
    lines = [
        "## Browser chat messages",
        "",
        f"{CONCURRENCY} concurrent connections, {SECONDS:.0f} s each in three turns alternating with bare Flask, "
        "gunicorn 2 workers x 4 threads (as shipped).",
        "",
        TABLE_HEAD,
    ]
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        chat, bare = _measure(f"sqlite:///{Path(tmp) / 'bench.db'}")
    lines += [chat.row("chat message (SQLite)"), bare.row("bare Flask")]
    verdicts.append("SQLite: " + verdict("Browser chat (SQLite)", chat, bare))
    if pg_reachable(PG_URL.rsplit("/", 1)[0] + "/postgres") == 0 and fresh_postgres_database(PG_URL):
        chat_pg, bare_pg = _measure(PG_URL)
        lines += [chat_pg.row("chat message (PostgreSQL)"), bare_pg.row("bare Flask (again)")]
        verdicts.append("PostgreSQL: " + verdict("Browser chat (PostgreSQL)", chat_pg, bare_pg))
    else:
        verdicts.append("PostgreSQL not reachable: measured on SQLite only.")
    return "\n".join([*lines, "", *verdicts, ""])
