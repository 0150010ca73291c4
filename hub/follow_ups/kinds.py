"""The kinds of follow-up, the words hub staff see for each, and which outcomes get early-help check-ins."""

from __future__ import annotations

from intake.store.support_request import SupportRequest

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
    "phone_referrer": "Phone the referrer: no chat or confirmed email reaches them",
}


def is_early_help(request: SupportRequest) -> bool:
    return (request.hub_outcome or "").startswith("early_help")
