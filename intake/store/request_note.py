"""Notes hub staff add to a request while triaging it: free text, so kept here and never copied into the audit log
or a shared channel (the audit log records only that a note was added, by whom)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from intake.store.database import Base, UtcDateTime

MAX_NOTE = 5000


class RequestNote(Base):
    __tablename__ = "request_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("support_requests.id"), index=True)
    author: Mapped[str] = mapped_column(String(254))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


def notes_for(session: Session, request_id: int) -> list[RequestNote]:
    return list(
        session.scalars(select(RequestNote).where(RequestNote.request_id == request_id).order_by(RequestNote.id))
    )
