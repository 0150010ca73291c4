"""Personal data goes after the retention period; the figures managers need stay."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.retention import purge_personal_data
from intake.store import AuditEvent, Referrer, SupportRequest
from intake.store.audit import seal_of, verify_chain
from tests.bot.test_webchat import TYPICAL, answer_until_review
from tests.conftest import FakeClock


def _submit(client: FlaskClient) -> str:
    data = client.post("/chat/conversations").get_json()
    data = answer_until_review(client, data["conversation_id"], data, TYPICAL)
    done = client.post(f"/chat/conversations/{data['conversation_id']}/messages", json={"choice": "submit"})
    return done.get_json()["request"]["reference"]


def test_decided_requests_lose_personal_data_after_the_period(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    reference = _submit(client)
    db = app.extensions["db"]
    with db.transaction() as s:
        request = s.scalars(select(SupportRequest)).one()
        request.status, request.decided_at, request.hub_outcome = "decided", clock.now, "early_help_intensive"
        request.hub_rationale = "Synthetic rationale naming Sam."

    # Inside the period: nothing changes.
    with db.transaction() as s:
        report = purge_personal_data(s, clock.now + timedelta(days=395), retention_days=396)
    assert report.requests_redacted == 0

    later = clock.now + timedelta(days=397)
    with db.transaction() as s:
        report = purge_personal_data(s, later, retention_days=396)
    assert report.requests_redacted == 1 and report.referrers_redacted == 1

    with db.reading() as s:
        request = s.scalars(select(SupportRequest)).one()
        assert request.reference == reference
        assert (request.child_first_name, request.child_last_name, request.child_dob, request.child_postcode) == (
            None,
            None,
            None,
            None,
        )
        assert "Sam" not in str(request.answers) and "hungry" not in str(request.answers)
        assert "Sam" not in (request.hub_rationale or "")
        # What managers count survives.
        assert request.level and request.route and request.referring_agency == "school"
        assert request.hub_outcome == "early_help_intensive" and request.received_at and request.decided_at
        referrer = s.scalars(select(Referrer)).one()
        assert referrer.name is None and referrer.email is None and referrer.agency == "school"
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert events[-1].action == "request.personal_data_removed"
        assert verify_chain(events, seal_of(s)) is None

    # Running again finds nothing more to do.
    with db.transaction() as s:
        assert purge_personal_data(s, later, retention_days=396).requests_redacted == 0


def test_undecided_requests_are_never_purged(app: Flask, client: FlaskClient, clock: FakeClock) -> None:
    _submit(client)
    with app.extensions["db"].transaction() as s:
        report = purge_personal_data(s, clock.now + timedelta(days=3000), retention_days=396)
    assert report.requests_redacted == 0
    with app.extensions["db"].reading() as s:
        assert s.scalars(select(SupportRequest)).one().child_last_name == "Testchild"


def test_retention_command_and_clock_job(app: Flask) -> None:
    from app.clock import build_scheduler

    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "0 requests" in result.output
    assert "retention" in {job.id for job in build_scheduler(app).get_jobs()}


def test_mail_keeps_its_recipients_address_no_longer_than_the_retention_period(app: Flask, clock: FakeClock) -> None:
    from intake.store.outbox import OutboxMessage, enqueue

    db = app.extensions["db"]
    with db.transaction() as s:
        sent = enqueue(s, channel="mail", kind="referrer_outcome", recipient="alex@school.example.org",
                       payload={"reference": "RFS-2026-000001"}, now=clock.now)  # fmt: skip
        sent.status = "sent"
        waiting = enqueue(s, channel="mail", kind="referrer_outcome", recipient="sam@school.example.org",
                          payload={}, now=clock.now)  # fmt: skip
        ids = sent.id, waiting.id
    with db.transaction() as s:
        assert purge_personal_data(s, clock.now + timedelta(days=395), retention_days=396).mail_addresses_removed == 0
    with db.transaction() as s:
        assert purge_personal_data(s, clock.now + timedelta(days=397), retention_days=396).mail_addresses_removed == 1
    with db.transaction() as s:
        assert purge_personal_data(s, clock.now + timedelta(days=398), retention_days=396).mail_addresses_removed == 0
    with db.reading() as s:
        assert "alex@" not in str(s.get(OutboxMessage, ids[0]).recipient)
        # Not yet sent: it still needs its address.
        assert s.get(OutboxMessage, ids[1]).recipient == {"email": "sam@school.example.org"}
