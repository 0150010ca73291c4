"""referrer verification: how each request's referrer was verified (email code, Slack workspace, Teams tenant)

Revision ID: 0011_referrer_verification
Revises: 0010_dashboard_rollups
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_referrer_verification"
down_revision: str | None = "0010_dashboard_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The dashboard counts requests by how their referrer was verified: on PostgreSQL the received_at index carries
# that column too, so the period's figures stay an index-only scan (see 0007).
INCLUDED_BEFORE = [
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
INCLUDED = [*INCLUDED_BEFORE, "verified_by"]


def upgrade() -> None:
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_by", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("verification", sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_support_requests_received", table_name="support_requests")
        op.create_index(
            "ix_support_requests_received", "support_requests", ["received_at"], postgresql_include=INCLUDED
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_support_requests_received", table_name="support_requests")
        op.create_index(
            "ix_support_requests_received", "support_requests", ["received_at"], postgresql_include=INCLUDED_BEFORE
        )
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.drop_column("verification")
        batch_op.drop_column("verified_by")
