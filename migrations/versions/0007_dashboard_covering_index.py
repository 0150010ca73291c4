"""dashboard covering index: on PostgreSQL ix_support_requests_received INCLUDEs the columns the dashboard counts

Revision ID: 0007_dashboard_covering_index
Revises: 0006_repeat_requests
Create Date: 2026-11-23 19:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_dashboard_covering_index"
down_revision: str | None = "0006_repeat_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = [
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
]


def upgrade() -> None:
    # SQLite has no INCLUDE: there the plain index stays as it is.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_support_requests_received", table_name="support_requests")
    op.create_index("ix_support_requests_received", "support_requests", ["received_at"], postgresql_include=INCLUDED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_support_requests_received", table_name="support_requests")
    op.create_index("ix_support_requests_received", "support_requests", ["received_at"])
