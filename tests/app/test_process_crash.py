"""The web process killed mid-conversation (SIGKILL, no clean shutdown): the draft is still there afterwards."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from app.cli.database import upgrade

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(db_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
        "START_CLOCK": "false",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--no-control-socket",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            # Ready means answering HTTP, not merely accepting connections.
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/chat/static/chat.css", timeout=5):
                return proc
        except OSError:
            if proc.poll() is not None:
                pytest.fail("the service did not start")
            time.sleep(0.2)
    pytest.fail("the service did not start in time")


# The browser's cookie: the conversation is reachable only with the session cookie that started it.
_browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def _post(port: int, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with _browser.open(request, timeout=30) as response:
        return json.loads(response.read())


def test_draft_survives_the_web_process_being_killed(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crash.db'}"
    upgrade(db_url)
    port = _free_port()
    proc = _start(db_url, port)
    try:
        cid = _post(port, "/chat/conversations")["conversation_id"]
        _post(port, f"/chat/conversations/{cid}/messages", {"choice": "no"})
        account = "Synthetic: he has come to school hungry every day this week and says there is no food at home."
        waiting = _post(port, f"/chat/conversations/{cid}/messages", {"text": account})["replies"][-1]["question_id"]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # no shutdown hooks, no flush: as a crash or an OOM kill
        proc.wait(timeout=30)

    proc = _start(db_url, port)
    try:
        with _browser.open(f"http://127.0.0.1:{port}/chat/conversations/{cid}", timeout=30) as response:
            current = json.loads(response.read())
        # The account was on disk before the kill: the restarted service asks what came after it, and carries on.
        assert waiting != "concern_details" and current["replies"][-1]["question_id"] == waiting
        carried_on = _post(port, f"/chat/conversations/{cid}/messages", {"text": "Alex Example"})
        assert carried_on["replies"][-1]["question_id"] not in (waiting, "concern_details")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
