"""One notifier per outbox channel: console (logs), webchat (stored for the browser), and the
Slack and Teams ones their adapters' configuration adds."""
