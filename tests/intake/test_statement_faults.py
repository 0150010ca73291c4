"""A statement failing mid-conversation (another connection holds the write lock; on PostgreSQL also the server
dropping the connection): the person is told clearly, earlier answers are kept, the conversation completes after,
and no log line holds any answer."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text

from app import create_app
from intake.store import Draft, SupportRequest
from tests.bot.test_webchat import TYPICAL
from tests.conftest import EMAIL_CODE, FakeClock

# Distinctive synthetic answers, so a leak into any log line shows.
SECRETS = {
    "referrer_name": "Ottoline Synthetica",
    "child_name": "Zephyrine",  # one word: the first name, and the last name is asked next
    "child_first_name": "Zephyrine",
    "child_last_name": "Quillfeather",
    "child_address": "7 Imaginary Row, Blackpool",
    "concern_details": "Synthetic concern QX-7731: arrived hungry and said there was no food at home.",
    "parents_carers": "Marigold Quillfeather (mother)",
}
ANSWERS = {**TYPICAL, **{qid: {"text": value} for qid, value in SECRETS.items()}}


@pytest.fixture
def locking_app(database_url: str, clock: FakeClock) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "DATABASE_LOCK_TIMEOUT_SECONDS": "0.5",
            "EMAIL_CODE_MAKER": lambda: EMAIL_CODE,
        }
    )
    yield app
    app.extensions["db"].dispose()


@contextmanager
def write_lock_held(app: Flask) -> Iterator[None]:
    """Another connection holds the lock every write needs (as a long write by another process would), reads go on."""
    db = app.extensions["db"]
    if db.is_postgresql:
        other = create_engine(db.engine.url)
        with other.connect() as conn:
            conn.execute(text("LOCK TABLE drafts, support_requests IN EXCLUSIVE MODE"))
            try:
                yield
            finally:
                conn.rollback()
        other.dispose()
        return
    conn = sqlite3.connect(db.engine.url.database, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def _send(client: FlaskClient, cid: str, body: dict[str, Any]) -> Any:
    return client.post(f"/chat/conversations/{cid}/messages", json=body)


def _answer_until(client: FlaskClient, cid: str, data: dict[str, Any], stop: str) -> dict[str, Any]:
    for _ in range(80):
        question = data["replies"][-1]
        qid = question["question_id"]
        if qid == stop:
            return data
        if qid.startswith("indicators.") or (qid in ("concern_categories", "suggested_signs") and qid not in ANSWERS):
            body = {"choices": [question["choices"][0]["value"]]}
        else:
            body = ANSWERS[qid]
        response = _send(client, cid, {**body, "question_id": qid})
        assert response.status_code == 200, response.get_json()
        data = response.get_json()
    raise AssertionError(f"never asked {stop}")


def _stored_answers(app: Flask, cid: str) -> dict[str, Any]:
    with app.extensions["db"].reading() as s:
        return dict(s.get(Draft, cid).state["answers"])


def _assert_no_answer_logged(caplog: pytest.LogCaptureFixture) -> None:
    logged = caplog.text + "".join(f"{r.getMessage()}{r.exc_text or ''}" for r in caplog.records)
    for value in SECRETS.values():
        assert value not in logged, f"an answer reached the log: {value!r}"
    assert "Quillfeather" not in logged and "QX-7731" not in logged


def test_a_statement_failing_mid_conversation_keeps_answers_and_logs_none(
    locking_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app, client = locking_app, locking_app.test_client()
    data = client.post("/chat/conversations").get_json()
    cid = data["conversation_id"]
    data = _answer_until(client, cid, data, "child_last_name")
    kept = _stored_answers(app, cid)
    assert kept["child_first_name"] == "Zephyrine"

    with write_lock_held(app):
        failed = _send(client, cid, {"text": "Quillfeather", "question_id": "child_last_name"})
        assert failed.status_code == 503
        message = failed.get_json()["error"]
        assert "earlier answers are safe" in message and "send your answer again" in message
        assert "999" in message
        assert "Traceback" not in failed.get_data(as_text=True)
        # Reading still works while the lock is held: the person can see where they are.
        assert client.get(f"/chat/conversations/{cid}").get_json()["replies"][-1]["question_id"] == "child_last_name"
    assert _stored_answers(app, cid) == kept
    assert "database unavailable handling a message" in caplog.text  # the failure was logged, without the answer

    retried = _send(client, cid, {"text": "Quillfeather", "question_id": "child_last_name"})
    assert retried.status_code == 200
    data = _answer_until(client, cid, retried.get_json(), "review")

    # Submission under the lock: nothing half-stored, and the same submit completes once the lock is gone.
    with write_lock_held(app):
        assert _send(client, cid, {"choice": "submit", "question_id": "review"}).status_code == 503
    with app.extensions["db"].reading() as s:
        assert s.scalar(select(func.count()).select_from(SupportRequest)) == 0
    done = _send(client, cid, {"choice": "submit", "question_id": "review"})
    assert done.status_code == 200 and done.get_json()["request"]["reference"]
    with app.extensions["db"].reading() as s:
        stored = s.scalars(select(SupportRequest)).one()
        assert stored.child_last_name == "Quillfeather" and stored.child_first_name == "Zephyrine"
        assert stored.answers["concern_details"] == SECRETS["concern_details"]
    _assert_no_answer_logged(caplog)


def test_the_server_dropping_every_connection_mid_conversation_loses_nothing(
    locking_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app, client = locking_app, locking_app.test_client()
    if not app.extensions["db"].is_postgresql:
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    caplog.set_level(logging.DEBUG)
    data = client.post("/chat/conversations").get_json()
    cid = data["conversation_id"]
    data = _answer_until(client, cid, data, "child_last_name")
    admin = create_engine(app.extensions["db"].engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ended = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    assert ended >= 1  # the app's pooled connections
    answered = _send(client, cid, {"text": "Quillfeather", "question_id": "child_last_name"})
    if answered.status_code == 503:  # the statement met the dropped connection: said so; the retry goes through
        assert "earlier answers are safe" in answered.get_json()["error"]
        answered = _send(client, cid, {"text": "Quillfeather", "question_id": "child_last_name"})
    assert answered.status_code == 200
    assert _stored_answers(app, cid)["child_last_name"] == "Quillfeather"
    _answer_until(client, cid, answered.get_json(), "review")
    assert _send(client, cid, {"choice": "submit", "question_id": "review"}).get_json()["request"]["reference"]
    _assert_no_answer_logged(caplog)
