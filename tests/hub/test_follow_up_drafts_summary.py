"""Unfinished drafts get one reminder after a working day and are deleted after the retention period; hub managers
get last week's figures on Monday at 09:00, once, even if the clock was down then. The clock and the CLI drive it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from app.clock import build_scheduler, sweep_due
from hub.follow_ups import (
    FollowUpPlan,
    delete_abandoned_drafts,
    remind_idle_drafts,
    send_weekly_summary,
    weekly_figures,
)
from hub.new_request import HubDestination
from intake.store import AuditEvent, Draft, Referrer, SupportRequest
from intake.store.database import Database
from intake.store.outbox import OutboxMessage
from intake.working_day import LONDON
from tests.hub.seed import make_request

MANAGERS = HubDestination("slack", {"channel": "C0MANAGERS"})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _draft(db: Database, channel: str, user: str, updated: datetime, *, referrer: bool, address=None) -> str:
    with db.transaction() as s:
        referrer_id = None
        if referrer:
            r = Referrer(channel=channel, channel_user_id=user, address=address, created_at=updated, updated_at=updated)
            s.add(r)
            s.flush()
            referrer_id = r.id
        draft = Draft(
            id=str(uuid.uuid4()),
            channel=channel,
            channel_user_id=user,
            referrer_id=referrer_id,
            status="open",
            step="child_dob",
            state={"answers": {"child_first_name": "Sam"}},
            created_at=updated,
            updated_at=updated,
        )
        s.add(draft)
        return draft.id


def _reminders(db: Database) -> list[tuple[str, dict]]:
    with db.reading() as s:
        return [
            (m.channel, m.recipient)
            for m in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "draft_reminder"))
        ]


def test_a_draft_idle_for_a_working_day_gets_one_reminder(app: Flask) -> None:
    db = app.extensions["db"]
    plan = FollowUpPlan()
    friday = utc(2026, 11, 27, 15, 0)
    web = _draft(db, "webchat", "browser-1", friday, referrer=True)
    address = {"team_id": "T0TEST", "user_id": "U0TEST", "channel": "D0TEST"}
    _draft(db, "slack", "T0TEST:U0TEST", friday, referrer=True, address=address)
    _draft(db, "slack", "T0NEW:U0NEW", friday, referrer=False)
    _draft(db, "webchat", "browser-unknown", friday, referrer=False)  # nobody to tell: the page greets them

    assert remind_idle_drafts(db, plan, utc(2026, 11, 28, 16, 0)) == 0  # Saturday: not a working day later
    assert remind_idle_drafts(db, plan, utc(2026, 11, 30, 14, 59)) == 0
    assert remind_idle_drafts(db, plan, utc(2026, 11, 30, 15, 0)) == 3  # Monday 15:00
    assert remind_idle_drafts(db, plan, utc(2026, 12, 1, 15, 0)) == 0  # once only
    reminders = _reminders(db)
    assert sorted(c for c, _ in reminders) == ["slack", "slack", "webchat"]
    assert ("slack", address) in reminders and ("slack", {"team_id": "T0NEW", "user_id": "U0NEW"}) in reminders
    with db.reading() as s:
        payloads = [m.payload for m in s.scalars(select(OutboxMessage))]
    assert all("Sam" not in str(p) for p in payloads)
    assert any(p["draft_id"] == web for p in payloads)


def test_a_draft_answered_recently_is_not_reminded(app: Flask) -> None:
    db = app.extensions["db"]
    _draft(db, "webchat", "browser-2", utc(2026, 11, 30, 15, 0), referrer=True)
    assert remind_idle_drafts(db, FollowUpPlan(), utc(2026, 12, 1, 14, 0)) == 0


def test_abandoned_drafts_are_deleted_after_the_retention_period(app: Flask) -> None:
    db = app.extensions["db"]
    plan = FollowUpPlan(draft_retention_days=30)
    old = _draft(db, "webchat", "browser-3", utc(2026, 10, 1, 12, 0), referrer=False)
    recent = _draft(db, "webchat", "browser-4", utc(2026, 10, 20, 12, 0), referrer=False)
    with db.transaction() as s:
        submitted = s.get(Draft, _draft(db, "webchat", "browser-5", utc(2026, 9, 1), referrer=False))
        submitted.status = "submitted"
    assert delete_abandoned_drafts(db, plan, utc(2026, 10, 31, 11, 59)) == 0
    assert delete_abandoned_drafts(db, plan, utc(2026, 10, 31, 12, 1)) == 1
    with db.reading() as s:
        assert s.get(Draft, old) is None and s.get(Draft, recent) is not None
        assert s.get(Draft, submitted.id) is not None  # a submitted draft's answers belong to its request
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "drafts.deleted")).one()
        assert event.detail == {"count": 1, "retention_days": 30}


def test_weekly_figures(app: Flask) -> None:
    db = app.extensions["db"]
    monday = utc(2026, 11, 16, 0, 0)
    with db.transaction() as s:
        on_time = make_request(s, utc(2026, 11, 17, 10, 0), level=3, route="early_help_intensive")
        late = make_request(s, utc(2026, 11, 18, 10, 0), level=2, route="early_help_universal_plus")
        make_request(s, utc(2026, 11, 19, 10, 0), level=3, route="early_help_intensive")  # still undecided
        make_request(s, utc(2026, 11, 10, 10, 0), level=4, route="hub_child_in_need")  # the week before, overdue
        for r, when in ((on_time, utc(2026, 11, 17, 15, 0)), (late, utc(2026, 11, 20, 10, 0))):
            r.status, r.decided_at = "decided", when
        figures = weekly_figures(s, monday, monday + timedelta(days=7))
    assert figures["received"] == 3
    assert figures["by_level"] == {"2": 1, "3": 2}
    assert figures["by_route"] == {"early_help_intensive": 2, "early_help_universal_plus": 1}
    assert (figures["decided"], figures["decided_within_deadline"]) == (2, 1)
    assert figures["decided_within_deadline_percent"] == 50
    assert figures["overdue"] == 2


def test_weekly_summary_on_monday_at_nine_once_and_caught_up_after_downtime(app: Flask) -> None:
    db = app.extensions["db"]
    plan = FollowUpPlan(manager_destinations=[MANAGERS, HubDestination("console", {"log": "managers"})])
    with db.transaction() as s:
        make_request(s, utc(2026, 11, 18, 10, 0))
    # Monday 23 November 2026 (GMT): 08:59 is too early, 09:00 sends last week's figures.
    assert send_weekly_summary(db, plan, utc(2026, 11, 23, 8, 59)) is None
    assert send_weekly_summary(db, plan, utc(2026, 11, 23, 9, 0)) is not None
    assert send_weekly_summary(db, plan, utc(2026, 11, 23, 9, 0, 30)) is None
    with db.reading() as s:
        sent = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "weekly_summary")).all()
        assert sorted(m.channel for m in sent) == ["console", "slack"]
        assert sent[0].payload["received"] == 1
        assert sent[0].payload["start"] == "2026-11-16T00:00:00+00:00"
    # The clock was down all of Monday 30 November: Tuesday's first sweep sends it.
    assert send_weekly_summary(db, plan, utc(2026, 12, 1, 7, 0)) is not None
    # In summer, Monday 09:00 London is 08:00 UTC.
    assert send_weekly_summary(db, plan, utc(2027, 6, 7, 7, 59)) is None
    assert send_weekly_summary(db, plan, utc(2027, 6, 7, 8, 0)) is not None


def test_the_clock_schedules_the_sweep_and_monday_summary(app: Flask) -> None:
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {"sweep_due", "weekly_summary"} <= set(jobs)
    assert jobs["sweep_due"].trigger.interval == timedelta(seconds=30)
    assert str(scheduler.timezone) == "Europe/London"
    assert scheduler._job_defaults["misfire_grace_time"] == 300
    after = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)
    assert jobs["weekly_summary"].trigger.get_next_fire_time(None, after) == datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
    summer = datetime(2027, 3, 24, 10, 0, tzinfo=LONDON)  # the clocks go forward on Sunday 28 March 2027
    fire = jobs["weekly_summary"].trigger.get_next_fire_time(None, summer)
    assert fire.astimezone(UTC) == utc(2027, 3, 29, 8, 0)


def test_sweep_due_keeps_going_when_one_sweep_breaks(app: Flask) -> None:
    def broken(_app: Flask, _now: datetime) -> None:
        raise RuntimeError("simulated")

    app.extensions["sweeps"].insert(0, ("broken", broken))
    reports = sweep_due(app)
    assert "broken" not in reports and {"follow_ups", "outbox"} <= set(reports)


def test_cli_lists_and_runs_due_follow_ups(app: Flask, clock) -> None:
    db = app.extensions["db"]
    with db.transaction() as s:
        request = make_request(s, clock.now)
        app.extensions["follow_ups"].after_submit(s, request, clock.now)
        reference = request.reference
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["followups", "list"])
    assert listed.exit_code == 0, listed.output
    assert (
        "triage_reminder" in listed.output and reference in listed.output and "Wed 25 Nov 2026 10:00" in listed.output
    )

    clock.set(utc(2026, 11, 26, 10, 0))
    ran = runner.invoke(args=["followups", "run-due"])
    assert ran.exit_code == 0, ran.output
    assert "follow_ups: claimed 3, done 3" in ran.output and "outbox:" in ran.output
    assert "No follow-ups match." in runner.invoke(args=["followups", "list"]).output
    done = runner.invoke(args=["followups", "list", "--status", "done"]).output
    assert done.count(reference) == 3
    with db.reading() as s:
        assert s.scalar(select(SupportRequest.reference)) == reference
