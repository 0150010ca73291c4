"""Slack's own tables: Events API deliveries already handled, and (for several workspaces) installations and
OAuth states.

Place in the flow: the event middleware records each `event_id` before acting, so Slack's retries of a delivery
(`X-Slack-Retry-Num`) do nothing twice. The installation tables are slack_sdk's own `SQLAlchemyInstallationStore` /
`SQLAlchemyOAuthStateStore` layouts, declared on our metadata so that Alembic creates them like every other table.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from intake.store.database import Base, Database, UtcDateTime

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"

installations = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, INSTALLATIONS_TABLE)
bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, BOTS_TABLE)
oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, OAUTH_STATES_TABLE)


class SlackEvent(Base):
    """One Events API delivery handled; the primary key makes a retried delivery a no-op."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


def first_delivery(db: Database, event_id: str, team_id: str | None, now: datetime) -> bool:
    """Record the event; False when it was recorded before (Slack is retrying a delivery we already handled)."""
    try:
        with db.transaction() as s:
            s.add(SlackEvent(event_id=event_id[:64], team_id=team_id, received_at=now))
    except IntegrityError:
        return False
    return True


def forget_events_before(db: Database, cutoff: datetime) -> int:
    """Slack retries for minutes, not days: old receipts can go."""
    with db.transaction() as s:
        return s.execute(delete(SlackEvent).where(SlackEvent.received_at < cutoff)).rowcount or 0
