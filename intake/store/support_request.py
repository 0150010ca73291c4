"""A submitted request for support: the answers, the key facts as columns, and the routing decision with its why.

The bot's recommendation (level, route, reasons, rules version) is stored once and never changed; the hub's own
decision is recorded beside it, so an override is always visible against what the rules said.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.store.database import Base, UtcDateTime
from intake.store.referrer import Referrer

# Where a request is in the hub's hands.
AWAITING_DECISION = "awaiting_decision"
IN_TRIAGE = "in_triage"
DECIDED = "decided"
STATUSES = (AWAITING_DECISION, IN_TRIAGE, DECIDED)


# What the dashboard reads for a period besides received_at (see ix_support_requests_received).
DASHBOARD_COLUMNS = (
    "referring_agency",
    "referring_organisation",
    "level",
    "route",
    "status",
    "hub_outcome",
    "hub_level",
    "decided_at",
    "decision_due_at",
    "feedback_sent_at",
    "repeat_of_id",
    "verified_by",
)


# What the dashboard's repeat list reads of each repeat request (see ix_support_requests_repeats_received).
REPEAT_LIST_COLUMNS = ("id", "reference", "referring_agency", "level", "route", "repeat_of_id")


def format_reference(year: int, number: int) -> str:
    return f"RFS-{year}-{number:06d}"


def name_key(first: str | None, last: str | None) -> str | None:
    """Normalised name used to find earlier requests about the same child (a person confirms any match)."""
    if not first and not last:
        return None
    joined = f"{first or ''} {last or ''}".casefold()
    return " ".join("".join(ch for ch in joined if ch.isalnum() or ch.isspace()).split()) or None


class SupportRequest(Base):
    __tablename__ = "support_requests"
    __table_args__ = (
        Index("ix_support_requests_status_due", "status", "decision_due_at"),
        Index("ix_support_requests_child_name_dob", "child_name_key", "child_dob"),
        Index("ix_support_requests_child_postcode_dob", "child_postcode", "child_dob"),
        # On PostgreSQL the received_at index carries the columns the managers' dashboard counts, so a period's
        # figures are read from the index alone (index-only scan), half the time of visiting the table's rows.
        Index("ix_support_requests_received", "received_at", postgresql_include=list(DASHBOARD_COLUMNS)),
        # For the managers' dashboard: decisions made in a week, and a period narrowed to one agency or organisation.
        Index("ix_support_requests_decided", "decided_at"),
        Index("ix_support_requests_agency_received", "referring_agency", "received_at"),
        Index("ix_support_requests_organisation_received", "referring_organisation", "received_at"),
        # The dashboard's repeat list and its CSV: a period's repeat requests, and each one's earlier request, read
        # from these two indexes alone on PostgreSQL (a quarter's 30,000 repeats in a million rows otherwise cost a
        # full scan of the table for a hash join, or a heap visit per row).
        Index(
            "ix_support_requests_repeats_received",
            "received_at",
            postgresql_include=list(REPEAT_LIST_COLUMNS),
            postgresql_where=text("repeat_of_id IS NOT NULL"),
            sqlite_where=text("repeat_of_id IS NOT NULL"),
        ),
        Index("ix_support_requests_id_reference", "id", postgresql_include=["reference", "received_at"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    # One draft makes at most one request: a doubled submit finds this row instead of making another.
    draft_id: Mapped[str] = mapped_column(String(36), unique=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("referrers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())

    # Key facts as columns, for the queue, matching and the managers' figures.
    immediate_danger: Mapped[bool] = mapped_column(Boolean, default=False)
    referring_agency: Mapped[str | None] = mapped_column(String(50), index=True)
    referring_organisation: Mapped[str | None] = mapped_column(String(200))
    child_first_name: Mapped[str | None] = mapped_column(String(100))
    child_last_name: Mapped[str | None] = mapped_column(String(100))
    child_name_key: Mapped[str | None] = mapped_column(String(200))
    child_dob: Mapped[date | None] = mapped_column(Date)
    child_due_date: Mapped[date | None] = mapped_column(Date)
    child_postcode: Mapped[str | None] = mapped_column(String(10))
    concern_categories: Mapped[list[str]] = mapped_column(JSON, default=list)

    # Everything the person answered, and the routing facts derived from it.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)

    # The bot's recommendation and why.
    level: Mapped[int] = mapped_column(Integer, index=True)
    route: Mapped[str] = mapped_column(String(40), index=True)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    rules_version: Mapped[str] = mapped_column(String(80))

    # The hub's handling.
    status: Mapped[str] = mapped_column(String(20), default=AWAITING_DECISION)
    decision_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    assigned_to: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(254))
    hub_level: Mapped[int | None] = mapped_column(Integer)
    hub_outcome: Mapped[str | None] = mapped_column(String(40))
    hub_rationale: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    feedback_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The most recent earlier request about the same child within 12 months, set on submission
    # (intake.repeat_requests): what the managers' repeat-request figures count.
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("support_requests.id", ondelete="SET NULL"))
    # How the referrer was verified, worked out at submission (intake.verification): the code the queue and the
    # dashboard count (`email_partner`, `slack_other`...; None for requests raised before it was kept), and the
    # facts behind it that the request page shows.
    verified_by: Mapped[str | None] = mapped_column(String(30))
    verification: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    referrer: Mapped[Referrer] = relationship(lazy="joined")

    def summary(self) -> dict[str, Any]:
        """What may go into a shared channel: no child-identifying detail."""
        return {
            "reference": self.reference,
            "level": self.level,
            "route": self.route,
            "route_label": self.decision.get("route_label", self.route),
            "referring_agency": self.referring_agency,
            "decision_due_at": self.decision_due_at.isoformat() if self.decision_due_at else None,
            "status": self.status,
        }
