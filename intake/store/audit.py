"""The append-only audit log: who did what to which request, chained by keyed hash so that tampering shows.

Place in the flow: every hub view and change, sign-in and `earlyhelp users` change -> **audit** (in the caller's
transaction) -> read by the hub's audit trail page (hub.audit_trail) and checked whole by `earlyhelp audit verify`
(app.cli.audit).

- Each event's hash is an HMAC-SHA256, keyed with the audit key (AUDIT_KEY, or one derived from SECRET_KEY for this
  purpose only), over its content and the previous event's hash. The key is never in the database, so whoever can
  write to the database can delete or edit events but cannot make the chain fit again.
- After every commit that added events, the newest event's id and hash (a *checkpoint*) are appended to a file the
  database cannot rewrite (AUDIT_CHECKPOINT_FILE, by default `audit-checkpoints.log` in the instance folder) and
  written to the log. A deleted or edited newest event no longer matches the last checkpoint.
- Events written before the key existed (migration 0013) keep their plain SHA-256 hashes (`keyed` false); the first
  keyed event's MAC covers the last of them, so they are protected from then on. A plain event after a keyed one is
  itself a sign of tampering.

Appends are serialised (an advisory lock on PostgreSQL; SQLite allows one writer anyway) so the chain never forks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from intake.store.database import Base, UtcDateTime

GENESIS = "0" * 64
_AUDIT_LOCK_KEY = 0x45484155  # "EHAU": one advisory lock id for the audit chain
SEAL_INFO = "audit_seal"  # where a Database's sessions carry the seal (Session.info)
_HEAD_INFO = "audit_head"
log = logging.getLogger("earlyhelp.audit")


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("support_requests.id"), index=True)
    # Structured detail only; never free-text concern details.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # False only for events stored before hashes were keyed (plain SHA-256).
    keyed: Mapped[bool] = mapped_column(Boolean, default=True, server_default="0")


@dataclass(frozen=True)
class AuditSeal:
    """The audit key and where checkpoints go. `database` names the database (keyed, so not its URL) in each
    checkpoint line, so one file can serve several databases (and tests) without confusing them."""

    key: bytes = field(repr=False)
    checkpoints: Path | None = None
    database: str = ""

    @classmethod
    def for_database(cls, key: bytes, database_url: str, checkpoints: Path | None) -> AuditSeal:
        tag = hmac.new(key, b"database:" + database_url.encode(), hashlib.sha256).hexdigest()[:16]
        return cls(key=key, checkpoints=checkpoints, database=tag)

    def digest(self, prev: str, at: datetime, actor: str, action: str, request_id: int | None, detail: dict) -> str:
        return hmac.new(self.key, _body(prev, at, actor, action, request_id, detail), hashlib.sha256).hexdigest()

    def tag(self, purpose: str, value: str) -> str:
        """A short keyed, non-reversible tag of `value` (e.g. a typed sign-in email), for matching, not reading."""
        return hmac.new(self.key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:16]

    def write_checkpoint(self, event_id: int, event_hash: str, at: datetime) -> None:
        line = f"{self.database} {event_id} {event_hash} {at.astimezone(UTC).isoformat()}\n"
        log.info("audit checkpoint: database %s event %d hash %s", self.database, event_id, event_hash)
        if self.checkpoints is None:
            return
        try:
            self.checkpoints.parent.mkdir(parents=True, exist_ok=True)
            # One short write to a file opened for appending: whole lines, even with several workers writing.
            fd = os.open(self.checkpoints, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        except OSError as err:
            log.error("audit checkpoint not written to its file: %s", type(err).__name__)

    def read_checkpoints(self, path: Path | None = None) -> Iterator[tuple[int, str]]:
        """(event id, hash) for each checkpoint of this database in the file, oldest line first."""
        path = path or self.checkpoints
        if path is None or not path.exists():
            return
        with path.open() as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[0] == self.database and parts[1].isdigit():
                    yield int(parts[1]), parts[2]

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """The highest checkpointed event of this database, read from the file's tail only (cheap per page)."""
        if self.checkpoints is None or not self.checkpoints.exists():
            return None
        with self.checkpoints.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 16384))
            tail = f.read().decode(errors="replace").splitlines()
        best: tuple[int, str] | None = None
        for line in tail:
            parts = line.split()
            mine = len(parts) >= 3 and parts[0] == self.database and parts[1].isdigit()
            if mine and (best is None or int(parts[1]) > best[0]):
                best = (int(parts[1]), parts[2])
        return best


