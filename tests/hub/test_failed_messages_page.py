"""Hub managers see the messages the service gave up on, and can send one again or mark it dealt with."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hub.outbox import RetryPolicy, run_due
from intake.store import AuditEvent
from intake.store.outbox import CANCELLED, FAILED, PENDING, OutboxMessage, enqueue
from tests.conftest import FakeClock, sign_in_as
from tests.hub.seed import make_request
from tests.recording_notifier import RecordingNotifier


def _failed(app: Flask, clock: FakeClock) -> tuple[int, str]:
    db = app.extensions["db"]
    with db.transaction() as s:
        request = make_request(s, clock.now, channel="slack", address={"user_id": "U0TEST"})
        message = enqueue(
            s,
            channel="slack",
            kind="referrer_outcome",
            recipient={"user_id": "U0TEST"},
            payload={"reference": request.reference},
            now=clock.now,
            request_id=request.id,
        )
        ids = (message.id, request.reference)
    slack = RecordingNotifier(fail_times=1, retryable=False, error="slack: user_not_found")
    assert run_due(db, {"slack": slack}, clock.now, policy=RetryPolicy()).failed == 1
    return ids


def _token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_managers_see_failed_messages_and_act_on_them(app: Flask, client: FlaskClient, clock: FakeClock) -> None:
    message_id, reference = _failed(app, clock)
    sign_in_as(app, client, "hub_manager")
    page = client.get("/hub/messages/failed").get_data(as_text=True)
    assert "Outcome to the referrer" in page and reference in page and "slack: user_not_found" in page
    assert "Sam" not in page and "Testchild" not in page
    assert "Follow-ups that failed" not in page

    response = client.post(f"/hub/messages/{message_id}/retry", data={"csrf_token": _token(page)})
    assert response.status_code == 302
    db = app.extensions["db"]
    with db.reading() as s:
        assert s.get(OutboxMessage, message_id).status == PENDING
    page = client.get("/hub/messages/failed").get_data(as_text=True)
    assert "will be sent again" in page and "No failed messages" in page
    # Retrying again is refused politely: it is no longer failed.
    client.post(f"/hub/messages/{message_id}/retry", data={"csrf_token": _token(page)})
    assert "already been dealt with" in client.get("/hub/messages/failed").get_data(as_text=True)

    with db.transaction() as s:
        s.get(OutboxMessage, message_id).status = FAILED
    client.post(f"/hub/messages/{message_id}/cancel", data={"csrf_token": _token(page)})
    with db.reading() as s:
        assert s.get(OutboxMessage, message_id).status == CANCELLED
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("outbox.%"))).all()
    assert actions == ["outbox.retried", "outbox.cancelled"]


def test_workers_cannot_see_the_page_and_posts_need_the_form_token(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    message_id, _ = _failed(app, clock)
    sign_in_as(app, client, "hub_worker")
    assert client.get("/hub/messages/failed").status_code == 403
    manager = app.test_client()
    sign_in_as(app, manager, "hub_manager")
    assert manager.post(f"/hub/messages/{message_id}/retry").status_code in (400, 403)
    with app.extensions["db"].reading() as s:
        assert s.get(OutboxMessage, message_id).status == FAILED


def test_failed_follow_ups_are_listed_too(app: Flask, client: FlaskClient, clock: FakeClock) -> None:
    from hub.follow_ups import schedule
    from intake.store.follow_up import FollowUp

    with app.extensions["db"].transaction() as s:
        request = make_request(s, clock.now)
        row = schedule(s, request.id, "triage_escalation", clock.now, clock.now)
        row.status, row.attempts, row.last_error = FAILED, 8, "ValueError"
        reference = request.reference
        assert s.get(FollowUp, row.id) is row
    sign_in_as(app, client, "hub_manager")
    page = client.get("/hub/messages/failed").get_data(as_text=True)
    assert "Follow-ups that failed" in page and "Escalate to hub managers" in page and reference in page
