"""The outbox sweep, run by the clock every few seconds (and by `earlyhelp followups run-due`).

1. Recover rows left `sending` by a crashed sweeper.  2. Claim due rows in one short transaction (hub/claim.py).
3. Deliver each through its channel's notifier OUTSIDE any transaction (Slack can take seconds; a database lock must
not).  4. Record the outcome in another short transaction: sent, or pending again after an exponential backoff, or
failed after the last attempt, loudly, where hub managers see it (`failed_messages`).

Delivery is at least once: a crash between the platform accepting a message and step 4 sends it again after
recovery. Everything else (two sweepers, retries, restarts) sends it exactly once.

`deliver_now` runs steps 2-4 for named rows straight after the commit that made them (a one-time code someone is
waiting for); the same claim makes it and the sweep exclusive, and a failed attempt is left for the sweep's retries.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from hub import claim
from hub.notifier import DeliveryError, Notifier
from hub.outbox.retry import RetryPolicy
from intake.store.database import Database
from intake.store.outbox import (
    CANCELLED,
    FAILED,
    PENDING,
    SECRET_FIELDS,
    SENDING,
    SENT,
    OutboxMessage,
    short_error,
    without_secrets,
)

log = logging.getLogger("earlyhelp.outbox")


@dataclass
class SweepReport:
    recovered: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost_claim: int = 0
    failures: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"claimed {self.claimed}, sent {self.sent}, retrying {self.retried}, failed {self.failed}, "
            f"recovered {self.recovered}"
        )


# Outcomes are recorded in one transaction per this many deliveries: one commit per message would dominate a sweep,
# while a crash can make the already-delivered messages of an unrecorded group go again (at least once, not twice
# in normal running), so the group is kept small.
RECORD_EVERY = 20


@dataclass(frozen=True)
class _Outcome:
    message: OutboxMessage
    values: dict[str, Any]
    result: str  # "sent" | "retry" | "failed" | "expired"
    error: str | None = None


def run_due(
    db: Database,
    notifiers: Mapping[str, Notifier],
    now: datetime,
    limit: int = 100,
    policy: RetryPolicy | None = None,
) -> SweepReport:
    policy = policy or RetryPolicy()
    report = SweepReport()
    with db.transaction() as s:
        recovered, gave_up = claim.recover_stuck(
            s, OutboxMessage, now, policy.stuck_after, SENDING, policy.max_attempts
        )
        report.recovered, report.failed = recovered, gave_up
    if recovered or gave_up:
        log.warning("outbox: %d interrupted messages back to pending, %d failed for good", recovered, gave_up)
    with db.transaction() as s:
        ids = claim.claim_due(s, OutboxMessage, now, limit, SENDING)
        messages = list(s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)))
    report.claimed = len(messages)
    outcomes: list[_Outcome] = []
    for message in messages:
        # A message may depend on an earlier one about the same request (an update edits the alert the platform
        # already has, found through the alert's recorded receipt): record those first.
        if message.request_id is not None and any(o.message.request_id == message.request_id for o in outcomes):
            _record(db, outcomes, report)
            outcomes = []
        outcomes.append(_deliver_one(notifiers, message, now, policy))
        if len(outcomes) >= RECORD_EVERY:
            _record(db, outcomes, report)
            outcomes = []
    _record(db, outcomes, report)
    return report


def deliver_now(
    db: Database, notifiers: Mapping[str, Notifier], ids: list[int], now: datetime, policy: RetryPolicy | None = None
) -> SweepReport:
    """Attempt these messages at once (they were just committed): claimed like the sweep claims, so a sweep running
    at the same moment skips them; a failure is retried by the sweep with the usual backoff."""
    policy = policy or RetryPolicy()
    report = SweepReport()
    with db.transaction() as s:
        claimed = claim.claim_ids(s, OutboxMessage, ids, now, SENDING)
        query = select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        messages = list(s.scalars(query))
    report.claimed = len(messages)
    _record(db, [_deliver_one(notifiers, m, now, policy) for m in messages], report)
    return report


def _expired(message: OutboxMessage, now: datetime) -> bool:
    """A message that is useless after a moment (a one-time code) carries `expires_at`; past it, it is not sent."""
    expires = (message.payload or {}).get("expires_at")
    if not isinstance(expires, str):
        return False
    try:
        return datetime.fromisoformat(expires) <= now
    except ValueError:
        return False


def _deliver_one(
    notifiers: Mapping[str, Notifier], message: OutboxMessage, now: datetime, policy: RetryPolicy
) -> _Outcome:
    """Deliver outside any transaction and say what to record."""
    if _expired(message, now):
        values = {"status": CANCELLED, "last_error": "expired before it could be sent", "claimed_at": None}
        return _Outcome(message, _forget_secrets(message, values), "expired")
    notifier = notifiers.get(message.channel)
    try:
        if notifier is None:
            raise DeliveryError(f"no notifier configured for channel {message.channel}", retryable=False)
        receipt = notifier.deliver(message)
    except DeliveryError as err:
        return _failure(message, now, short_error(str(err)), err.retryable, policy)
    except Exception as err:
        # An unexpected failure in a notifier: keep only its class (its text may quote what was being sent).
        log.exception("outbox: notifier %s raised on message %s", message.channel, message.id)
        return _failure(message, now, short_error(type(err).__name__), True, policy)
    values = {
        "status": SENT,
        "sent_at": now,
        "last_error": None,
        "external_id": receipt.external_id if receipt else None,
    }
    return _Outcome(message, _forget_secrets(message, values), "sent")


def _forget_secrets(message: OutboxMessage, values: dict[str, Any]) -> dict[str, Any]:
    """A one-time code is kept only while it may still be sent."""
    if any(k in (message.payload or {}) for k in SECRET_FIELDS):
        return {**values, "payload": without_secrets(message.payload)}
    return values


def _failure(message: OutboxMessage, now: datetime, error: str, retryable: bool, policy: RetryPolicy) -> _Outcome:
    if not retryable or message.attempts >= policy.max_attempts:
        values = _forget_secrets(message, {"status": FAILED, "last_error": error, "claimed_at": None})
        return _Outcome(message, values, "failed", error)
    values = {
        "status": PENDING,
        "last_error": error,
        "claimed_at": None,
        "due_at": now + policy.delay(message.attempts),
    }
    return _Outcome(message, values, "retry", error)


def _record(db: Database, outcomes: list[_Outcome], report: SweepReport) -> None:
    if not outcomes:
        return
    claimed_at = outcomes[0].message.claimed_at  # one claim statement stamped the whole batch
    assert claimed_at is not None
    with db.transaction() as s:
        owned = claim.finish_many(s, OutboxMessage, [(o.message.id, o.values) for o in outcomes], claimed_at, SENDING)
    for outcome in outcomes:
        message = outcome.message
        if message.id not in owned:
            # Recovered by another sweeper while this one was delivering (it was stuck past SWEEP_STUCK_MINUTES).
            report.lost_claim += 1
            log.warning("outbox: message %s was recovered by another sweeper while being delivered", message.id)
        elif outcome.result == "sent":
            report.sent += 1
        elif outcome.result == "expired":
            log.info("outbox: message %s (%s) expired before it could be sent", message.id, message.kind)
        elif outcome.result == "failed":
            report.failed += 1
            report.failures.append(f"{message.id}: {outcome.error}")
            # Loud on purpose: a message nobody will receive. Hub managers see these on their failed-messages list.
            log.error(
                "outbox: message %s (%s to %s) FAILED after %d attempts: %s",
                message.id,
                message.kind,
                message.channel,
                message.attempts,
                outcome.error,
            )
        else:
            report.retried += 1
            report.failures.append(f"{message.id}: {outcome.error}")
            log.warning(
                "outbox: message %s attempt %d failed (%s); retrying", message.id, message.attempts, outcome.error
            )
