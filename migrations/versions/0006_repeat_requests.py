"""repeat requests: support_requests.repeat_of_id, set on submission, backfilled here for existing requests

Revision ID: 0006_repeat_requests
Revises: 0006_hub_staff
Create Date: 2026-11-23 19:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_repeat_requests"
down_revision: str | None = "0006_hub_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The most recent earlier request about the same child (same date of birth and the same name key or postcode)
# in the 12 months before; the same rule as intake.repeat_requests, written out so this migration never changes.
BACKFILL = """
UPDATE support_requests SET repeat_of_id = (
    SELECT earlier.id FROM support_requests AS earlier
    WHERE earlier.child_dob = support_requests.child_dob
      AND (earlier.child_name_key = support_requests.child_name_key
           OR earlier.child_postcode = support_requests.child_postcode)
      AND earlier.received_at < support_requests.received_at
      AND earlier.received_at >= {twelve_months_before}
    ORDER BY earlier.received_at DESC, earlier.id DESC
    LIMIT 1)
WHERE child_dob IS NOT NULL
"""


def upgrade() -> None:
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_support_requests_repeat_of_id_support_requests"),
            "support_requests",
            ["repeat_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
    if op.get_bind().dialect.name == "postgresql":
        window = "support_requests.received_at - interval '12 months'"
    else:
        window = "datetime(support_requests.received_at, '-12 months')"
    op.execute(BACKFILL.format(twelve_months_before=window))


def downgrade() -> None:
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_support_requests_repeat_of_id_support_requests"), type_="foreignkey")
        batch_op.drop_column("repeat_of_id")
