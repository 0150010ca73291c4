"""What one chat identity may see of its own work: unfinished drafts to resume and the requests it has raised.

Place in the flow: chat adapters' personal pages (Slack's App Home, a Teams personal tab) read these; nothing here
is shown in a shared channel. Also keeps text a person brought along when starting (a Slack message they turned
into a concern) as a suggested answer on the draft, offered when that question comes up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from intake.store.database import Database
from intake.store.draft import OPEN, Draft
from intake.store.referrer import Referrer
from intake.store.support_request import SupportRequest


@dataclass(frozen=True)
class DraftLine:
    id: str
    started_at: datetime
    updated_at: datetime
    step: str | None


@dataclass(frozen=True)
class RequestLine:
    id: int
    reference: str
    received_at: datetime
    status: str
    level: int
    route_label: str
    hub_outcome: str | None
    hub_level: int | None


def open_drafts(db: Database, channel: str, channel_user_id: str, limit: int = 5) -> list[DraftLine]:
    with db.reading() as s:
        rows = s.scalars(
            select(Draft)
            .where(Draft.channel == channel, Draft.channel_user_id == channel_user_id, Draft.status == OPEN)
            .order_by(Draft.updated_at.desc())
            .limit(limit)
        ).all()
        return [DraftLine(d.id, d.created_at, d.updated_at, d.step) for d in rows]


def requests_of(db: Database, channel: str, channel_user_id: str, limit: int = 10) -> list[RequestLine]:
    with db.reading() as s:
        rows = s.scalars(
            select(SupportRequest)
            .join(Referrer, SupportRequest.referrer_id == Referrer.id)
            .where(Referrer.channel == channel, Referrer.channel_user_id == channel_user_id)
            .order_by(SupportRequest.received_at.desc())
            .limit(limit)
        ).all()
        return [
            RequestLine(
                id=r.id,
                reference=r.reference or "",
                received_at=r.received_at,
                status=r.status,
                level=r.level,
                route_label=str(r.decision.get("route_label", r.route)),
                hub_outcome=r.hub_outcome,
                hub_level=r.hub_level,
            )
            for r in rows
        ]


def owns_open_draft(db: Database, draft_id: str, channel: str, channel_user_id: str) -> bool:
    with db.reading() as s:
        draft = s.get(Draft, draft_id)
        return (
            draft is not None
            and draft.status == OPEN
            and draft.channel == channel
            and draft.channel_user_id == channel_user_id
        )


def suggest_answer(db: Database, draft_id: str, question_id: str, text: str) -> None:
    """Keep `text` as the suggested answer to `question_id`; the person still sees, edits and confirms it."""
    with db.transaction() as s:
        draft = s.get(Draft, draft_id)
        if draft is None or draft.status != OPEN:
            return
        state = dict(draft.state)
        state["suggested"] = {**state.get("suggested", {}), question_id: text}
        draft.state = state


def suggested_answer(db: Database, draft_id: str, question_id: str) -> str | None:
    with db.reading() as s:
        state = s.scalar(select(Draft.state).where(Draft.id == draft_id))
    return ((state or {}).get("suggested") or {}).get(question_id)
