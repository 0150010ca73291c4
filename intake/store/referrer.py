"""The professional who raises a concern, remembered per chat identity so they confirm, not re-type, next time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from intake.store.database import Base, UtcDateTime


class Referrer(Base):
    __tablename__ = "referrers"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id", name="uq_referrers_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The chat identity: ("webchat", browser id), ("slack", "T123:U456"), ("teams", aad object id)...
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    agency: Mapped[str | None] = mapped_column(String(50))
    organisation: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    # How to reach this person in their own chat later (Slack user/DM id, Teams conversation reference).
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    def profile(self) -> dict[str, str]:
        return {
            k: v
            for k, v in {
                "referrer_name": self.name,
                "referrer_role": self.role,
                "referrer_agency": self.agency,
                "referrer_organisation": self.organisation,
                "referrer_phone": self.phone,
                "referrer_email": self.email,
            }.items()
            if v
        }
