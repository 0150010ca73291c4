"""`earlyhelp serve` stopped with SIGTERM (as a service manager or `kill` stops it) stops gunicorn and the clock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.cli.database import upgrade
from tests.app.test_process_crash import ROOT, _free_port


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that has exited but not been reaped is a zombie: gone for our purposes.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def test_sigterm_stops_the_web_service_and_the_clock(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(db_url)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
        "START_CLOCK": "true",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    serve = subprocess.Popen(
        [str(Path(sys.executable).parent / "earlyhelp"), "serve", "--workers", "1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/chat/static/chat.css", timeout=5):
                    break
            except OSError:
                if serve.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the service did not start")
                time.sleep(0.3)
        children = _children(serve.pid)
        assert len(children) >= 2, children  # gunicorn and the clock
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [c for c in children if _alive(c)]
    finally:
        for child in children + (_children(serve.pid) if serve.poll() is None else []):
            if _alive(child):
                os.kill(child, signal.SIGKILL)
        if serve.poll() is None:
            serve.kill()
