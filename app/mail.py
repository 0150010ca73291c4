"""Wiring mail into the app: the backend MAIL_BACKEND names, the outbox's "mail" notifier, and the attempt straight
after the commit for mail someone is waiting for (a one-time code).

A misconfigured backend stops the app at start with a message saying what to set, rather than failing every mail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from flask import Flask

from app.config import Settings
from hub.mail import ConsoleBackend, MailBackend, MailNotifier, NotifyBackend, SmtpBackend
from hub.mail.messages import MailContext
from hub.outbox import deliver_now
from intake.store.outbox import after_commit_send

log = logging.getLogger("earlyhelp.mail")

BACKENDS = ("console", "smtp", "notify")
# Mail kinds with a Notify template setting of their own.
NOTIFY_TEMPLATE_KINDS = ("email_code", "request_acknowledgement", "referrer_outcome", "weekly_summary")


class MailConfigError(ValueError):
    pass


def mail_backend(settings: Settings) -> MailBackend:
    name = settings.get("MAIL_BACKEND").strip().lower()
    if name == "console":
        return ConsoleBackend()
    if name == "smtp":
        if not settings.get("SMTP_HOST") or not settings.get("MAIL_FROM"):
            raise MailConfigError("MAIL_BACKEND=smtp needs SMTP_HOST and MAIL_FROM (and SMTP_PORT, usually 587).")
        return SmtpBackend(
            settings.get("SMTP_HOST"),
            settings.integer("SMTP_PORT"),
            sender=settings.get("MAIL_FROM"),
            username=settings.get("SMTP_USERNAME"),
            password=settings.get("SMTP_PASSWORD"),
            starttls=settings.flag("SMTP_STARTTLS"),
        )
    if name == "notify":
        templates = {kind: settings.get(f"NOTIFY_TEMPLATE_{kind.upper()}") for kind in NOTIFY_TEMPLATE_KINDS}
        if not settings.get("NOTIFY_API_KEY"):
            raise MailConfigError("MAIL_BACKEND=notify needs NOTIFY_API_KEY (from Notify's API integration page).")
        if not settings.get("NOTIFY_TEMPLATE_ID") and not all(templates.values()):
            raise MailConfigError(
                "MAIL_BACKEND=notify needs NOTIFY_TEMPLATE_ID (a template whose subject is ((subject)) and message "
                "((body))), or a NOTIFY_TEMPLATE_<KIND> for every kind."
            )
        return NotifyBackend(
            settings.get("NOTIFY_API_KEY"),
            default_template_id=settings.get("NOTIFY_TEMPLATE_ID"),
            template_ids=templates,
            base_url=settings.get("NOTIFY_BASE_URL"),
        )
    raise MailConfigError(f"MAIL_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}.")


def register_mail(app: Flask, executor: Executor | None = None) -> None:
    """The "mail" notifier, and delivery of send-now messages after their commit on `executor` (a small thread
    pool by default; tests pass one that runs inline)."""
    settings: Settings = app.extensions["settings"]
    contacts = app.extensions["rules"].contacts
    context = MailContext(
        hub_name=contacts.hub_name, public_url=settings.public_url, urgent_phone=contacts.hub_urgent_phone
    )
    app.extensions["notifiers"]["mail"] = MailNotifier(mail_backend(settings), context)
    app.extensions["mail_context"] = context
    pool = executor or ThreadPoolExecutor(max_workers=2, thread_name_prefix="outbox-now")
    db = app.extensions["db"]
    clock: Callable[[], datetime] = app.extensions["clock"]

    def attempt(ids: list[int]) -> None:
        try:
            deliver_now(db, app.extensions["notifiers"], ids, clock(), app.extensions["outbox_policy"])
        except Exception:
            # The rows are still pending: the sweep sends them on its next pass.
            log.exception("outbox: the attempt straight after the commit failed; the sweep will retry")

    def submit(ids: list[int]) -> Any:
        return pool.submit(attempt, ids)

    after_commit_send(db.sessions, submit)
