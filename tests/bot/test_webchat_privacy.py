"""A browser-chat conversation belongs to the browser that started it, is never cached, ends with the browser session
or after the idle time, is stored only from its first answer, and its id never reaches an access log or audit event."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.cli.database import upgrade
from intake.store import AuditEvent, Draft
from intake.store.draft import conversation_tag
from tests.bot.test_webchat import TYPICAL, answer_until_review
from tests.conftest import FakeClock

ROOT = Path(__file__).resolve().parents[2]


def _start(client: FlaskClient) -> tuple[str, dict]:
    data = client.post("/chat/conversations").get_json()
    return data["conversation_id"], data


def _answers(app: Flask, cid: str) -> dict:
    with app.extensions["db"].reading() as s:
        return dict(s.get(Draft, cid).state["answers"])


def test_only_the_browser_that_started_a_conversation_can_read_change_or_cancel_it(app: Flask) -> None:
    owner, stranger = app.test_client(), app.test_client()
    cid, data = _start(owner)
    answer_until_review(owner, cid, data, TYPICAL)
    before = _answers(app, cid)
    assert before["child_last_name"] == "Testchild"
    unknown = stranger.get("/chat/conversations/00000000-0000-4000-8000-000000000000")

    # No cookie at all, and another browser's own cookie: the same 404 as an id that does not exist.
    for who in (app.test_client(), stranger):
        for response in (
            who.get(f"/chat/conversations/{cid}"),
            who.post(f"/chat/conversations/{cid}/messages", json={"text": "FY9 9ZZ"}),
            who.post(f"/chat/conversations/{cid}/messages", json={"text": "cancel"}),
            who.post(f"/chat/conversations/{cid}/messages", json={"choice": "submit"}),
        ):
            assert response.status_code == 404
            assert response.get_json() == unknown.get_json()
            assert "Testchild" not in response.get_data(as_text=True)
        # The no-script form ignores someone else's id and shows this browser its own (new) conversation.
        posted = who.post("/chat/form", data={"conversation_id": cid, "text": "cancel"})
        assert posted.status_code == 302
        assert "Testchild" not in who.get("/").get_data(as_text=True)

    assert _answers(app, cid) == before
    with app.extensions["db"].reading() as s:
        assert s.get(Draft, cid).status == "open"
    # The owner still has it, at review.
    assert "Testchild" in owner.get(f"/chat/conversations/{cid}").get_data(as_text=True)


def test_chat_platform_drafts_cannot_be_reached_through_the_browser_api(app: Flask, clock: FakeClock) -> None:
    intake = app.extensions["intake"]
    slack = intake.open_conversation("slack", "T1:U0SYNTH1", clock())
    teams = intake.open_conversation("teams", "29:synthetic-teams-user", clock())
    browser = app.test_client()
    _start(browser)  # a browser with a chat identity of its own
    for draft_id in (slack.draft_id, teams.draft_id):
        assert browser.get(f"/chat/conversations/{draft_id}").status_code == 404
        assert browser.post(f"/chat/conversations/{draft_id}/messages", json={"choice": "no"}).status_code == 404
        assert _answers(app, draft_id) == {}


def test_a_visit_stores_nothing_until_the_first_answer(app: Flask) -> None:
    def drafts() -> int:
        with app.extensions["db"].reading() as s:
            return s.scalar(select(func.count()).select_from(Draft)) or 0

    for _ in range(30):
        visitor = app.test_client()
        assert visitor.get("/").status_code == 200
        assert visitor.post("/chat/conversations").status_code == 201
    assert drafts() == 0

    person = app.test_client()
    page = person.get("/").get_data(as_text=True)
    cid = page.split('name="conversation_id" value="')[1].split('"')[0]
    assert person.get("/").get_data(as_text=True).count(cid) >= 1  # offered again, not a new id per visit
    assert person.post("/chat/conversations").get_json()["conversation_id"] == cid
    assert person.get(f"/chat/conversations/{cid}").get_json()["replies"][-1]["question_id"] == "immediate_danger"
    # A first answer that is only re-asked still stores nothing; a real one stores the draft.
    again = person.post(f"/chat/conversations/{cid}/messages", json={"text": "perhaps"})
    assert again.status_code == 200 and again.get_json()["replies"][-1]["question_id"] == "immediate_danger"
    assert drafts() == 0
    first = person.post(f"/chat/conversations/{cid}/messages", json={"choice": "no"})
    assert first.get_json()["replies"][-1]["question_id"] == "concern_details"
    assert drafts() == 1
    assert person.post("/chat/conversations").get_json()["conversation_id"] == cid  # resumed, not offered anew
    # Someone else cannot take the id offered to this browser.
    assert app.test_client().post(f"/chat/conversations/{cid}/messages", json={"choice": "no"}).status_code == 404


def test_the_no_script_form_stores_the_draft_from_its_first_answer(app: Flask) -> None:
    person = app.test_client()
    cid = person.get("/").get_data(as_text=True).split('name="conversation_id" value="')[1].split('"')[0]
    assert person.post("/chat/form", data={"conversation_id": cid, "choice": "no"}).status_code == 302
    assert "What has happened?" in person.get("/").get_data(as_text=True)
    assert _answers(app, cid) == {"immediate_danger": False}


NO_STORE = [
    ("GET", "/"),
    ("GET", "/chat/finished"),
    ("GET", "/chat/updates"),
    ("POST", "/chat/form"),
    ("POST", "/chat/conversations"),
    ("GET", "/chat/conversations/00000000-0000-4000-8000-000000000000"),
    ("GET", "/hub/sign-in"),
    ("GET", "/hub/requests"),
    ("GET", "/no-such-page"),
]


@pytest.mark.parametrize(("method", "path"), NO_STORE)
def test_pages_that_can_show_a_childs_details_are_never_cached(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert response.headers["Cache-Control"] == "no-store", (path, response.status_code)


def test_static_files_may_be_cached(client: FlaskClient) -> None:
    for path in ("/chat/static/chat.css", "/hub/static/hub.css", "/static/dashboard/dashboard.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path


def test_the_review_page_after_the_no_script_redirect_is_never_cached(app: Flask) -> None:
    person = app.test_client()
    cid, data = _start(person)
    answer_until_review(person, cid, data, TYPICAL)
    redirect = person.post("/chat/form", data={"conversation_id": cid, "question_id": "review", "text": "help"})
    assert redirect.status_code == 302 and redirect.headers["Cache-Control"] == "no-store"
    review = person.get(redirect.headers["Location"])
    assert "Testchild" in review.get_data(as_text=True)
    assert review.headers["Cache-Control"] == "no-store"


def test_the_chat_cookie_ends_with_the_browser_session_or_after_the_idle_time(app: Flask, clock: FakeClock) -> None:
    person = app.test_client()
    response = person.post("/chat/conversations")
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" not in cookie and "Max-Age" not in cookie  # a browser-session cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    cid = response.get_json()["conversation_id"]
    person.post(f"/chat/conversations/{cid}/messages", json={"choice": "no"})
    copied = person.get_cookie("session").value

    # In use, it lives on: each request within the idle time counts (the signed last-seen time moves on).
    for _ in range(3):
        clock.advance(minutes=50)
        assert person.get(f"/chat/conversations/{cid}").status_code == 200

    # The copy taken earlier has been idle for longer than CHAT_IDLE_TIMEOUT_MINUTES (60): it reaches nothing.
    replayed = app.test_client()
    replayed.set_cookie("session", copied)
    assert replayed.get(f"/chat/conversations/{cid}").status_code == 404
    assert replayed.post(f"/chat/conversations/{cid}/messages", json={"text": "x"}).status_code == 404
    assert "Welcome back" not in replayed.get("/").get_data(as_text=True)

    # Idle for longer than the timeout, the browser that made it starts afresh too.
    clock.advance(minutes=61)
    assert person.get(f"/chat/conversations/{cid}").status_code == 404
    assert person.post("/chat/conversations").get_json()["conversation_id"] != cid


def test_no_conversation_id_in_audit_events_or_log_lines(app: Flask, client: FlaskClient, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("DEBUG")
    cid, _ = _start(client)
    client.post(f"/chat/conversations/{cid}/messages", json={"choice": "yes"})  # immediate danger: audited
    with app.extensions["db"].reading() as s:
        events = s.scalars(select(AuditEvent)).all()
    assert [e.action for e in events] == ["emergency.advised"]
    assert cid not in str([(e.actor, e.detail) for e in events])
    assert events[0].detail["conversation"] == conversation_tag(cid)
    assert cid not in caplog.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_earlyhelp_serve_writes_no_conversation_id_to_its_access_log(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(db_url)
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
        "START_CLOCK": "false",
        "PORT": str(port),
        "AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoints.log"),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "earlyhelp"), "serve", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        browser = requests.Session()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                browser.get(f"{base}/chat/static/chat.css", timeout=5)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        cid = browser.post(f"{base}/chat/conversations", timeout=30).json()["conversation_id"]
        assert browser.post(f"{base}/chat/conversations/{cid}/messages", json={"choice": "no"}).status_code == 200
        assert browser.get(f"{base}/chat/conversations/{cid}", timeout=30).status_code == 200
        deadline = time.monotonic() + 20
        while f"c-{conversation_tag(cid)}" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    written = log.read_text()
    assert re.search(rf'"POST /chat/conversations/c-{conversation_tag(cid)}/messages HTTP/1.1" 200', written), written
    assert cid not in written


def test_the_procfile_logs_access_the_same_way() -> None:
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    assert "--logger-class app.logs.RedactingAccessLog" in web
