"""Follow-ups: the promises the service makes about a request, kept on time in working days.

Place in the flow: submission (hub/new_request.py) schedules the triage follow-ups; a hub decision
(intake/triage.py's decision listeners -> `note_decision`) schedules the early-help check-ins; the clock sweeps due
rows every few seconds (`run_due`), and each one that fires adds outbox rows (hub/outbox/ delivers them).

A follow-up looks at the request again when it fires, so a request decided in the meantime gets nothing further.
Kinds and when they fall due (working days and opening hours from the rules file, England & Wales bank holidays):

- triage_reminder        the decision deadline (SupportRequest.decision_due_at), to the hub's channels
- still_being_considered the referrer-feedback deadline, to the referrer, if the hub has not decided by then
- triage_escalation      one working day after the decision deadline, to hub managers
- early_help_not_started 10 working days after an early-help decision: has an assessment started? (referrer)
- early_help_review_checkin  the first review (6 weeks) after an early-help decision (referrer)
- after_decision         internal: the decision listener's marker, turned into the check-ins above by the sweep

Modules: `plan.py` (when each kind falls due, and what firing one does), `schedule.py` (adding a row once),
`sweep.py` (the clock's sweep), `drafts.py` (draft reminders and deletion), `weekly_summary.py` (the Monday summary),
`timeline.py` (what hub staff see) and `snooze.py` (snooze and cancel). Drafts and the weekly summary are queries
over existing rows rather than scheduled rows.
"""

from hub.follow_ups.drafts import delete_abandoned_drafts, remind_idle_drafts
from hub.follow_ups.kinds import AFTER_DECISION, EARLY_HELP_KINDS, LABELS, TRIAGE_KINDS, is_early_help
from hub.follow_ups.plan import FollowUpPlan
from hub.follow_ups.schedule import note_decision, schedule, schedule_after_decision
from hub.follow_ups.snooze import FollowUpChangeError, cancel, mark_done, snooze
from hub.follow_ups.sweep import FollowUpReport, run_due
from hub.follow_ups.timeline import FollowUpView, follow_ups_for, list_follow_ups
from hub.follow_ups.weekly_summary import send_weekly_summary, weekly_figures, weekly_summary_due

__all__ = [
    "AFTER_DECISION",
    "EARLY_HELP_KINDS",
    "LABELS",
    "TRIAGE_KINDS",
    "FollowUpChangeError",
    "FollowUpPlan",
    "FollowUpReport",
    "FollowUpView",
    "cancel",
    "delete_abandoned_drafts",
    "follow_ups_for",
    "is_early_help",
    "list_follow_ups",
    "mark_done",
    "note_decision",
    "remind_idle_drafts",
    "run_due",
    "schedule",
    "schedule_after_decision",
    "send_weekly_summary",
    "snooze",
    "weekly_figures",
    "weekly_summary_due",
]
