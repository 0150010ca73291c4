"""The three ways a mail leaves the service, chosen by MAIL_BACKEND: GOV.UK Notify, SMTP, or the console.

Each takes a rendered `Mail` and either returns the provider's id for it or raises `MailError`, saying whether a
later attempt could succeed. Errors carry a status or a class name, never the mail's content or its address.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

log = logging.getLogger("earlyhelp.mail")

TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Mail:
    """One rendered mail. `reference` is the service's own id for it (no personal data), `code` a one-time code
    when the mail carries one, and `fields` the plain values a GOV.UK Notify template may place itself."""

    to: str
    subject: str
    text: str
    kind: str
    reference: str
    request_reference: str | None = None
    code: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


class MailError(Exception):
    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.retryable = retryable


class MailBackend(Protocol):
    def send(self, mail: Mail) -> str | None: ...


class ConsoleBackend:
    """Logs who a mail is for, its subject and its request reference, never its body; a one-time code in full, so
    a local run works with no mail server. The development default: not for production."""

    def __init__(self, logger: logging.Logger = log) -> None:
        self.logger = logger

    def send(self, mail: Mail) -> str:
        code = f" code {mail.code}" if mail.code else ""
        about = f" about {mail.request_reference}" if mail.request_reference else ""
        self.logger.info("mail %s to %s: %r%s%s", mail.kind, mail.to, mail.subject, about, code)
        return f"console-{mail.reference}"


class SmtpBackend:
    """Standard library smtplib: STARTTLS when configured (with the system's certificate authorities unless a
    context is given), a login when a username is set. A new connection per mail: a few a minute at most."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = True,
        tls_context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls = starttls
        self.tls_context = tls_context
        self.timeout = timeout
        self.domain = sender.rpartition("@")[2] or "localhost"

    def message(self, mail: Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(usegmt=True)
        # The same id on a second attempt (after a crash mid-send), so the recipient's mail program can tell.
        message["Message-ID"] = f"<{mail.reference}@{self.domain}>"
        message.set_content(mail.text)
        return message

    def send(self, mail: Mail) -> str:
        message = self.message(mail)
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as err:
            raise MailError(f"smtp: cannot connect ({type(err).__name__})", retryable=True) from None
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=self.tls_context or ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            code = codes[0] if codes else 550
            # 5xx: this address will never take it; 4xx: the server is busy, try again later.
            raise MailError(f"smtp: recipient refused ({code})", retryable=code < 500) from None
        except smtplib.SMTPDataError as err:
            raise MailError(f"smtp: message refused ({err.smtp_code})", retryable=err.smtp_code < 500) from None
        except smtplib.SMTPResponseException as err:
            # Sign-in refused, sender refused, TLS refused: the service's own settings. Retried, so mail waits
            # (and is not lost) while an operator fixes them; it fails for good after the last attempt.
            raise MailError(f"smtp: server answered {err.smtp_code}", retryable=True) from None
        except (OSError, smtplib.SMTPException) as err:
            raise MailError(f"smtp: {type(err).__name__}", retryable=True) from None
        else:
            self._quit(smtp)
            return message["Message-ID"].strip("<>")
        finally:
            smtp.close()

    @staticmethod
    def _quit(smtp: smtplib.SMTP) -> None:
        # The server has accepted the mail: trouble saying goodbye must not make it go again.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()


# GOV.UK Notify's answers a later attempt can fix: rate limited, or Notify itself in trouble (the client reports a
# connection failure as 503). 403 is a refused API key: the service's own setting, retried while it is fixed.
NOTIFY_RETRYABLE = frozenset({403, 429, 500, 502, 503, 504})


class NotifyBackend:
    """GOV.UK Notify through its official client. Every kind uses `template_ids[kind]`, or the default template,
    which is expected to be just `((subject))` as its subject and `((body))` as its message."""

    def __init__(
        self,
        api_key: str,
        *,
        default_template_id: str,
        template_ids: Mapping[str, str] | None = None,
        base_url: str = "",
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.api_key = api_key
        self.default_template_id = default_template_id
        self.template_ids = {k: v for k, v in (template_ids or {}).items() if v}
        self.base_url = base_url or "https://api.notifications.service.gov.uk"
        self.timeout = timeout

    def template_for(self, kind: str) -> str:
        template = self.template_ids.get(kind) or self.default_template_id
        if not template:
            raise MailError(f"notify: no template id for {kind}", retryable=False)
        return template

    def send(self, mail: Mail) -> str | None:
        from notifications_python_client.errors import APIError
        from notifications_python_client.notifications import NotificationsAPIClient

        # The client is not thread-safe and the after-commit sender runs beside the sweep: one per mail.
        client = NotificationsAPIClient(self.api_key, base_url=self.base_url, timeout=self.timeout)
        personalisation = {"subject": mail.subject, "body": mail.text, **mail.fields}
        try:
            response = client.send_email_notification(
                email_address=mail.to,
                template_id=self.template_for(mail.kind),
                personalisation=personalisation,
                reference=mail.reference,
            )
        except APIError as err:
            status = err.status_code
            raise MailError(f"notify: HTTP {status}", retryable=status in NOTIFY_RETRYABLE) from None
        except Exception as err:  # a token the client cannot make from a malformed key, bad JSON...
            raise MailError(f"notify: {type(err).__name__}", retryable=True) from None
        return str(response.get("id")) if isinstance(response, dict) and response.get("id") else None
