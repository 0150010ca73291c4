"""dashboard indexes: decisions by date, and periods narrowed to an agency or organisation

Revision ID: 0003_dashboard_indexes
Revises: 0002_outbox
Create Date: 2026-11-23 18:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_dashboard_indexes"
down_revision: str | None = "0002_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.create_index("ix_support_requests_decided", ["decided_at"], unique=False)
        batch_op.create_index("ix_support_requests_agency_received", ["referring_agency", "received_at"], unique=False)
        batch_op.create_index(
            "ix_support_requests_organisation_received", ["referring_organisation", "received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_support_requests_organisation_received")
        batch_op.drop_index("ix_support_requests_agency_received")
        batch_op.drop_index("ix_support_requests_decided")
