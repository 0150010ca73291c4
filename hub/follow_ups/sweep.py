"""The follow-up sweep the clock runs every few seconds (and `earlyhelp followups run-due`): recover rows a crashed
sweeper left running, claim due rows (hub/claim.py) so two sweepers never both act, fire each in its own
transaction (`FollowUpPlan.fire`), retry failures with the outbox's backoff, then the draft and weekly-summary sweeps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub import claim
from hub.follow_ups.drafts import delete_abandoned_drafts, remind_idle_drafts
from hub.follow_ups.plan import FollowUpPlan
from hub.follow_ups.weekly_summary import send_weekly_summary
from hub.outbox.retry import RetryPolicy
from intake.store.database import Database
from intake.store.follow_up import DONE, FAILED, PENDING, READY, RUNNING, FollowUp
from intake.store.outbox import short_error

log = logging.getLogger("earlyhelp.follow_up")


@dataclass
class FollowUpReport:
    recovered: int = 0
    claimed: int = 0
    done: int = 0
    retried: int = 0
    failed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    drafts_reminded: int = 0
    drafts_deleted: int = 0
    weekly_summary: bool = False

    def __str__(self) -> str:
        return (
            f"claimed {self.claimed}, done {self.done}, retrying {self.retried}, failed {self.failed}, "
            f"recovered {self.recovered}, drafts reminded {self.drafts_reminded}, drafts deleted "
            f"{self.drafts_deleted}, weekly summary {'sent' if self.weekly_summary else 'not due'}"
        )


def run_due(db: Database, plan: FollowUpPlan, now: datetime, limit: int = 100) -> FollowUpReport:
    """Act on every due follow-up (claimed so two sweepers never both act), then the draft and summary sweeps."""
    report = FollowUpReport()
    policy = plan.retry
    with db.transaction() as s:
        report.recovered, report.failed = claim.recover_stuck(
            s, FollowUp, now, policy.stuck_after, RUNNING, policy.max_attempts
        )
    while True:
        with db.transaction() as s:
            ids = claim.claim_due(s, FollowUp, now, limit, RUNNING, READY)
        report.claimed += len(ids)
        for follow_up_id in ids:
            _fire_one(db, plan, follow_up_id, now, report)
        if len(ids) < limit:
            break
    report.drafts_reminded = remind_idle_drafts(db, plan, now)
    report.drafts_deleted = delete_abandoned_drafts(db, plan, now)
    report.weekly_summary = send_weekly_summary(db, plan, now) is not None
    return report


def _fire_one(db: Database, plan: FollowUpPlan, follow_up_id: int, now: datetime, report: FollowUpReport) -> None:
    # This sweep claimed the row at `now`: that stamp is its claim, checked again when recording the result.
    try:
        with db.transaction() as s:
            follow_up = s.get(FollowUp, follow_up_id)
            if follow_up is None:
                return
            outcome = plan.fire(s, follow_up, now)
            s.flush()
            if not claim.finish(
                s, FollowUp, follow_up_id, now, RUNNING, status=DONE, outcome=outcome, done_at=now, last_error=None
            ):
                # Recovered and re-claimed by another sweeper meanwhile: roll back, so only one acts.
                raise _LostClaim
        report.done += 1
        report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
    except _LostClaim:
        log.warning("follow-up %s was recovered by another sweeper; its work was rolled back", follow_up_id)
    except Exception as err:
        # Only the class: a message could quote data. The row is retried with backoff, then fails loudly.
        log.exception("follow-up %s failed", follow_up_id)
        _record_failure(db, plan.retry, follow_up_id, now, now, short_error(type(err).__name__), report)


class _LostClaim(Exception):
    pass


def _record_failure(
    db: Database,
    policy: RetryPolicy,
    follow_up_id: int,
    claimed_at: datetime,
    now: datetime,
    error: str,
    report: FollowUpReport,
) -> None:
    with db.transaction() as s:
        row = s.get(FollowUp, follow_up_id)
        if row is None:
            return
        give_up = row.attempts >= policy.max_attempts
        values: dict[str, Any] = {"status": FAILED, "last_error": error, "done_at": now}
        if not give_up:
            values = {"status": PENDING, "last_error": error, "due_at": now + policy.delay(row.attempts)}
        if not claim.finish(s, FollowUp, follow_up_id, claimed_at, RUNNING, claimed_at=None, **values):
            return
    if give_up:
        report.failed += 1
        log.error("follow-up %s (%s) FAILED after %d attempts: %s", follow_up_id, row.kind, row.attempts, error)
    else:
        report.retried += 1
