"""Follow-ups: the promises the service makes about a request, kept on time in working days.

Place in the flow: submission (hub/new_request.py) schedules the triage follow-ups; a hub decision
(intake/triage.py's decision listeners -> `note_decision`) schedules the early-help check-ins; the clock sweeps due
rows every few seconds (`run_due`), and each one that fires adds outbox rows (hub/outbox_sweep.py delivers them).

A follow-up looks at the request again when it fires, so a request decided in the meantime gets nothing further.
Kinds and when they fall due (working days and opening hours from the rules file, England & Wales bank holidays):

- triage_reminder        the decision deadline (SupportRequest.decision_due_at), to the hub's channels
- still_being_considered the referrer-feedback deadline, to the referrer, if the hub has not decided by then
- triage_escalation      one working day after the decision deadline, to hub managers
- early_help_not_started 10 working days after an early-help decision: has an assessment started? (referrer)
- early_help_review_checkin  the first review (6 weeks) after an early-help decision (referrer)
- after_decision         internal: the decision listener's marker, turned into the check-ins above by the sweep

Drafts and the weekly summary are swept here too (`remind_idle_drafts`, `delete_abandoned_drafts`,
`send_weekly_summary`): they are queries over existing rows rather than scheduled rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub import claim
from hub.dashboard.figures import weekly_figures as dashboard_weekly_figures
from hub.new_request import HubDestination, hub_payload
from hub.outbox_sweep import RetryPolicy
from intake.store import audit
from intake.store.database import Database
from intake.store.draft import ABANDONED, SUBMITTED, Draft
from intake.store.draft import CANCELLED as DRAFT_CANCELLED
from intake.store.draft import OPEN as DRAFT_OPEN
from intake.store.follow_up import (
    CANCELLED,
    DONE,
    FAILED,
    OPEN,
    PENDING,
    READY,
    RUNNING,
    SNOOZED,
    FollowUp,
)
from intake.store.outbox import enqueue, short_error
from intake.store.referrer import Referrer
from intake.store.support_request import DECIDED, SupportRequest
from intake.working_day import (
    DEFAULT_HUB_HOURS,
    LONDON,
    HubHours,
    opening_on_or_after,
    week_start,
    working_deadline,
)

log = logging.getLogger("earlyhelp.follow_up")

TRIAGE_KINDS = ("triage_reminder", "still_being_considered", "triage_escalation")
EARLY_HELP_KINDS = ("early_help_not_started", "early_help_review_checkin")
AFTER_DECISION = "after_decision"

LABELS: dict[str, str] = {
    "triage_reminder": "Reminder to the hub: decision due",
    "still_being_considered": "Tell the referrer it is still being considered",
    "triage_escalation": "Escalate to hub managers: decision overdue",
    "early_help_not_started": "Check-in: has the early help assessment started?",
    "early_help_review_checkin": "Check-in: first early help review due",
    AFTER_DECISION: "Schedule the check-ins after the decision",
    "draft_reminder": "Reminder: unfinished request",
}

MAX_REASON = 500


@dataclass(frozen=True)
class FollowUpPlan:
    """Everything the follow-ups need to know, fixed when the app is built."""

    decision_working_days: int = 1
    referrer_feedback_working_days: int = 1
    early_help_assessment_start_working_days: int = 10
    early_help_review_weeks: int = 6
    escalation_working_days: int = 1
    draft_reminder_working_days: int = 1
    draft_retention_days: int = 30
    hours: HubHours = field(default_factory=lambda: dict(DEFAULT_HUB_HOURS))
    hub_destinations: Sequence[HubDestination] = (HubDestination("console", {"log": "hub"}),)
    manager_destinations: Sequence[HubDestination] = (HubDestination("console", {"log": "managers"}),)
    public_url: str = "http://localhost:5000"
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    # -- scheduling ------------------------------------------------------------------------------------------------

    def after_submit(self, session: Session, request: SupportRequest, now: datetime) -> None:
        """The submit listener's part: the triage follow-ups, in the submission's transaction."""
        deadline = request.decision_due_at or working_deadline(
            request.received_at, self.decision_working_days, self.hours
        )
        feedback = working_deadline(request.received_at, self.referrer_feedback_working_days, self.hours)
        schedule(session, request.id, "triage_reminder", deadline, now)
        schedule(session, request.id, "still_being_considered", max(feedback, deadline), now)
        schedule(
            session,
            request.id,
            "triage_escalation",
            working_deadline(deadline, self.escalation_working_days, self.hours),
            now,
        )

    def after_decision(self, session: Session, request: SupportRequest, now: datetime) -> list[FollowUp]:
        """Once decided: the triage follow-ups stop, and an early-help outcome gets its two check-ins."""
        stopped = session.scalars(
            select(FollowUp).where(
                FollowUp.request_id == request.id, FollowUp.kind.in_(TRIAGE_KINDS), FollowUp.status.in_(READY)
            )
        ).all()
        for f in stopped:
            f.status, f.outcome, f.done_at = CANCELLED, "request decided", now
        if not is_early_help(request):
            return []
        decided = request.decided_at or now
        review_day = (decided.astimezone(LONDON) + timedelta(weeks=self.early_help_review_weeks)).date()
        return [
            schedule(
                session,
                request.id,
                "early_help_not_started",
                working_deadline(decided, self.early_help_assessment_start_working_days, self.hours),
                now,
            ),
            schedule(
                session, request.id, "early_help_review_checkin", opening_on_or_after(review_day, self.hours), now
            ),
        ]

    # -- firing ----------------------------------------------------------------------------------------------------

    def fire(self, session: Session, follow_up: FollowUp, now: datetime) -> str:
        """Act on one due follow-up inside the caller's transaction; return what happened (a short code)."""
        request = session.get(SupportRequest, follow_up.request_id) if follow_up.request_id else None
        if request is None:
            return "request no longer exists"
        if follow_up.kind == AFTER_DECISION:
            if request.status != DECIDED:
                return "request not decided"
            made = self.after_decision(session, request, now)
            return f"scheduled {len(made)} check-ins" if made else "no check-ins for this outcome"
        if follow_up.kind in TRIAGE_KINDS:
            if request.status == DECIDED:
                # Decided before the deadline: nothing to chase, but make sure its check-ins exist.
                self.after_decision(session, request, now)
                return "request already decided"
            return self._chase_decision(session, follow_up, request, now)
        if follow_up.kind in EARLY_HELP_KINDS:
            if request.status != DECIDED or not is_early_help(request):
                return "no longer an early-help outcome"
            channel, recipient = referrer_recipient(request)
            enqueue(
                session,
                channel=channel,
                kind=follow_up.kind,
                recipient=recipient,
                payload={
                    "reference": request.reference,
                    "request_id": request.id,
                    "hub_outcome": request.hub_outcome,
                    "hub_level": request.hub_level,
                    "decided_at": request.decided_at.isoformat() if request.decided_at else None,
                    "due_at": follow_up.due_at.isoformat(),
                },
                now=now,
                request_id=request.id,
                dedupe_key=f"{follow_up.kind}:{request.id}",
            )
            return "sent"
        raise ValueError(f"unknown follow-up kind {follow_up.kind}")

    def _chase_decision(self, session: Session, follow_up: FollowUp, request: SupportRequest, now: datetime) -> str:
        payload = {**hub_payload(request, self.public_url), "overdue": request.decision_due_at is not None}
        if follow_up.kind == "still_being_considered":
            channel, recipient = referrer_recipient(request)
            referrer_payload = {k: payload[k] for k in ("reference", "request_id", "level", "decision_due_at")}
            enqueue(
                session,
                channel=channel,
                kind="still_being_considered",
                recipient=recipient,
                payload=referrer_payload,
                now=now,
                request_id=request.id,
                dedupe_key=f"still_being_considered:{request.id}",
            )
            return "sent"
        destinations = self.hub_destinations if follow_up.kind == "triage_reminder" else self.manager_destinations
        for d in destinations:
            enqueue(
                session,
                channel=d.channel,
                kind=follow_up.kind,
                recipient=d.recipient,
                payload=payload,
                now=now,
                request_id=request.id,
                dedupe_key=f"{follow_up.kind}:{request.id}:{d.channel}:{_recipient_key(d.recipient)}",
            )
        return "sent"


