"""Follow-ups fire at the right working-day moment (across bank holidays and clock changes), once, stop when the
request is decided, retry and recover like the outbox, and can be snoozed or cancelled by hub staff."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from hub import claim
from hub.follow_ups import (
    FollowUpChangeError,
    FollowUpPlan,
    cancel,
    follow_ups_for,
    note_decision,
    run_due,
    schedule,
    snooze,
)
from hub.new_request import HubDestination
from hub.outbox import RetryPolicy
from intake.store import AuditEvent, SupportRequest
from intake.store.database import Database
from intake.store.follow_up import CANCELLED, DONE, FAILED, PENDING, RUNNING, SNOOZED, FollowUp
from intake.store.outbox import OutboxMessage
from tests.conftest import FakeClock
from tests.hub.seed import make_request

HUB = HubDestination("slack", {"channel": "C0HUB"})
MANAGERS = HubDestination("teams", {"conversation_id": "managers"})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def plan() -> FollowUpPlan:
    return FollowUpPlan(hub_destinations=[HUB], manager_destinations=[MANAGERS], public_url="http://hub.example")


def _submitted(db: Database, plan: FollowUpPlan, when: datetime, **kw) -> int:
    with db.transaction() as s:
        request = make_request(s, when, **kw)
        plan.after_submit(s, request, when)
        return request.id


def _messages(db: Database, kind: str | None = None) -> list[tuple[str, str, int | None]]:
    with db.reading() as s:
        query = select(OutboxMessage.kind, OutboxMessage.channel, OutboxMessage.request_id).order_by(OutboxMessage.id)
        # The weekly summary catches up on any sweep after Monday 09:00; its own test covers it.
        query = query.where(OutboxMessage.kind == kind) if kind else query.where(OutboxMessage.kind != "weekly_summary")
        return [tuple(r) for r in s.execute(query).all()]


def _due(db: Database, request_id: int) -> dict[str, datetime]:
    with db.reading() as s:
        rows = s.scalars(select(FollowUp).where(FollowUp.request_id == request_id)).all()
        return {f.kind: f.due_at for f in rows}


def _decide(db: Database, request_id: int, when: datetime, outcome: str = "early_help_intensive") -> None:
    with db.transaction() as s:
        request = s.get(SupportRequest, request_id)
        request.status, request.hub_outcome, request.hub_level = "decided", outcome, 3
        request.decided_at, request.decided_by = when, "hub:worker@example.org"
        note_decision(s, request, None, when)


def test_triage_follow_ups_across_christmas_2026(app: Flask, plan: FollowUpPlan) -> None:
    db = app.extensions["db"]
    # Thursday 24 December, 15:00. Friday is Christmas Day and Monday 28th the Boxing Day substitute holiday.
    received = utc(2026, 12, 24, 15, 0)
    rid = _submitted(db, plan, received)
    due = _due(db, rid)
    assert due["triage_reminder"] == utc(2026, 12, 29, 15, 0)
    assert due["still_being_considered"] == utc(2026, 12, 29, 15, 0)
    assert due["triage_escalation"] == utc(2026, 12, 30, 15, 0)

    assert run_due(db, plan, utc(2026, 12, 29, 14, 59)).claimed == 0
    run_due(db, plan, utc(2026, 12, 29, 15, 0))
    assert _messages(db) == [("triage_reminder", "slack", rid), ("still_being_considered", "webchat", rid)]
    assert run_due(db, plan, utc(2026, 12, 30, 14, 59)).claimed == 0
    run_due(db, plan, utc(2026, 12, 30, 15, 0))
    assert _messages(db, "triage_escalation") == [("triage_escalation", "teams", rid)]
    assert run_due(db, plan, utc(2027, 1, 30)).claimed == 0  # each fired once


def test_deadline_across_easter_2027_and_the_spring_clock_change(app: Flask, plan: FollowUpPlan) -> None:
    """Thursday 25 March 2027, 10:00 GMT. Good Friday, the weekend (clocks go forward on Sunday 28th) and Easter
    Monday pass: the deadline is Tuesday 30 March at 10:00 London time, which is now 09:00 UTC."""
    db = app.extensions["db"]
    with db.transaction() as s:
        request = make_request(s, utc(2027, 3, 25, 10, 0))
        assert request.decision_due_at == utc(2027, 3, 30, 9, 0)
        plan.after_submit(s, request, utc(2027, 3, 25, 10, 0))
        rid = request.id
    assert _due(db, rid)["triage_escalation"] == utc(2027, 3, 31, 9, 0)
    assert run_due(db, plan, utc(2027, 3, 30, 8, 59)).claimed == 0
    assert run_due(db, plan, utc(2027, 3, 30, 9, 0)).done == 2


def test_early_help_check_ins_across_the_autumn_clock_change(app: Flask, plan: FollowUpPlan) -> None:
    db = app.extensions["db"]
    rid = _submitted(db, plan, utc(2026, 10, 13, 10, 30))
    # Decided Wednesday 14 October 2026 at 11:00 BST (10:00 UTC), before the deadline.
    _decide(db, rid, utc(2026, 10, 14, 10, 0))
    report = run_due(db, plan, utc(2026, 10, 14, 10, 0, 30))
    assert report.outcomes == {"scheduled 2 check-ins": 1}
    due = _due(db, rid)
    # Ten working days later is Wednesday 28 October, 11:00 London, which after the clocks go back is 11:00 UTC.
    assert due["early_help_not_started"] == utc(2026, 10, 28, 11, 0)
    # Six weeks later is Wednesday 25 November; the check-in goes at the hub's opening.
    assert due["early_help_review_checkin"] == utc(2026, 11, 25, 9, 0)
    # The triage follow-ups stopped when the request was decided.
    with db.reading() as s:
        stopped = s.execute(
            select(FollowUp.kind, FollowUp.status, FollowUp.outcome).where(
                FollowUp.request_id == rid, FollowUp.kind.like("triage%")
            )
        ).all()
    assert {(k, st, o) for k, st, o in stopped} == {
        ("triage_reminder", CANCELLED, "request decided"),
        ("triage_escalation", CANCELLED, "request decided"),
    }

    run_due(db, plan, utc(2026, 10, 28, 10, 59))
    assert _messages(db) == []
    run_due(db, plan, utc(2026, 10, 28, 11, 0))
    assert _messages(db) == [("early_help_not_started", "webchat", rid)]
    run_due(db, plan, utc(2026, 11, 25, 9, 0))
    assert _messages(db)[-1] == ("early_help_review_checkin", "webchat", rid)


def test_review_weeks_are_configurable(app: Flask) -> None:
    db = app.extensions["db"]
    plan = FollowUpPlan(early_help_review_weeks=12)
    rid = _submitted(db, plan, utc(2026, 10, 13, 10, 30))
    _decide(db, rid, utc(2026, 10, 14, 10, 0))
    run_due(db, plan, utc(2026, 10, 14, 10, 1))
    # Twelve weeks later is Wednesday 6 January 2027.
    assert _due(db, rid)["early_help_review_checkin"] == utc(2027, 1, 6, 9, 0)


def test_a_decided_request_gets_nothing_further(app: Flask, plan: FollowUpPlan, clock: FakeClock) -> None:
    db = app.extensions["db"]
    rid = _submitted(db, plan, clock.now)
    with db.transaction() as s:  # decided by a front end that did not call note_decision
        request = s.get(SupportRequest, rid)
        request.status, request.hub_outcome, request.decided_at = "decided", "no_further_action_advice", clock.now
    report = run_due(db, plan, clock.advance(days=1))  # the decision deadline: reminder and referrer message due
    assert report.outcomes == {"request already decided": 2}
    with db.reading() as s:
        statuses = dict(s.execute(select(FollowUp.kind, FollowUp.status).where(FollowUp.request_id == rid)).all())
    assert statuses == {"triage_reminder": DONE, "still_being_considered": DONE, "triage_escalation": CANCELLED}
    assert run_due(db, plan, clock.advance(days=30)).claimed == 0
    assert _messages(db) == []


def test_a_decision_between_scheduling_and_firing_wins(app: Flask, plan: FollowUpPlan, clock: FakeClock) -> None:
    db = app.extensions["db"]
    rid = _submitted(db, plan, clock.now)
    _decide(db, rid, clock.now + timedelta(hours=2), outcome="signpost_universal")
    report = run_due(db, plan, clock.advance(hours=2, seconds=30))  # the clock's next tick after the decision
    assert report.outcomes == {"no check-ins for this outcome": 1}
    assert run_due(db, plan, clock.advance(days=3)).claimed == 0  # the triage follow-ups were stopped
    assert _messages(db) == []


def test_snooze_and_cancel_are_audited_and_checked(app: Flask, plan: FollowUpPlan, clock: FakeClock) -> None:
    db = app.extensions["db"]
    rid = _submitted(db, plan, clock.now)
    with db.reading() as s:
        upcoming, past = follow_ups_for(s, rid)
    assert [v.kind for v in upcoming] == ["triage_reminder", "still_being_considered", "triage_escalation"]
    assert past == [] and all(v.can_change for v in upcoming)
    reminder, considered, escalation = (v.id for v in upcoming)

    until = clock.now + timedelta(days=2)
    with db.transaction() as s:
        snooze(s, reminder, until, "  Waiting for the police check  ", "hub:worker@example.org", clock.now)
        cancel(s, escalation, "Manager already aware", "hub:manager@example.org", clock.now)
        events = s.execute(select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)).all()
    assert [a for a, _ in events] == ["follow_up.snoozed", "follow_up.cancelled"]
    assert "police" not in str(events)  # the reason stays on the row, out of the audit chain
    for bad, message in [
        (lambda s: snooze(s, considered, until, " ", "hub:w", clock.now), "Give a reason"),
        (lambda s: snooze(s, considered, clock.now, "later", "hub:w", clock.now), "in the future"),
        (lambda s: cancel(s, escalation, "again", "hub:w", clock.now), "already happened or been stopped"),
        (lambda s: cancel(s, 99999, "gone", "hub:w", clock.now), "no such follow-up"),
        (lambda s: cancel(s, considered, "x" * 501, "hub:w", clock.now), "500 characters"),
    ]:
        with pytest.raises(FollowUpChangeError, match=message), db.transaction() as s:
            bad(s)

    with db.reading() as s:
        upcoming, past = follow_ups_for(s, rid)
    assert {(v.kind, v.status) for v in upcoming} == {("triage_reminder", SNOOZED), ("still_being_considered", PENDING)}
    assert [(v.kind, v.status, v.reason) for v in past] == [("triage_escalation", CANCELLED, "Manager already aware")]
    assert upcoming[-1].due_at == until if upcoming[-1].kind == "triage_reminder" else True

    run_due(db, plan, clock.advance(days=1))
    assert _messages(db) == [("still_being_considered", "webchat", rid)]
    run_due(db, plan, until)
    assert _messages(db)[-1] == ("triage_reminder", "slack", rid)
    assert len(_messages(db)) == 2  # the cancelled escalation never fires


def test_follow_ups_scheduled_on_submission_through_the_app(client, app: Flask, clock: FakeClock) -> None:
    from tests.hub.test_new_request_alerts import _submit

    # The referrer comes back two days later in the same browser: a council that allows that sets a long
    # CHAT_IDLE_TIMEOUT_MINUTES (the default hour would have ended this browser's chat identity by then).
    app.extensions["chat_idle_seconds"] = 7 * 24 * 3600
    request = _submit(client)
    db = app.extensions["db"]
    with db.reading() as s:
        rid = s.scalar(select(SupportRequest.id).where(SupportRequest.reference == request["reference"]))
        upcoming, _ = follow_ups_for(s, rid)
    # Submitted Tuesday 24 November 2026 10:00: decision due Wednesday 10:00, escalation Thursday 10:00.
    assert [(v.kind, v.due_at) for v in upcoming] == [
        ("triage_reminder", utc(2026, 11, 25, 10, 0)),
        ("still_being_considered", utc(2026, 11, 25, 10, 0)),
        ("triage_escalation", utc(2026, 11, 26, 10, 0)),
    ]
    clock.set(utc(2026, 11, 26, 10, 0))
    from app.clock import sweep_due

    reports = sweep_due(app)
    assert reports["follow_ups"].done == 3 and reports["outbox"].sent >= 3 and reports["outbox"].failed == 0
    page = client.get("/").get_data(as_text=True)
    assert "still considering this request" in page


def test_a_failing_follow_up_is_retried_then_fails_loudly(
    app: Flask, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    db = app.extensions["db"]
    plan = FollowUpPlan(retry=RetryPolicy(max_attempts=3, base_delay=timedelta(minutes=1)))
    with db.transaction() as s:
        request = make_request(s, clock.now)
        schedule(s, request.id, "no_such_kind", clock.now, clock.now)
    assert run_due(db, plan, clock.now).retried == 1
    with db.reading() as s:
        row = s.scalars(select(FollowUp).where(FollowUp.kind == "no_such_kind")).one()
        assert (row.status, row.attempts, row.last_error) == (PENDING, 1, "ValueError")
        assert row.due_at == clock.now + timedelta(minutes=1)
    run_due(db, plan, clock.advance(minutes=1))
    assert run_due(db, plan, clock.advance(minutes=2)).failed == 1
    with db.reading() as s:
        assert s.scalars(select(FollowUp.status).where(FollowUp.kind == "no_such_kind")).one() == FAILED
    assert "FAILED after 3 attempts" in caplog.text


def test_a_follow_up_stuck_running_is_recovered(app: Flask, plan: FollowUpPlan, clock: FakeClock) -> None:
    db = app.extensions["db"]
    rid = _submitted(db, plan, clock.now)
    deadline = _due(db, rid)["triage_reminder"]
    with db.transaction() as s:  # a sweeper claims everything due and dies
        assert len(claim.claim_due(s, FollowUp, deadline, 10, RUNNING)) == 2
    assert run_due(db, plan, deadline + timedelta(minutes=5)).claimed == 0
    report = run_due(db, plan, deadline + timedelta(minutes=11))
    assert (report.recovered, report.done) == (2, 2)
    assert sorted(k for k, _, _ in _messages(db)) == ["still_being_considered", "triage_reminder"]


def test_follow_ups_survive_a_restart(database_url: str, clock: FakeClock) -> None:
    from app import create_app

    first = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
        }
    )
    rid = _submitted(first.extensions["db"], first.extensions["follow_ups"], clock.now)
    first.extensions["db"].dispose()
    second = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
        }
    )
    report = run_due(second.extensions["db"], second.extensions["follow_ups"], clock.advance(days=2))
    assert report.done == 3
    assert {k for k, _, r in _messages(second.extensions["db"]) if r == rid} == {
        "triage_reminder",
        "still_being_considered",
        "triage_escalation",
    }
    second.extensions["db"].dispose()


def test_racing_follow_up_sweepers_act_once(
    app: Flask, plan: FollowUpPlan, clock: FakeClock, database_url: str
) -> None:
    db = app.extensions["db"]
    for _ in range(30):
        _submitted(db, plan, clock.now)
    later = clock.now + timedelta(days=3)
    reports = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def sweeper() -> None:
        own = Database(database_url)
        try:
            barrier.wait()
            for _ in range(50):
                r = run_due(own, plan, later, limit=4)
                reports.append(r)
                if r.claimed == 0:
                    break
        except BaseException as err:
            errors.append(err)
        finally:
            own.dispose()

    threads = [threading.Thread(target=sweeper) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.done for r in reports) == 90, "each of the 90 follow-ups acted on by exactly one sweeper"
    with db.reading() as s:
        assert set(s.scalars(select(FollowUp.status))) == {DONE}
        assert s.scalar(select(func.count()).where(OutboxMessage.kind != "weekly_summary")) == 90
        assert s.scalar(select(func.count()).where(OutboxMessage.kind == "weekly_summary")) == 1
