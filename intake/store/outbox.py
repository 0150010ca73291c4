"""The outbox: every message the service sends later (to the hub's channels, to a referrer's chat) is a row first.

A listener or a hub action adds rows inside its own transaction, so a message exists exactly when the change that
caused it commits. The clock's sweep (hub/outbox/sweep.py) claims due rows, delivers them outside any transaction,
and records the outcome. The payload is structured data, never platform text: each notifier renders its own.

A message someone is waiting for (a one-time code by mail) is also attempted straight after the commit that made
it: `enqueue` notes its id on the session and the app's after-commit hook (`after_commit_send`) hands the ids to
the hub, which delivers them at once; the sweep still retries them if that attempt fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from intake.store.database import Base, UtcDateTime

# Where a message is in its life.
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
STATUSES = (PENDING, SENDING, SENT, FAILED, CANCELLED)

CHANNELS = ("slack", "teams", "webchat", "console", "mail")

# Kinds in use; a notifier that meets a kind it does not know renders a generic message rather than failing.
KINDS = (
    "hub_new_request",
    "hub_request_updated",
    "referrer_receipt",
    "referrer_outcome",
    "still_being_considered",
    "triage_reminder",
    "triage_escalation",
    "early_help_review_checkin",
    "early_help_not_started",
    "draft_reminder",
    "weekly_summary",
    # Mail only (channel "mail"; recipient is the address).
    "email_code",
    "request_acknowledgement",
)
# Kinds a person is waiting for: attempted straight after the commit as well as by the sweep.
SEND_NOW_KINDS = frozenset({"email_code"})
# Payload fields that are secrets: removed from the row once it has been sent or has failed for good.
SECRET_FIELDS = ("code",)
# Where `enqueue` notes the ids to send straight after the commit (a session's `info`).
SEND_NOW = "outbox.send_now"
COMMITTED = "outbox.send_now.committed"

# A single address, nothing that could add a header or a second recipient.
_MAIL_ADDRESS = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")

LAST_ERROR_MAX = 200


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    # Where it goes, in the channel's terms: {"channel": "C123"}, a Teams conversation reference, {"referrer_id": 7},
    # {"email": "name@school.example.org"}.
    recipient: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("support_requests.id"), index=True)
    # Makes enqueueing idempotent: a retried listener or a second sweeper finds the row already there.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A short machine-made reason (exception class, HTTP status, platform error code); never message content.
    last_error: Mapped[str | None] = mapped_column(String(LAST_ERROR_MAX))
    # What the platform called the delivered message (Slack ts, Teams activity id), to update it later.
    external_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.channel}/{self.kind} {self.status}>"


def enqueue(
    session: Session,
    *,
    channel: str,
    kind: str,
    recipient: dict[str, Any] | str,
    payload: dict[str, Any],
    now: datetime,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
    request_id: int | None = None,
    send_now: bool | None = None,
) -> OutboxMessage:
    """Add a message inside the caller's transaction. The same `dedupe_key` twice returns the first row unchanged.

    For channel "mail" the recipient is the address itself (a string). `send_now` (default: the kinds in
    SEND_NOW_KINDS) asks for a delivery attempt straight after the caller's commit."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown outbox channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    recipient = mail_recipient(recipient) if channel == "mail" else recipient
    if not isinstance(recipient, dict):
        raise ValueError(f"the recipient of a {channel} message is a dict of the channel's address fields")
    message = _insert(session, channel, kind, recipient, payload, now, due_at, dedupe_key, request_id)
    if send_now if send_now is not None else kind in SEND_NOW_KINDS:
        session.info.setdefault(SEND_NOW, []).append(message.id)
    return message


def mail_recipient(recipient: dict[str, Any] | str) -> dict[str, str]:
    """{"email": address} from an address (or that dict), refusing anything but one plain address."""
    address = recipient.get("email") if isinstance(recipient, dict) else recipient
    if not isinstance(address, str) or len(address) > 254 or not _MAIL_ADDRESS.match(address.strip()):
        raise ValueError("a mail recipient must be one email address")
    return {"email": address.strip()}


def _insert(
    session: Session,
    channel: str,
    kind: str,
    recipient: dict[str, Any],
    payload: dict[str, Any],
    now: datetime,
    due_at: datetime | None,
    dedupe_key: str | None,
    request_id: int | None,
) -> OutboxMessage:
    values = {
        "channel": channel,
        "kind": kind,
        "recipient": recipient,
        "payload": payload,
        "request_id": request_id,
        "dedupe_key": dedupe_key,
        "status": PENDING,
        "attempts": 0,
        "due_at": due_at or now,
        "created_at": now,
    }
    if dedupe_key is None:
        message = OutboxMessage(**values)
        session.add(message)
        session.flush()
        return message
    existing = _by_key(session, dedupe_key)
    if existing is not None:
        return existing
    # INSERT ... ON CONFLICT DO NOTHING settles a race with another transaction on the unique key without an
    # exception, so the caller's transaction stays usable on both SQLite and PostgreSQL (no savepoint needed).
    session.flush()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]))
    found = _by_key(session, dedupe_key)
    assert found is not None
    return found


def _by_key(session: Session, dedupe_key: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))


def after_commit_send(sessions: Any, deliver: Callable[[list[int]], None]) -> None:
    """After each commit of a session made by `sessions` (a sessionmaker), call `deliver` with the ids of the
    messages that transaction enqueued with send_now, once the session has given its connection back (on SQLite
    the write lock with it). `deliver` must not block for long: the caller is still in the code that committed."""

    @event.listens_for(sessions, "after_commit")
    def _committed(session: Session) -> None:
        session.info[COMMITTED] = session.info.pop(SEND_NOW, [])

    @event.listens_for(sessions, "after_transaction_end")
    def _ended(session: Session, transaction: Any) -> None:
        if transaction.parent is not None:
            return  # a savepoint or an inner transaction: the outermost one decides
        session.info.pop(SEND_NOW, None)  # enqueued by a transaction that rolled back: nothing to send
        ids = session.info.pop(COMMITTED, None)
        if ids:
            deliver(list(ids))


def without_secrets(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload to keep once a message has gone (or never will): secrets such as a one-time code removed."""
    return {k: v for k, v in payload.items() if k not in SECRET_FIELDS}


def short_error(reason: str) -> str:
    """A reason cut to fit `last_error` (callers pass codes and class names, never message content)."""
    return " ".join(reason.split())[:LAST_ERROR_MAX]
