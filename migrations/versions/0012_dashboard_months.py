"""dashboard months: drop the rollups' triggers and table; keep each ended month's figures without locks or triggers

Revision ID: 0012_dashboard_months
Revises: 0011_referrer_verification
Create Date: 2026-12-04 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import intake.store.database

revision: str = "0012_dashboard_months"
down_revision: str | None = "0011_referrer_verification"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS support_requests_dashboard_rollups ON support_requests")
        op.execute("DROP FUNCTION IF EXISTS dashboard_rollups_mark_stale()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS support_requests_dashboard_rollups_{event}")
    op.drop_table("dashboard_rollups")
    op.create_table(
        "dashboard_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("format", sa.String(length=200), nullable=False),
        sa.Column("kept_at", intake.store.database.UtcDateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("decision_hours", sa.LargeBinary(), nullable=False),
        sa.Column("feedback_hours", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_dashboard_months")),
    )
    # Which kept months a late decision or feedback has changed (hub.dashboard.kept_months). Built without
    # blocking writes on PostgreSQL (CONCURRENTLY runs outside the migration's transaction).
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_support_requests_feedback_sent "
                "ON support_requests (feedback_sent_at)"
            )
    else:
        op.create_index("ix_support_requests_feedback_sent", "support_requests", ["feedback_sent_at"])


def downgrade() -> None:
    op.drop_index("ix_support_requests_feedback_sent", table_name="support_requests")
    op.drop_table("dashboard_months")
    # The rollups come back empty, with their triggers: the clock keeps them again.
    from importlib import import_module

    rollups = import_module("migrations.versions.0010_dashboard_rollups")
    rollups.upgrade()
