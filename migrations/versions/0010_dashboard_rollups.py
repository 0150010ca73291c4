"""dashboard rollups: each London month's and day's dashboard figures kept, marked stale by a trigger on any change

Revision ID: 0010_dashboard_rollups
Revises: 0009_dashboard_repeat_list
Create Date: 2026-11-24 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import intake.store.database

revision: str = "0010_dashboard_rollups"
down_revision: str | None = "0009_dashboard_repeat_list"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Any insert, update or delete of a request marks its month and day (London) stale: the dashboard then counts them
# live until the clock refreshes them (hub.dashboard.rollup). Today is never kept, so a new request finds no row
# to mark and locks nothing here.
_PG_MARK = """
            UPDATE dashboard_rollups SET stale = true
            WHERE NOT stale AND (
                (span = 'month' AND start = date_trunc('month', {row}.received_at AT TIME ZONE 'Europe/London')::date)
                OR (span = 'day' AND start = (({row}.received_at AT TIME ZONE 'Europe/London')::date)));"""
POSTGRESQL = [
    f"""
    CREATE FUNCTION dashboard_rollups_mark_stale() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN {_PG_MARK.format(row="OLD")}
        END IF;
        IF TG_OP <> 'DELETE' THEN {_PG_MARK.format(row="NEW")}
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER support_requests_dashboard_rollups AFTER INSERT OR UPDATE OR DELETE ON support_requests
    FOR EACH ROW EXECUTE FUNCTION dashboard_rollups_mark_stale()
    """,
]

# SQLite has no time zones: London is UTC or an hour ahead, so the month and day of the time and of an hour later
# cover it (at worst one more is marked stale than need be, which only means counting it live).
_SQLITE_MARK = (
    "UPDATE dashboard_rollups SET stale = 1 WHERE NOT stale AND ("
    "(span = 'month' AND start IN "
    "(strftime('%Y-%m-01', {row}.received_at), strftime('%Y-%m-01', {row}.received_at, '+1 hour'))) "
    "OR (span = 'day' AND start IN (date({row}.received_at), date({row}.received_at, '+1 hour'))));"
)
SQLITE = [
    f"CREATE TRIGGER support_requests_dashboard_rollups_insert AFTER INSERT ON support_requests "
    f"BEGIN {_SQLITE_MARK.format(row='NEW')} END",
    f"CREATE TRIGGER support_requests_dashboard_rollups_update AFTER UPDATE ON support_requests "
    f"BEGIN {_SQLITE_MARK.format(row='OLD')} {_SQLITE_MARK.format(row='NEW')} END",
    f"CREATE TRIGGER support_requests_dashboard_rollups_delete AFTER DELETE ON support_requests "
    f"BEGIN {_SQLITE_MARK.format(row='OLD')} END",
]


def upgrade() -> None:
    op.create_table(
        "dashboard_rollups",
        sa.Column("span", sa.String(length=5), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("format", sa.String(length=200), nullable=False),
        sa.Column("refreshed_at", intake.store.database.UtcDateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("decision_hours", sa.LargeBinary(), nullable=False),
        sa.Column("feedback_hours", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("span", "start", name=op.f("pk_dashboard_rollups")),
    )
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER support_requests_dashboard_rollups ON support_requests")
        op.execute("DROP FUNCTION dashboard_rollups_mark_stale()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER support_requests_dashboard_rollups_{event}")
    op.drop_table("dashboard_rollups")
