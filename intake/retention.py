"""Retention: once a decided request is older than the retention period, remove its personal data.

What stays is what managers count (dates, agency type, level, route, outcome, timeliness), so the figures survive
while nothing about the child, the family or the concern remains. The referrer's own details are removed when they
have no request left that still needs them. Run by the clock daily; safe to run any number of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import Session

from intake.store import audit
from intake.store.draft import Draft
from intake.store.outbox import PENDING, SENDING, OutboxMessage
from intake.store.referrer import Referrer
from intake.store.request_note import RequestNote
from intake.store.support_request import DECIDED, SupportRequest

REDACTED = {"redacted": True}
REMOVED_ADDRESS = {"email": None, "removed": True}
# Answers kept after redaction: categorical, not identifying.
_KEPT_ANSWERS = ("immediate_danger", "referrer_agency", "concern_categories", "consent", "child_unborn")


@dataclass(frozen=True)
class RetentionReport:
    requests_redacted: int
    referrers_redacted: int
    drafts_deleted: int
    mail_addresses_removed: int = 0


def _kept(answers: dict) -> dict:
    return {k: answers[k] for k in _KEPT_ANSWERS if k in answers} | REDACTED


def purge_personal_data(session: Session, now: datetime, retention_days: int, batch: int = 500) -> RetentionReport:
    cutoff = now - timedelta(days=retention_days)
    due = session.scalars(
        select(SupportRequest)
        .where(
            SupportRequest.status == DECIDED,
            SupportRequest.decided_at < cutoff,
            SupportRequest.child_name_key.is_not(None)
            | SupportRequest.child_dob.is_not(None)
            | SupportRequest.child_postcode.is_not(None)
            | SupportRequest.child_due_date.is_not(None)
            | SupportRequest.child_first_name.is_not(None)
            | SupportRequest.child_last_name.is_not(None),
        )
        .limit(batch)
    ).all()
    for request in due:
        request.child_first_name = request.child_last_name = request.child_name_key = None
        request.child_dob = request.child_due_date = None
        request.child_postcode = None
        request.answers = _kept(request.answers)
        request.hub_rationale = "[removed under the retention policy]" if request.hub_rationale else None
        request.override_reason = "[removed under the retention policy]" if request.override_reason else None
        audit.record(
            session,
            at=now,
            actor="system:retention",
            action="request.personal_data_removed",
            request_id=request.id,
            detail={"retention_days": retention_days},
        )
    if due:
        # Hub notes are free text about the child: they go with the rest.
        session.execute(delete(RequestNote).where(RequestNote.request_id.in_([r.id for r in due])))

    # A referrer with no request still inside retention (or undecided) no longer needs to be known.
    live = exists().where(
        SupportRequest.referrer_id == Referrer.id,
        (SupportRequest.status != DECIDED) | (SupportRequest.decided_at >= cutoff),
    )
    referrers = session.execute(
        update(Referrer)
        .where(Referrer.updated_at < cutoff, ~live, Referrer.name.is_not(None) | Referrer.email.is_not(None))
        .values(name=None, role=None, organisation=None, phone=None, email=None, address=None)
        .execution_options(synchronize_session=False)
    ).rowcount

    # A mail that went (or never will) keeps its recipient's address no longer than the referrer's own details.
    mail = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == "mail",
            OutboxMessage.status.not_in((PENDING, SENDING)),
            OutboxMessage.created_at < cutoff,
            OutboxMessage.recipient["email"].as_string().is_not(None),
        )
        .values(recipient=REMOVED_ADDRESS)
        .execution_options(synchronize_session=False)
    ).rowcount

    # Drafts that were never submitted hold answers nobody will send; the follow-ups clock deletes abandoned
    # ones sooner, this is the backstop.
    stale_drafts = session.scalars(
        select(Draft).where(and_(Draft.updated_at < cutoff, Draft.status != "submitted")).limit(batch)
    ).all()
    for draft in stale_drafts:
        session.delete(draft)
    session.flush()
    return RetentionReport(len(due), referrers or 0, len(stale_drafts), mail or 0)


__all__ = ["RetentionReport", "purge_personal_data"]
