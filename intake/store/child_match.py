"""Possible earlier requests about the same child, and what a person decided about each.

Matching is deliberately loose (same normalised name and date of birth, or same postcode and date of birth) and
never automatic: the hub sees possible matches and a person confirms or rejects each one; the verdict is kept here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, and_, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from intake.store import audit
from intake.store.database import Base, UtcDateTime
from intake.store.support_request import SupportRequest

SAME = "same_child"
NOT_SAME = "not_same_child"
VERDICTS = {SAME: "Same child", NOT_SAME: "Not the same child"}


class ChildMatch(Base):
    __tablename__ = "child_matches"
    __table_args__ = (UniqueConstraint("request_id", "other_request_id", name="uq_child_matches_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("support_requests.id"), index=True)
    other_request_id: Mapped[int] = mapped_column(ForeignKey("support_requests.id"))
    verdict: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[str] = mapped_column(String(254))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class PossibleMatch:
    request: SupportRequest
    on: tuple[str, ...]  # which facts matched: "name and date of birth", "postcode and date of birth"
    verdict: str | None


def possible_matches(session: Session, request: SupportRequest, limit: int = 50) -> list[PossibleMatch]:
    """Other requests that may be about the same child, newest first, with any verdict already recorded."""
    if request.child_dob is None:
        return []
    same_name = and_(
        SupportRequest.child_name_key.is_not(None), SupportRequest.child_name_key == request.child_name_key
    )
    same_postcode = and_(
        SupportRequest.child_postcode.is_not(None), SupportRequest.child_postcode == request.child_postcode
    )
    wanted = []
    if request.child_name_key:
        wanted.append(same_name)
    if request.child_postcode:
        wanted.append(same_postcode)
    if not wanted:
        return []
    rows = session.scalars(
        select(SupportRequest)
        .where(SupportRequest.id != request.id, SupportRequest.child_dob == request.child_dob, or_(*wanted))
        .order_by(SupportRequest.received_at.desc())
        .limit(limit)
    ).all()
    verdicts = dict(
        session.execute(
            select(ChildMatch.other_request_id, ChildMatch.verdict).where(ChildMatch.request_id == request.id)
        ).all()
    )
    matches = []
    for other in rows:
        on = []
        if request.child_name_key and other.child_name_key == request.child_name_key:
            on.append("name and date of birth")
        if request.child_postcode and other.child_postcode == request.child_postcode:
            on.append("postcode and date of birth")
        matches.append(PossibleMatch(other, tuple(on), verdicts.get(other.id)))
    return matches


def record_verdict(
    session: Session, request_id: int, other_request_id: int, verdict: str, actor: str, now: datetime
) -> ChildMatch:
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
    row = session.scalar(
        select(ChildMatch).where(ChildMatch.request_id == request_id, ChildMatch.other_request_id == other_request_id)
    )
    if row is None:
        row = ChildMatch(request_id=request_id, other_request_id=other_request_id)
        session.add(row)
    previous = row.verdict
    row.verdict, row.decided_by, row.decided_at = verdict, actor, now
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="child_match.recorded",
        request_id=request_id,
        detail={"other_request_id": other_request_id, "verdict": verdict, "previously": previous},
    )
    return row
