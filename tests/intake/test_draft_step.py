"""The conversation's driver-level hot path stores exactly what the ORM would, and keeps the optimistic lock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from intake.store.database import Database
from intake.store.draft import OPEN, Draft
from intake.store.draft_step import DraftSteps

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 24, 10, 5, 30, 123456, tzinfo=UTC)


@pytest.fixture
def db(database_url: str):  # type: ignore[no-untyped-def]
    database = Database(database_url)
    yield database
    database.dispose()


def _draft(db: Database, state: dict) -> str:
    with db.transaction() as s:
        s.add(
            Draft(
                id="d-1",
                channel="webchat",
                channel_user_id="person-1",
                status=OPEN,
                step=state.get("step"),
                state=state,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return "d-1"


def test_a_step_round_trips_through_the_orm(db: Database) -> None:
    draft_id = _draft(db, {"answers": {"immediate_danger": False}, "step": "referrer_name"})
    steps = DraftSteps(db.engine)
    new_state = {"answers": {"immediate_danger": False, "referrer_name": "Sam Sample"}, "step": "referrer_role"}
    with steps.connection() as conn:
        loaded = conn.load(draft_id)
        assert loaded is not None
        assert (loaded.channel, loaded.channel_user_id, loaded.status) == ("webchat", "person-1", OPEN)
        assert loaded.state["answers"] == {"immediate_danger": False}
        assert conn.save(loaded, new_state, LATER)
    with db.reading() as s:
        stored = s.get(Draft, draft_id)
        assert stored is not None
        assert stored.state == new_state
        assert stored.step == "referrer_role"
        assert stored.updated_at == LATER  # aware UTC, microseconds kept, as the ORM writes it
        assert stored.version == loaded.version + 1
    # And the ORM's own optimistic lock still agrees with the version the hot path wrote.
    with db.transaction() as s:
        orm_draft = s.get(Draft, draft_id)
        assert orm_draft is not None
        orm_draft.step = "referrer_agency"


def test_a_save_from_a_stale_read_changes_nothing(db: Database) -> None:
    draft_id = _draft(db, {"answers": {}, "step": "immediate_danger"})
    steps = DraftSteps(db.engine)
    with steps.connection() as conn:
        first = conn.load(draft_id)
    with steps.connection() as conn:
        second = conn.load(draft_id)
    assert first is not None and second is not None
    with steps.connection() as conn:
        assert conn.save(first, {"answers": {"immediate_danger": False}, "step": "referrer_name"}, LATER)
        # The second delivery of the same message loaded the same version: its write must not land.
        assert not conn.save(second, {"answers": {"immediate_danger": True}, "step": "carry_on"}, LATER)
    with db.reading() as s:
        assert s.scalar(select(Draft.state).where(Draft.id == draft_id))["answers"] == {"immediate_danger": False}


def test_an_unknown_draft_loads_as_none(db: Database) -> None:
    with DraftSteps(db.engine).connection() as conn:
        assert conn.load("no-such-draft") is None


def test_connections_go_back_to_the_pool_as_the_rest_of_the_service_expects(db: Database) -> None:
    """On PostgreSQL the hot path runs in autocommit; a connection handed back must be transactional again."""
    draft_id = _draft(db, {"answers": {}, "step": "immediate_danger"})
    steps = DraftSteps(db.engine)
    for _ in range(3):
        with steps.connection() as conn:
            loaded = conn.load(draft_id)
            assert loaded is not None
            conn.save(loaded, loaded.state, LATER)
    with db.engine.connect() as conn:
        driver = conn.connection.driver_connection
        if db.is_postgresql:
            assert driver.autocommit is False  # type: ignore[union-attr]
        else:
            assert not driver.in_transaction  # type: ignore[union-attr]
