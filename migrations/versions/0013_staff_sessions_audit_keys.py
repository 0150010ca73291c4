"""staff sessions, stable single sign-on keys, keyed audit hashes

- staff_accounts.session_version: in every hub session cookie; raised by sign-out, a password change, a role change
  and disabling, which ends every session of that person at once.
- staff_accounts.sso_issuer / sso_subject: the identity provider's stable key for the person (never the email claim).
- staff_accounts.usual_place: a keyed tag of the address the person last signed in from (sign-in back-off spares it).
- audit_events.keyed: events written from now on carry an HMAC keyed outside the database; events already stored
  keep their plain SHA-256 hashes (keyed = false) and stay covered, because the first keyed event's MAC covers the
  last plain hash.

Revision ID: 0013_staff_sessions_audit_keys
Revises: 0012_dashboard_months
Create Date: 2026-12-08 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_staff_sessions_audit_keys"
down_revision: str | None = "0012_dashboard_months"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("sso_issuer", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("sso_subject", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("usual_place", sa.String(length=32), nullable=True))
        batch.create_unique_constraint("uq_staff_accounts_sso_key", ["sso_issuer", "sso_subject"])
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("keyed", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("keyed")
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_constraint("uq_staff_accounts_sso_key", type_="unique")
        batch.drop_column("usual_place")
        batch.drop_column("sso_subject")
        batch.drop_column("sso_issuer")
        batch.drop_column("session_version")
