"""The outbox's delivery side: the sweep that sends due rows through each channel's notifier (`sweep.py`), the retry
policy it and the follow-up sweep share (`retry.py`), and hub managers' actions on messages that failed
(`failed.py`). Rows are written by `intake.store.outbox.enqueue`; notifiers live in hub/notifiers/ and hub/mail/.
"""

from hub.outbox.failed import cancel_message, failed_messages, retry_failed
from hub.outbox.retry import RetryPolicy
from hub.outbox.sweep import SweepReport, deliver_now, run_due

__all__ = ["RetryPolicy", "SweepReport", "cancel_message", "deliver_now", "failed_messages", "retry_failed", "run_due"]
