"""One-time codes that confirm a work email (intake/verification/email_code.py issues and checks them).

A row holds a keyed hash of the code (HMAC with the app's secret key, bound to the browser and the address), never
the code itself; the browser is held as a keyed tag of its token, never the token. A confirmed row is also how a
browser is remembered: a confirmation younger than EMAIL_VERIFIED_DAYS means the same browser is not asked again.
The retention job's limit for these rows is their age: nothing in them names a child.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.store.database import Base, UtcDateTime

# What a code confirms the address for: submitting a request from the browser chat, or reading /my-requests.
REQUEST, MY_REQUESTS = "request", "my_requests"


class EmailCode(Base):
    __tablename__ = "email_codes"
    __table_args__ = (
        Index("ix_email_codes_holder_email", "holder", "email"),
        Index("ix_email_codes_email_created", "email", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Keyed tag of the browser's token (HMAC-SHA256, hex).
    holder: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    purpose: Mapped[str] = mapped_column(String(20))
    # Keyed hash of the code while it may still be typed; cleared once used, replaced or worn out.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    def __repr__(self) -> str:
        return f"<EmailCode {self.id} {self.purpose} confirmed={self.confirmed_at is not None}>"
