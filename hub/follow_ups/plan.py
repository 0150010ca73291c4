"""The follow-up plan, fixed when the app is built: when each kind falls due (working days from the rules file)
and what firing a due one does (hub/follow_ups/__init__.py lists the kinds). Firing only ever adds outbox rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.follow_ups.kinds import AFTER_DECISION, EARLY_HELP_KINDS, TRIAGE_KINDS, is_early_help
from hub.follow_ups.schedule import recipient_key, schedule
from hub.new_request import HubDestination, hub_payload
from hub.outbox.retry import RetryPolicy
from intake.referrer_reach import tell_referrer
from intake.store.follow_up import CANCELLED, READY, FollowUp
from intake.store.outbox import enqueue
from intake.store.support_request import DECIDED, SupportRequest
from intake.working_day import DEFAULT_HUB_HOURS, LONDON, HubHours, opening_on_or_after, working_deadline


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
    # Hub managers' work emails for the Monday summary (HUB_MANAGER_EMAILS); the escalations stay in their chat.
    summary_mail: Sequence[str] = ()
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
            payload = {
                "reference": request.reference,
                "request_id": request.id,
                "hub_outcome": request.hub_outcome,
                "hub_level": request.hub_level,
                "decided_at": request.decided_at.isoformat() if request.decided_at else None,
                "due_at": follow_up.due_at.isoformat(),
            }
            tell_referrer(session, request, follow_up.kind, payload, now)
            return "sent"
        raise ValueError(f"unknown follow-up kind {follow_up.kind}")

    def _chase_decision(self, session: Session, follow_up: FollowUp, request: SupportRequest, now: datetime) -> str:
        payload = {**hub_payload(request, self.public_url), "overdue": request.decision_due_at is not None}
        if follow_up.kind == "still_being_considered":
            referrer_payload = {k: payload[k] for k in ("reference", "request_id", "level", "decision_due_at")}
            tell_referrer(session, request, "still_being_considered", referrer_payload, now)
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
                dedupe_key=f"{follow_up.kind}:{request.id}:{d.channel}:{recipient_key(d.recipient)}",
            )
        return "sent"
