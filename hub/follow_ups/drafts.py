"""Unfinished drafts, swept with the follow-ups: one reminder in the person's own chat a working day after their
last answer, and deletion after DRAFT_RETENTION_DAYS. Queries over draft rows, not scheduled rows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from hub.follow_ups.plan import FollowUpPlan
from hub.follow_ups.schedule import schedule
from intake.referrer_reach import ways_back
from intake.store import audit
from intake.store.database import Database
from intake.store.draft import ABANDONED, SUBMITTED, Draft
from intake.store.draft import CANCELLED as DRAFT_CANCELLED
from intake.store.draft import OPEN as DRAFT_OPEN
from intake.store.follow_up import DONE, FollowUp
from intake.store.outbox import enqueue
from intake.store.referrer import Referrer
from intake.working_day import working_deadline

log = logging.getLogger("earlyhelp.follow_up")


def remind_idle_drafts(db: Database, plan: FollowUpPlan, now: datetime, limit: int = 200) -> int:
    """Remind the person once about a draft untouched for a working day, in their own chat. A browser person with
    no saved details cannot be reached; the page greets them with their saved answers when they come back."""
    oldest = now - timedelta(days=plan.draft_retention_days)
    latest = now - timedelta(days=1)
    reminded = 0
    with db.transaction() as s:
        drafts = s.scalars(
            select(Draft)
            .where(
                Draft.status == DRAFT_OPEN,
                Draft.updated_at <= latest,
                Draft.updated_at > oldest,
                ~exists().where(FollowUp.draft_id == Draft.id, FollowUp.kind == "draft_reminder"),
            )
            .order_by(Draft.updated_at)
            .limit(limit)
        ).all()
        for draft in drafts:
            due = working_deadline(draft.updated_at, plan.draft_reminder_working_days, plan.hours)
            if due > now:
                continue
            target = _draft_recipient(s, draft)
            row = schedule(
                s,
                None,
                "draft_reminder",
                due,
                now,
                draft_id=draft.id,
                dedupe_key=f"draft_reminder:{draft.id}",
                status=DONE,
            )
            if target is None:
                row.outcome = "no way to reach this person"
                continue
            channel, recipient = target
            enqueue(
                s,
                channel=channel,
                kind="draft_reminder",
                recipient=recipient,
                payload={"draft_id": draft.id, "started_at": draft.created_at.isoformat(), "step": draft.step},
                now=now,
                dedupe_key=f"draft_reminder:{draft.id}",
            )
            row.outcome = "sent"
            reminded += 1
    return reminded


def _draft_recipient(session: Session, draft: Draft) -> tuple[str, dict[str, Any]] | None:
    """Where the person hears back (intake.referrer_reach), or, for a Slack draft not yet tied to a referrer, the
    Slack user the draft belongs to."""
    referrer = session.get(Referrer, draft.referrer_id) if draft.referrer_id else None
    ways = ways_back(referrer) if referrer is not None and referrer.channel == draft.channel else []
    if ways:
        return ways[0].channel, ways[0].recipient
    if draft.channel == "slack" and ":" in draft.channel_user_id:
        team, user = draft.channel_user_id.split(":", 1)
        return "slack", {"team_id": team, "user_id": user}
    return None


def delete_abandoned_drafts(db: Database, plan: FollowUpPlan, now: datetime, limit: int = 500) -> int:
    """Delete drafts (and their answers) nobody has touched for DRAFT_RETENTION_DAYS. Submitted drafts stay: their
    answers are part of the request."""
    cutoff = now - timedelta(days=plan.draft_retention_days)
    with db.transaction() as s:
        ids = s.scalars(
            select(Draft.id)
            .where(Draft.status.in_((DRAFT_OPEN, DRAFT_CANCELLED, ABANDONED, "closed")), Draft.updated_at < cutoff)
            .where(Draft.status != SUBMITTED)
            .order_by(Draft.updated_at)
            .limit(limit)
        ).all()
        if not ids:
            return 0
        s.execute(delete(Draft).where(Draft.id.in_(ids)).execution_options(synchronize_session=False))
        audit.record(
            s,
            at=now,
            actor="system:clock",
            action="drafts.deleted",
            detail={"count": len(ids), "retention_days": plan.draft_retention_days},
        )
    log.info("deleted %d drafts untouched for %d days", len(ids), plan.draft_retention_days)
    return len(ids)