def is_early_help(request: SupportRequest) -> bool:
    return (request.hub_outcome or "").startswith("early_help")


def referrer_recipient(request: SupportRequest) -> tuple[str, dict[str, Any]]:
    """Where a message to the referrer goes: their own Slack or Teams chat, their browser notices, or the console
    (the hub sees it in the log and phones them) when there is no way back."""
    referrer = request.referrer
    if referrer.channel in ("slack", "teams") and referrer.address:
        return referrer.channel, dict(referrer.address)
    if referrer.channel == "webchat":
        return "webchat", {"referrer_id": referrer.id}
    return "console", {"referrer_id": referrer.id}


def _recipient_key(recipient: dict[str, Any]) -> str:
    for key in ("channel", "conversation_id", "id", "log"):
        if recipient.get(key):
            return str(recipient[key])[:80]
    return "default"


def schedule(
    session: Session,
    request_id: int | None,
    kind: str,
    due_at: datetime,
    now: datetime,
    *,
    draft_id: str | None = None,
    dedupe_key: str | None = None,
    status: str = PENDING,
) -> FollowUp:
    """Add a follow-up unless the same one exists (by dedupe key); returns the row either way. Safe against a
    concurrent sweeper scheduling the same one (INSERT ... ON CONFLICT DO NOTHING on the unique key)."""
    key = dedupe_key or f"{kind}:{request_id}"
    existing = session.scalar(select(FollowUp).where(FollowUp.dedupe_key == key))
    if existing is not None:
        return existing
    session.flush()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(FollowUp)
        .values(
            request_id=request_id,
            draft_id=draft_id,
            kind=kind,
            dedupe_key=key,
            status=status,
            due_at=due_at,
            attempts=0,
            created_at=now,
            done_at=now if status == DONE else None,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    row = session.scalar(select(FollowUp).where(FollowUp.dedupe_key == key))
    assert row is not None
    return row


def note_decision(session: Session, request: SupportRequest, decision: object, now: datetime) -> None:
    """Decision listener (intake.triage.on_decision): mark the request for the sweep, which stops its triage
    follow-ups and schedules any check-ins with the app's own timescales. Needs no configuration, so one module-level
    function serves every app."""
    schedule(session, request.id, AFTER_DECISION, now, now)


def schedule_after_decision(session: Session, request: SupportRequest, now: datetime) -> None:
    """For a hub front end that records a decision without the triage listeners: the same as `note_decision`."""
    note_decision(session, request, None, now)


# -- The sweep -----------------------------------------------------------------------------------------------------


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


# -- Drafts --------------------------------------------------------------------------------------------------------


def remind_idle_drafts(db: Database, plan: FollowUpPlan, now: datetime, limit: int = 200) -> int:
    """Remind the person once about a draft untouched for a working day, in their own chat. A browser person with
    no saved details cannot be reached; the page greets them with their saved answers when they come back."""
    oldest = now - timedelta(days=plan.draft_retention_days)
    latest = now - timedelta(days=1)
    reminded = 0
    with db.transaction() as s:
        drafts = s.scalars(
            select(Draft)
            .where(
                Draft.status == DRAFT_OPEN,
                Draft.updated_at <= latest,
                Draft.updated_at > oldest,
                ~exists().where(FollowUp.draft_id == Draft.id, FollowUp.kind == "draft_reminder"),
            )
            .order_by(Draft.updated_at)
            .limit(limit)
        ).all()
        for draft in drafts:
            due = working_deadline(draft.updated_at, plan.draft_reminder_working_days, plan.hours)
            if due > now:
                continue
            target = _draft_recipient(s, draft)
            row = schedule(
                s,
                None,
                "draft_reminder",
                due,
                now,
                draft_id=draft.id,
                dedupe_key=f"draft_reminder:{draft.id}",
                status=DONE,
            )
            if target is None:
                row.outcome = "no way to reach this person"
                continue
            channel, recipient = target
            enqueue(
                s,
                channel=channel,
                kind="draft_reminder",
                recipient=recipient,
                payload={"draft_id": draft.id, "started_at": draft.created_at.isoformat(), "step": draft.step},
                now=now,
                dedupe_key=f"draft_reminder:{draft.id}",
            )
            row.outcome = "sent"
            reminded += 1
    return reminded


def _draft_recipient(session: Session, draft: Draft) -> tuple[str, dict[str, Any]] | None:
    referrer = session.get(Referrer, draft.referrer_id) if draft.referrer_id else None
    if draft.channel in ("slack", "teams"):
        if referrer is not None and referrer.address:
            return draft.channel, dict(referrer.address)
        if draft.channel == "slack" and ":" in draft.channel_user_id:
            team, user = draft.channel_user_id.split(":", 1)
            return "slack", {"team_id": team, "user_id": user}
        return None
    if draft.channel == "webchat" and referrer is not None:
        return "webchat", {"referrer_id": referrer.id}
    return None


def delete_abandoned_drafts(db: Database, plan: FollowUpPlan, now: datetime, limit: int = 500) -> int:
    """Delete drafts (and their answers) nobody has touched for DRAFT_RETENTION_DAYS. Submitted drafts stay: their
    answers are part of the request."""
    cutoff = now - timedelta(days=plan.draft_retention_days)
    with db.transaction() as s:
        ids = s.scalars(
            select(Draft.id)
            .where(Draft.status.in_((DRAFT_OPEN, DRAFT_CANCELLED, ABANDONED, "closed")), Draft.updated_at < cutoff)
            .where(Draft.status != SUBMITTED)
            .order_by(Draft.updated_at)
            .limit(limit)
        ).all()
        if not ids:
            return 0
        s.execute(delete(Draft).where(Draft.id.in_(ids)).execution_options(synchronize_session=False))
        audit.record(
            s,
            at=now,
            actor="system:clock",
            action="drafts.deleted",
            detail={"count": len(ids), "retention_days": plan.draft_retention_days},
        )
    log.info("deleted %d drafts untouched for %d days", len(ids), plan.draft_retention_days)
    return len(ids)


# -- Weekly summary ------------------------------------------------------------------------------------------------


def weekly_figures(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Headline figures for requests received in [start, end) (London midnights), from the managers' dashboard
    (hub.dashboard.figures.weekly_figures), so the summary in Slack or Teams and the printable weekly report agree:
    counts by level and route, decided within the deadline, overdue at `end`, repeats, statutory assessments and
    feedback sent. Counts only: no request is named."""
    first_day = start.astimezone(LONDON).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(LONDON).date()
    payload = dashboard_weekly_figures(session, first_day, last_day).as_payload()
    payload.update(
        start=start.isoformat(), end=end.isoformat(), first_day=first_day.isoformat(), last_day=last_day.isoformat()
    )
    return payload


def weekly_summary_due(now: datetime) -> datetime:
    """This week's summary moment: Monday 09:00 London."""
    return (week_start(now).astimezone(LONDON) + timedelta(hours=9)).astimezone(UTC)


def send_weekly_summary(db: Database, plan: FollowUpPlan, now: datetime) -> int | None:
    """Enqueue last week's figures for hub managers once this week's Monday 09:00 has passed (the clock's cron job
    calls it on time; every sweep calls it too, so a clock that was down on Monday morning catches up)."""
    if now < weekly_summary_due(now):
        return None
    end = week_start(now)
    start_day = end.astimezone(LONDON).date() - timedelta(days=7)
    start = datetime.combine(start_day, time(0, 0), LONDON).astimezone(UTC)
    key = f"weekly_summary:{start_day.isoformat()}"
    with db.transaction() as s:
        if s.scalar(select(FollowUp.id).where(FollowUp.dedupe_key == key)) is not None:
            return None
        figures = weekly_figures(s, start, end)
        row = schedule(s, None, "weekly_summary", weekly_summary_due(now), now, dedupe_key=key, status=DONE)
        for d in plan.manager_destinations:
            enqueue(
                s,
                channel=d.channel,
                kind="weekly_summary",
                recipient=d.recipient,
                payload=figures,
                now=now,
                dedupe_key=f"{key}:{d.channel}:{_recipient_key(d.recipient)}",
            )
        row.outcome = "sent"
        return row.id


# -- For hub staff -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpView:
    id: int
    kind: str
    label: str
    status: str
    due_at: datetime
    outcome: str | None
    reason: str | None
    changed_by: str | None
    last_error: str | None
    attempts: int
    can_change: bool


def follow_ups_for(session: Session, request_id: int) -> tuple[list[FollowUpView], list[FollowUpView]]:
    """(upcoming, past) follow-ups of one request: upcoming soonest first, past most recent first."""
    rows = session.scalars(
        select(FollowUp).where(FollowUp.request_id == request_id).order_by(FollowUp.due_at, FollowUp.id)
    ).all()
    views = [
        FollowUpView(
            f.id,
            f.kind,
            LABELS.get(f.kind, f.kind.replace("_", " ")),
            f.status,
            f.due_at,
            f.outcome,
            f.reason,
            f.changed_by,
            f.last_error,
            f.attempts,
            f.status in READY,
        )
        for f in rows
        if f.kind != AFTER_DECISION
    ]
    upcoming = [v for v in views if v.status in OPEN]
    past = sorted((v for v in views if v.status not in OPEN), key=lambda v: v.due_at, reverse=True)
    return upcoming, past


class FollowUpChangeError(ValueError):
    """The change cannot be made; the message says why, in words a hub worker can act on."""


def _changeable(session: Session, follow_up_id: int, reason: str) -> tuple[FollowUp, str]:
    row = session.get(FollowUp, follow_up_id)
    if row is None:
        raise FollowUpChangeError("There is no such follow-up. Reload the page.")
    if row.status not in READY:
        raise FollowUpChangeError("This follow-up has already happened or been stopped, so it cannot be changed.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise FollowUpChangeError("Give a reason, so colleagues know why.")
    if len(reason) > MAX_REASON:
        raise FollowUpChangeError(f"Keep the reason to {MAX_REASON} characters or fewer.")
    return row, reason


def snooze(session: Session, follow_up_id: int, until: datetime, reason: str, actor: str, now: datetime) -> FollowUp:
    row, reason = _changeable(session, follow_up_id, reason)
    if until.tzinfo is None:
        raise FollowUpChangeError("Give the time with its time zone.")
    if until <= now:
        raise FollowUpChangeError("Snooze it until a time in the future.")
    previous = row.due_at
    row.status, row.due_at, row.reason, row.changed_by = SNOOZED, until, reason, actor
    audit.record(
        session,
        at=now,
        actor=actor,
        action="follow_up.snoozed",
        request_id=row.request_id,
        detail={"follow_up_id": row.id, "kind": row.kind, "from": previous.isoformat(), "until": until.isoformat()},
    )
    return row


def cancel(session: Session, follow_up_id: int, reason: str, actor: str, now: datetime) -> FollowUp:
    row, reason = _changeable(session, follow_up_id, reason)
    row.status, row.reason, row.changed_by, row.done_at = CANCELLED, reason, actor, now
    row.outcome = "cancelled by hub staff"
    audit.record(
        session,
        at=now,
        actor=actor,
        action="follow_up.cancelled",
        request_id=row.request_id,
        detail={"follow_up_id": row.id, "kind": row.kind},
    )
    return row


def list_follow_ups(
    session: Session, *, statuses: Sequence[str] | None = None, request_id: int | None = None, limit: int = 50
) -> list[tuple[FollowUp, str | None]]:
    """Follow-ups with their request's reference, soonest first (for operators' `earlyhelp followups list`)."""
    query = (
        select(FollowUp, SupportRequest.reference)
        .outerjoin(SupportRequest, SupportRequest.id == FollowUp.request_id)
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(limit)
    )
    if statuses:
        query = query.where(FollowUp.status.in_(list(statuses)))
    if request_id is not None:
        query = query.where(FollowUp.request_id == request_id)
    return [(f, ref) for f, ref in session.execute(query).all()]
