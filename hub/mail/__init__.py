"""Mail: the outbox's "mail" channel, for referrers without a chat to answer in and for hub managers.

Place in the flow: triage, submission or a follow-up enqueues a row with channel "mail" and the address as its
recipient -> the sweep (or, for a one-time code, the after-commit attempt) hands it to `MailNotifier` ->
`messages.render` turns the structured payload into a subject and a plain-text body, never naming the child or
repeating the concern (mail is not a secure channel) -> a backend sends it: GOV.UK Notify, SMTP, or the console
(the development default, which logs who it is for and never the body).
"""

from hub.mail.backends import ConsoleBackend, Mail, MailBackend, MailError, NotifyBackend, SmtpBackend
from hub.mail.notifier import MailNotifier

__all__ = ["ConsoleBackend", "Mail", "MailBackend", "MailError", "MailNotifier", "NotifyBackend", "SmtpBackend"]
