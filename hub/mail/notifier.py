"""The outbox notifier for channel "mail": render the row's payload (hub/mail/messages.py) and hand the mail to the
configured backend. Like every notifier it returns a receipt or raises DeliveryError; the sweep decides on retries.
"""

from __future__ import annotations

from hub.mail.backends import Mail, MailBackend, MailError
from hub.mail.messages import MailContext, NotRenderable, render
from hub.notifier import DeliveryError, DeliveryReceipt
from intake.store.outbox import OutboxMessage, mail_recipient


class MailNotifier:
    def __init__(self, backend: MailBackend, context: MailContext | None = None) -> None:
        self.backend = backend
        self.context = context or MailContext()

    def mail(self, message: OutboxMessage) -> Mail:
        """The mail this row becomes (also what tests and the console show)."""
        try:
            to = mail_recipient(message.recipient or {})["email"]
        except ValueError:
            raise DeliveryError("mail: the recipient is not one email address", retryable=False) from None
        payload = message.payload or {}
        try:
            rendered = render(message.kind, payload, self.context)
        except NotRenderable as err:
            raise DeliveryError(f"mail: {err}", retryable=False) from None
        return Mail(
            to=to,
            subject=rendered.subject,
            text=rendered.text,
            kind=message.kind,
            reference=f"earlyhelp-outbox-{message.id}",
            request_reference=payload.get("reference") if isinstance(payload.get("reference"), str) else None,
            code=rendered.fields.get("code"),
            fields=rendered.fields,
        )

    def deliver(self, message: OutboxMessage) -> DeliveryReceipt:
        mail = self.mail(message)
        try:
            external_id = self.backend.send(mail)
        except MailError as err:
            raise DeliveryError(str(err), retryable=err.retryable) from None
        return DeliveryReceipt(external_id=external_id)