# Sessions of a Database built without a seal (some tests, the benches) get one for this process only.
_PROCESS_SEAL = AuditSeal(key=secrets.token_bytes(32))


def seal_of(session: Session) -> AuditSeal:
    seal = session.info.get(SEAL_INFO)
    return seal if isinstance(seal, AuditSeal) else _PROCESS_SEAL


def _body(prev_hash: str, at: datetime, actor: str, action: str, request_id: int | None, detail: dict) -> bytes:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = json.dumps([prev_hash, stamp, actor, action, request_id, detail], sort_keys=True, separators=(",", ":"))
    return body.encode()


def _plain_digest(prev_hash: str, at: datetime, actor: str, action: str, request_id: int | None, detail: dict) -> str:
    """The unkeyed hash of events stored before migration 0013."""
    return hashlib.sha256(_body(prev_hash, at, actor, action, request_id, detail)).hexdigest()


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    request_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction; its checkpoint is written once the transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY})
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    detail = detail or {}
    seal = seal_of(session)
    audit_event = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        request_id=request_id,
        detail=detail,
        prev_hash=prev,
        hash=seal.digest(prev, at, actor, action, request_id, detail),
        keyed=True,
    )
    session.add(audit_event)
    session.flush()
    session.info[_HEAD_INFO] = (audit_event.id, audit_event.hash, at)
    return audit_event


@event.listens_for(Session, "after_commit")
def _checkpoint_after_commit(session: Session) -> None:
    head = session.info.pop(_HEAD_INFO, None)
    if head is not None:
        seal_of(session).write_checkpoint(*head)


@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _no_checkpoint_after_rollback(session: Session, *_previous: object) -> None:
    # After any rollback (a savepoint's too) the recorded head may not exist: skip this checkpoint, never name it.
    session.info.pop(_HEAD_INFO, None)


@dataclass(frozen=True)
class Problem:
    event_id: int
    why: str


def event_problem(seal: AuditSeal, e: AuditEvent, prev: str, after_keyed: bool) -> str | None:
    """What is wrong with one event given the hash of the event before it, or None."""
    if e.prev_hash != prev:
        return "it does not follow the event before it: an event before it was removed, or this one was changed"
    if not e.keyed and after_keyed:
        return "it claims an unkeyed hash after keyed events: it was rewritten"
    digest = seal.digest if e.keyed else _plain_digest
    if e.hash != digest(prev, e.at, e.actor, e.action, e.request_id, e.detail):
        return "its content does not match its hash: it was changed"
    return None


def verify_chain(
    events: Iterable[AuditEvent], seal: AuditSeal, checkpoints: Iterable[tuple[int, str]] = ()
) -> Problem | None:
    """The first event (lowest id) that does not fit the chain or its checkpoint, or None when all is intact.

    `events` in id order, the whole log; `checkpoints` as read from the checkpoint file. A checkpoint whose event is
    gone means events were removed (even the newest); one whose hash differs means its event was rewritten."""
    expected: dict[int, set[str]] = {}
    for event_id, event_hash in checkpoints:
        expected.setdefault(event_id, set()).add(event_hash)
    prev, after_keyed, found = GENESIS, False, None
    for e in events:
        why = event_problem(seal, e, prev, after_keyed)
        # Two hashes for one id: the event was removed and SQLite gave its id to the next one.
        if why is None and e.id in expected and expected.pop(e.id) != {e.hash}:
            why = "it differs from its checkpoint: it was rewritten, or removed and its id used again"
        if why is not None:
            found = Problem(e.id, why)
            break
        expected.pop(e.id, None)
        prev, after_keyed = e.hash, after_keyed or e.keyed
    missing = [event_id for event_id in expected if found is None or event_id < found.event_id]
    if missing:
        return Problem(min(missing), "it is missing, but a checkpoint recorded it: it was removed")
    return found
