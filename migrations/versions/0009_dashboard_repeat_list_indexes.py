"""dashboard repeat list indexes: a period's repeat requests, and each one's earlier request, from indexes alone

Revision ID: 0009_dashboard_repeat_list
Revises: 0008_hub_notes_matches
Create Date: 2026-11-24 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_dashboard_repeat_list"
down_revision: str | None = "0008_hub_notes_matches"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPEATS = sa.text("repeat_of_id IS NOT NULL")


def upgrade() -> None:
    # SQLite ignores INCLUDE: there these are a plain partial index and a plain index on id.
    op.create_index(
        "ix_support_requests_repeats_received",
        "support_requests",
        ["received_at"],
        postgresql_include=["id", "reference", "referring_agency", "level", "route", "repeat_of_id"],
        postgresql_where=REPEATS,
        sqlite_where=REPEATS,
    )
    op.create_index(
        "ix_support_requests_id_reference",
        "support_requests",
        ["id"],
        postgresql_include=["reference", "received_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_support_requests_id_reference", table_name="support_requests")
    op.drop_index("ix_support_requests_repeats_received", table_name="support_requests")
