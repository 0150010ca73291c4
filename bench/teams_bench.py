"""Signed Teams card submissions (Action.Execute invokes) through the real path, against bare Flask.

Each request carries a Bot Framework JWT (RS256, checked against keys from a local OpenID/JWKS server), is parsed
into an Agents SDK Activity, checked against its draft's owner and step, runs one intake step (load draft, validate,
advance, save) and is answered with the next Adaptive Card in the HTTP response. Each client owns one draft and
alternates answering the first question with pressing Back, so every request does a full step and the conversation
never runs out of questions.
"""

from __future__ import annotations

import http.client
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from app.cli.database import upgrade
from app.cli.pg_reachable import main as pg_reachable
from bench.load import TABLE_HEAD, Stats, alternate, fresh_postgres_database, gunicorn, verdict
from tests.bot.test_teams import action_data, answer_data
from tests.teams_stubs import APP_ID, TENANT_ID, activity, start

CONCURRENCY = 32
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_teams")


def _invoke_body(fake: Any, user: str, data: dict[str, Any]) -> bytes:
    body = activity(
        fake,
        "invoke",
        user=user,
        conversation=f"a:{user}",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": data["verb"], "data": data}, "trigger": "manual"},
    )
    return json.dumps(body).encode()


def _post(port: int, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/messages", body=body, headers=headers)
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    if response.status != 200 or answer.get("statusCode") != 200:
        raise RuntimeError(f"Teams set-up request failed: {response.status} {answer}")
    return answer["value"]


def _measure(database_url: str) -> tuple[Stats, Stats]:
    fake, server = start()
    try:
        upgrade(database_url)
        env = {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-secret-key-of-at-least-32-characters",
            "START_CLOCK": "false",
            "LOG_LEVEL": "WARNING",
            "TEAMS_APP_ID": APP_ID,
            "TEAMS_APP_PASSWORD": "bench-password",
            "TEAMS_TENANT_ID": TENANT_ID,
            "TEAMS_OPENID_METADATA_URL": fake.metadata_url,
            "TEAMS_TOKEN_URL": fake.token_url,
        }
        with gunicorn("app:create_app()", env) as port, gunicorn("bench.apps:bare_app()") as bare_port:
            requests: list[tuple[bytes, bytes]] = []
            headers: list[dict[str, str]] = []
            for i in range(CONCURRENCY):
                user = f"bench-user-{i}"
                auth = {"Content-Type": "application/json", "Authorization": f"Bearer {fake.mint()}"}
                card = _post(port, _invoke_body(fake, user, {"verb": "start"}), auth)
                # The first section card filled in as a person would (danger: no, their account, about you), then
                # Back to it: each measured step submits a whole section card or goes back one.
                page = answer_data(card)
                answered = _post(port, _invoke_body(fake, user, page), auth)
                back = action_data(answered, "Back")
                _post(port, _invoke_body(fake, user, back), auth)
                requests.append((_invoke_body(fake, user, page), _invoke_body(fake, user, back)))
                headers.append(auth)

            def step(i: int, n: int):  # type: ignore[no-untyped-def]
                return "POST", "/api/messages", requests[i][n % 2], headers[i]

            body = requests[0][0]
            plain = {"Content-Type": "application/json"}
            teams, bare = alternate(
                (port, step), (bare_port, lambda i, n: ("POST", "/echo", body, plain)), CONCURRENCY, SECONDS
            )
        return teams, bare
    finally:
        server.shutdown()
        server.server_close()


def run() -> str:
    lines = [
        "## Teams card submissions",
        "",
        f"Signed `adaptiveCard/action` invokes (JWT checked on every request, the first section card submitted whole "
        f"or Back, next card in the response) against bare Flask echoing the same body. {CONCURRENCY} concurrent "
        f"connections, {SECONDS:.0f} s "
        "each in three turns alternating with bare Flask, gunicorn 2 workers x 4 threads (as shipped).",
        "",
        TABLE_HEAD,
    ]
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        teams, bare = _measure(f"sqlite:///{Path(tmp) / 'bench.db'}")
    lines += [teams.row("Teams card step (SQLite)"), bare.row("bare Flask")]
    verdicts.append("SQLite: " + verdict("Teams card step (SQLite)", teams, bare))
    if pg_reachable(PG_URL.rsplit("/", 1)[0] + "/postgres") == 0 and fresh_postgres_database(PG_URL):
        teams_pg, bare_pg = _measure(PG_URL)
        lines += [teams_pg.row("Teams card step (PostgreSQL)"), bare_pg.row("bare Flask (again)")]
        verdicts.append("PostgreSQL: " + verdict("Teams card step (PostgreSQL)", teams_pg, bare_pg))
    else:
        verdicts.append("PostgreSQL not reachable: measured on SQLite only.")
    return "\n".join([*lines, "", *verdicts, ""])
