"""email_codes: one-time codes that confirm a referrer's work email (hashed), and the browsers that confirmed one

Revision ID: 0014_email_codes
Revises: 0013_staff_sessions_audit_keys
Create Date: 2026-12-08 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from intake.store.database import UtcDateTime

revision: str = "0014_email_codes"
down_revision: str | None = "0013_staff_sessions_audit_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("confirmed_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_email_codes_holder_email", "email_codes", ["holder", "email"])
    op.create_index("ix_email_codes_email_created", "email_codes", ["email", "created_at"])


def downgrade() -> None:
    op.drop_table("email_codes")
