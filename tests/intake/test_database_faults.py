"""The database going away mid-conversation or at submission: the person is told, nothing is lost, and the same
answer completes once the database is back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from intake.store import Draft, SupportRequest
from tests.bot.test_webchat import TYPICAL, answer_until_review


@contextmanager
def database_down(app: Flask) -> Iterator[None]:
    """The database server goes away until the block ends: open connections are lost and new ones are refused.

    At the connection, not the statement, so every path fails alike: the ORM, Core, and the conversation's
    driver-level hot path (intake/store/draft_step.py)."""
    engine = app.extensions["db"].engine
    dbapi = engine.dialect.loaded_dbapi

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise dbapi.OperationalError("connection refused: is the server running?")

    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)


def test_outage_mid_conversation_keeps_answers_and_resumes(app: Flask, client: FlaskClient) -> None:
    data = client.post("/chat/conversations").get_json()
    cid = data["conversation_id"]
    client.post(f"/chat/conversations/{cid}/messages", json={"choice": "no"})
    client.post(f"/chat/conversations/{cid}/messages", json=TYPICAL["concern_details"])
    with database_down(app):
        failed = client.post(f"/chat/conversations/{cid}/messages", json={"text": "Alex Example"})
        assert failed.status_code == 503
        message = failed.get_json()["error"]
        assert "earlier answers are safe" in message and "send your answer again" in message
        assert "Traceback" not in failed.get_data(as_text=True)
        assert client.get("/").status_code == 503  # the page says so too, without a stack trace
    retried = client.post(f"/chat/conversations/{cid}/messages", json={"text": "Alex Example"})
    assert retried.status_code == 200
    assert retried.get_json()["replies"][-1]["question_id"] == "referrer_role"
    with app.extensions["db"].reading() as s:
        state = s.get(Draft, cid).state
    assert state["answers"]["immediate_danger"] is False
    assert state["answers"]["referrer_name"] == "Alex Example"


def test_outage_at_submission_stores_nothing_half_done_and_completes_later(app: Flask, client: FlaskClient) -> None:
    data = client.post("/chat/conversations").get_json()
    cid = data["conversation_id"]
    answer_until_review(client, cid, data, TYPICAL)
    with database_down(app):
        failed = client.post(f"/chat/conversations/{cid}/messages", json={"choice": "submit"})
        assert failed.status_code == 503
    with app.extensions["db"].reading() as s:
        assert s.scalar(select(func.count()).select_from(SupportRequest)) == 0
        assert s.get(Draft, cid).status == "open"  # still waiting at review, answers intact
    done = client.post(f"/chat/conversations/{cid}/messages", json={"choice": "submit"})
    assert done.status_code == 200 and done.get_json()["request"]["reference"]
    with app.extensions["db"].reading() as s:
        assert s.scalar(select(func.count()).select_from(SupportRequest)) == 1


def test_a_restarted_service_resumes_the_draft(app: Flask, client: FlaskClient, database_url: str, clock) -> None:
    from app import create_app

    data = client.post("/chat/conversations").get_json()
    cid = data["conversation_id"]
    client.post(f"/chat/conversations/{cid}/messages", json={"choice": "no"})
    app.extensions["db"].dispose()  # the old process is gone
    fresh = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
        }
    )
    fresh_client = fresh.test_client()
    fresh_client.set_cookie("session", client.get_cookie("session").value)
    resumed = fresh_client.post("/chat/conversations").get_json()
    assert resumed["conversation_id"] == cid
    assert resumed["replies"][-1]["question_id"] == "concern_details"
    fresh.extensions["db"].dispose()


def test_immediate_danger_with_the_database_down_still_gets_the_999_advice_and_the_urgent_numbers(
    app: Flask, client: FlaskClient
) -> None:
    flow = app.extensions["intake"].flow
    cid = client.post("/chat/conversations").get_json()["conversation_id"]
    with database_down(app):
        failed = client.post(f"/chat/conversations/{cid}/messages", json={"choice": "yes"})
        assert failed.status_code == 503
        message = failed.get_json()["error"]
        # The advice comes first, whole, as when the database is up: 999, then the hub or the duty team.
        assert message.startswith("Call 999 now.")
        assert flow.hub_urgent_phone in message and flow.emergency_duty_team_phone in message
        # Any other answer that fails still says what to do in an emergency, with the numbers.
        other = client.post(f"/chat/conversations/{cid}/messages", json={"text": "Alex Example"}).get_json()["error"]
        assert "earlier answers are safe" in other and "999" in other and flow.hub_urgent_phone in other
        page = client.get("/")
        assert page.status_code == 503 and flow.hub_urgent_phone in page.get_data(as_text=True)
