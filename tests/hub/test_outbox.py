"""The outbox: idempotent enqueue, and a sweep that sends each message once, retries, gives up loudly, recovers
from a crash mid-delivery and picks up where a previous process left off."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from hub import claim
from hub.outbox import RetryPolicy, failed_messages, retry_failed, run_due
from intake.store import AuditEvent
from intake.store.database import Database
from intake.store.outbox import FAILED, PENDING, SENDING, SENT, OutboxMessage, enqueue
from tests.conftest import FakeClock
from tests.hub.seed import make_request
from tests.recording_notifier import RecordingNotifier


def _enqueue(db: Database, now, n: int = 1, channel: str = "slack", **kw) -> list[int]:
    ids = []
    with db.transaction() as s:
        for i in range(n):
            m = enqueue(
                s,
                channel=channel,
                kind="hub_new_request",
                recipient={"channel": "C0HUB"},
                payload={"reference": f"RFS-2026-{i:06d}", "level": 3, "route": "early_help_intensive"},
                now=now,
                **kw,
            )
            ids.append(m.id)
    return ids


def _statuses(db: Database) -> dict[int, str]:
    with db.reading() as s:
        return dict(s.execute(select(OutboxMessage.id, OutboxMessage.status)).all())


def test_enqueue_is_idempotent_by_dedupe_key(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    first = _enqueue(db, clock.now, dedupe_key="receipt:1")
    again = _enqueue(db, clock.now, dedupe_key="receipt:1")
    other = _enqueue(db, clock.now, dedupe_key="receipt:2")
    no_key = _enqueue(db, clock.now) + _enqueue(db, clock.now)
    assert first == again
    assert other != first
    assert len(set(no_key)) == 2
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 4


def test_enqueue_twice_in_one_transaction_and_rolled_back_with_the_caller(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    with db.transaction() as s:
        a = enqueue(
            s, channel="console", kind="weekly_summary", recipient={}, payload={}, now=clock.now, dedupe_key="k"
        )
        b = enqueue(
            s, channel="console", kind="weekly_summary", recipient={}, payload={}, now=clock.now, dedupe_key="k"
        )
        assert a.id == b.id
    with pytest.raises(RuntimeError), db.transaction() as s:
        enqueue(s, channel="console", kind="weekly_summary", recipient={}, payload={}, now=clock.now, dedupe_key="x")
        raise RuntimeError("the caller's transaction fails")
    with db.reading() as s:
        assert s.scalars(select(OutboxMessage.dedupe_key)).all() == ["k"]


def test_enqueue_races_on_the_same_key_make_one_row(app: Flask, clock: FakeClock, database_url: str) -> None:
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        db = Database(database_url)
        try:
            barrier.wait()
            results.extend(_enqueue(db, clock.now, dedupe_key="race"))
        except BaseException as err:  # surfaced below
            errors.append(err)
        finally:
            db.dispose()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 4 and len(set(results)) == 1
    assert len(_statuses(app.extensions["db"])) == 1


def test_unknown_channel_is_refused(app: Flask, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="unknown outbox channel"), app.extensions["db"].transaction() as s:
        enqueue(s, channel="fax", kind="x", recipient={}, payload={}, now=clock.now)


def test_sweep_sends_due_messages_once_and_leaves_future_ones(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    slack = RecordingNotifier()
    now_ids = _enqueue(db, clock.now, n=3)
    later = _enqueue(db, clock.now, due_at=clock.now + timedelta(hours=1))
    report = run_due(db, {"slack": slack}, clock.now)
    assert (report.claimed, report.sent) == (3, 3)
    assert sorted(d.id for d in slack.delivered) == now_ids
    assert run_due(db, {"slack": slack}, clock.now).claimed == 0
    report = run_due(db, {"slack": slack}, clock.advance(hours=1))
    assert report.sent == 1 and slack.delivered[-1].id == later[0]
    assert set(_statuses(db).values()) == {SENT}
    with db.reading() as s:
        message = s.get(OutboxMessage, later[0])
        assert message.sent_at == clock.now and message.external_id == "recorded-4" and message.attempts == 1


def test_failure_is_retried_with_exponential_backoff(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    slack = RecordingNotifier(fail_times=2, error="slack: ratelimited")
    policy = RetryPolicy(base_delay=timedelta(minutes=1))
    [mid] = _enqueue(db, clock.now)
    start = clock.now

    assert run_due(db, {"slack": slack}, clock.now, policy=policy).retried == 1
    with db.reading() as s:
        m = s.get(OutboxMessage, mid)
        assert (m.status, m.attempts, m.last_error) == (PENDING, 1, "slack: ratelimited")
        assert m.due_at == start + timedelta(minutes=1)
    assert run_due(db, {"slack": slack}, clock.advance(seconds=59), policy=policy).claimed == 0
    assert run_due(db, {"slack": slack}, clock.advance(seconds=1), policy=policy).retried == 1
    with db.reading() as s:
        assert s.get(OutboxMessage, mid).due_at == clock.now + timedelta(minutes=2)
    assert run_due(db, {"slack": slack}, clock.advance(minutes=2), policy=policy).sent == 1
    assert [d.attempt for d in slack.delivered] == [3]
    with db.reading() as s:
        m = s.get(OutboxMessage, mid)
        assert (m.status, m.last_error) == (SENT, None)


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(base_delay=timedelta(minutes=1), max_delay=timedelta(hours=1))
    assert [policy.delay(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_gives_up_after_the_limit_loudly_and_a_manager_can_retry(
    app: Flask, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    db = app.extensions["db"]
    slack = RecordingNotifier(fail_times=99, error="slack: channel_not_found")
    policy = RetryPolicy(max_attempts=3, base_delay=timedelta(minutes=1))
    [mid] = _enqueue(db, clock.now)
    for _ in range(3):
        run_due(db, {"slack": slack}, clock.now, policy=policy)
        clock.advance(hours=1)
    assert slack.calls == 3
    assert _statuses(db)[mid] == FAILED
    assert "FAILED after 3 attempts" in caplog.text
    assert run_due(db, {"slack": slack}, clock.advance(days=1), policy=policy).claimed == 0
    with db.reading() as s:
        [failed] = failed_messages(s)
        assert (failed.id, failed.last_error) == (mid, "slack: channel_not_found")

    slack.fail_times = 0
    with db.transaction() as s:
        assert retry_failed(s, mid, actor="hub:manager@example.org", now=clock.now)
        assert s.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "outbox.retried"
    assert run_due(db, {"slack": slack}, clock.now, policy=policy).sent == 1


def test_non_retryable_and_unconfigured_channels_fail_at_once(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    [revoked] = _enqueue(db, clock.now, channel="slack")
    [nowhere] = _enqueue(db, clock.now, channel="teams")
    slack = RecordingNotifier(fail_times=1, retryable=False, error="slack: account_inactive")
    report = run_due(db, {"slack": slack}, clock.now)
    assert report.failed == 2
    with db.reading() as s:
        assert s.get(OutboxMessage, revoked).last_error == "slack: account_inactive"
        assert s.get(OutboxMessage, nowhere).last_error == "no notifier configured for channel teams"


def test_an_unexpected_notifier_error_keeps_only_its_class(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    [mid] = _enqueue(db, clock.now)

    def explode(_message: OutboxMessage) -> None:
        raise KeyError("Sam Testchild")  # whatever a broken notifier says must not reach the table

    run_due(db, {"slack": RecordingNotifier(before_deliver=explode)}, clock.now)
    with db.reading() as s:
        m = s.get(OutboxMessage, mid)
        assert (m.status, m.last_error) == (PENDING, "KeyError")


def test_a_row_stuck_in_sending_after_a_crash_is_recovered(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    policy = RetryPolicy(stuck_after=timedelta(minutes=10))
    [mid] = _enqueue(db, clock.now)
    # A sweeper claims the row and dies before delivering or recording anything.
    with db.transaction() as s:
        assert claim.claim_due(s, OutboxMessage, clock.now, 10, SENDING) == [mid]
    slack = RecordingNotifier()
    assert run_due(db, {"slack": slack}, clock.advance(minutes=9), policy=policy).claimed == 0
    report = run_due(db, {"slack": slack}, clock.advance(minutes=2), policy=policy)
    assert (report.recovered, report.sent) == (1, 1)
    assert [d.id for d in slack.delivered] == [mid]
    with db.reading() as s:
        assert s.get(OutboxMessage, mid).attempts == 2  # the interrupted attempt counts


def test_a_late_result_from_a_recovered_claim_does_not_overwrite_the_new_one(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    [mid] = _enqueue(db, clock.now)
    with db.transaction() as s:
        claim.claim_due(s, OutboxMessage, clock.now, 10, SENDING)
        old_claim = s.get(OutboxMessage, mid).claimed_at
    run_due(db, {"slack": RecordingNotifier()}, clock.advance(minutes=30))  # recovered and sent by someone else
    with db.transaction() as s:
        assert not claim.finish(s, OutboxMessage, mid, old_claim, SENDING, status=PENDING)
    assert _statuses(db)[mid] == SENT


def test_a_crashing_message_fails_once_its_attempts_are_used(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    policy = RetryPolicy(max_attempts=2, stuck_after=timedelta(minutes=10))
    [mid] = _enqueue(db, clock.now)
    for _ in range(2):
        with db.transaction() as s:
            claim.claim_due(s, OutboxMessage, clock.now, 10, SENDING)
        clock.advance(minutes=11)
        run_due(db, {}, clock.now, limit=0, policy=policy)
    assert _statuses(db)[mid] == FAILED


def test_pending_messages_survive_a_restart(database_url: str, clock: FakeClock) -> None:
    first = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
        }
    )
    ids = _enqueue(first.extensions["db"], clock.now, n=2)
    first.extensions["db"].dispose()  # the process ends before the clock's next tick

    second = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
        }
    )
    slack = RecordingNotifier()
    assert run_due(second.extensions["db"], {"slack": slack}, clock.now).sent == 2
    assert sorted(d.id for d in slack.delivered) == ids
    second.extensions["db"].dispose()


@pytest.mark.parametrize("sweepers", [2, 4])
def test_racing_sweepers_send_each_message_exactly_once(
    app: Flask, clock: FakeClock, database_url: str, sweepers: int
) -> None:
    ids = _enqueue(app.extensions["db"], clock.now, n=120)
    slack = RecordingNotifier()
    barrier = threading.Barrier(sweepers)
    errors: list[BaseException] = []

    def sweeper() -> None:
        db = Database(database_url)  # its own engine and connections, as a second clock process would have
        try:
            barrier.wait()
            for _ in range(200):
                if run_due(db, {"slack": slack}, clock.now, limit=7).claimed == 0:
                    break
        except BaseException as err:
            errors.append(err)
        finally:
            db.dispose()

    threads = [threading.Thread(target=sweeper) for _ in range(sweepers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    delivered = [d.id for d in slack.delivered]
    assert sorted(delivered) == ids, "every message delivered exactly once"
    assert set(_statuses(app.extensions["db"]).values()) == {SENT}


def test_console_notifier_logs_no_child_details(app: Flask, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    db = app.extensions["db"]
    with db.transaction() as s:
        request = make_request(s, clock.now)
        enqueue(
            s,
            channel="console",
            kind="hub_new_request",
            recipient={},
            payload={**request.summary(), "child_first_name": "Sam", "note": "Synthetic test concern."},
            now=clock.now,
        )
        reference = request.reference
    caplog.set_level(logging.INFO, logger="earlyhelp.notify")
    assert run_due(db, app.extensions["notifiers"], clock.now).sent == 1
    line = " ".join(r.getMessage() for r in caplog.records if r.name == "earlyhelp.notify")
    assert reference in line and "level=3" in line and "route=early_help_intensive" in line
    assert "Sam" not in line and "Synthetic" not in line


def test_a_later_message_about_the_same_request_sees_the_earlier_ones_receipt(app: Flask, clock: FakeClock) -> None:
    db = app.extensions["db"]
    with db.transaction() as s:
        request = make_request(s, clock.now)
        alert = enqueue(s, channel="slack", kind="hub_new_request", recipient={}, payload={}, now=clock.now,
                        request_id=request.id)  # fmt: skip
        enqueue(s, channel="slack", kind="hub_request_updated", recipient={}, payload={"alert_message_id": alert.id},
                now=clock.now, request_id=request.id)  # fmt: skip
    seen: list[str | None] = []

    def look(message: OutboxMessage) -> None:
        if message.kind == "hub_request_updated":
            with db.reading() as s:
                seen.append(s.get(OutboxMessage, message.payload["alert_message_id"]).external_id)

    assert run_due(db, {"slack": RecordingNotifier(before_deliver=look)}, clock.now).sent == 2
    assert seen == ["recorded-1"]
