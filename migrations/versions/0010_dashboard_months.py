"""dashboard months: each London month's dashboard figures kept ready, marked stale by a trigger when a request changes

Revision ID: 0010_dashboard_months
Revises: 0009_dashboard_repeat_list
Create Date: 2026-11-24 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import intake.store.database

revision: str = "0010_dashboard_months"
down_revision: str | None = "0009_dashboard_repeat_list"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Any insert, update or delete of a request marks its month (London) stale: the dashboard then counts that month
# live until the clock refreshes it (hub.dashboard.rollup). A month not kept has no row and nothing to mark, so
# requests in the current month touch no row here.
POSTGRESQL = [
    """
    CREATE FUNCTION dashboard_months_mark_stale() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE dashboard_months SET stale = true
            WHERE month = date_trunc('month', OLD.received_at AT TIME ZONE 'Europe/London')::date AND NOT stale;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            UPDATE dashboard_months SET stale = true
            WHERE month = date_trunc('month', NEW.received_at AT TIME ZONE 'Europe/London')::date AND NOT stale;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER support_requests_dashboard_months AFTER INSERT OR UPDATE OR DELETE ON support_requests
    FOR EACH ROW EXECUTE FUNCTION dashboard_months_mark_stale()
    """,
]

# SQLite has no time zones: London is UTC or an hour ahead, so the months of the time and of an hour later cover it
# (at worst one extra month is marked stale, which only means counting it live).
_SQLITE_MARK = (
    "UPDATE dashboard_months SET stale = 1 WHERE NOT stale AND month IN "
    "(strftime('%Y-%m-01', {row}.received_at), strftime('%Y-%m-01', {row}.received_at, '+1 hour'));"
)
SQLITE = [
    f"CREATE TRIGGER support_requests_dashboard_months_insert AFTER INSERT ON support_requests "
    f"BEGIN {_SQLITE_MARK.format(row='NEW')} END",
    f"CREATE TRIGGER support_requests_dashboard_months_update AFTER UPDATE ON support_requests "
    f"BEGIN {_SQLITE_MARK.format(row='OLD')} {_SQLITE_MARK.format(row='NEW')} END",
    f"CREATE TRIGGER support_requests_dashboard_months_delete AFTER DELETE ON support_requests "
    f"BEGIN {_SQLITE_MARK.format(row='OLD')} END",
]


def upgrade() -> None:
    op.create_table(
        "dashboard_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("refreshed_at", intake.store.database.UtcDateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("decision_hours", sa.LargeBinary(), nullable=False),
        sa.Column("feedback_hours", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_dashboard_months")),
    )
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER support_requests_dashboard_months ON support_requests")
        op.execute("DROP FUNCTION dashboard_months_mark_stale()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER support_requests_dashboard_months_{event}")
    op.drop_table("dashboard_months")
