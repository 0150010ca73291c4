"""Pooled PostgreSQL connections are checked before use unless they were working a moment ago."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from intake.store.database import build_engine, ping_when_idle


@pytest.fixture
def pg_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("connection checks are for PostgreSQL (SQLite has no server to lose)")
    return database_url


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _kill(url: str, pid: int) -> None:
    """What a database restart or an idle-connection reaper does to one pooled connection."""
    admin = create_engine(url)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()
    admin.dispose()


def test_an_idle_connection_that_died_is_replaced_unseen(pg_url: str) -> None:
    engine = create_engine(pg_url)
    ping_when_idle(engine, trusted_for=0.0)  # every connection counts as idle
    first = _backend_pid(engine)
    _kill(pg_url, first)
    second = _backend_pid(engine)  # no error: the check found it dead and the pool made a new one
    assert second != first
    engine.dispose()


def test_a_connection_used_a_moment_ago_is_lent_unchecked(pg_url: str) -> None:
    engine = create_engine(pg_url)
    ping_when_idle(engine, trusted_for=3600.0)
    first = _backend_pid(engine)
    _kill(pg_url, first)
    # The trade: a connection lost inside the trusted window fails the one request that meets it, as a restart
    # during that request would, and the pool replaces it for the next.
    with pytest.raises(DBAPIError) as failed:
        _backend_pid(engine)
    assert failed.value.connection_invalidated
    assert _backend_pid(engine) != first
    engine.dispose()


def test_the_service_engine_checks_connections(pg_url: str) -> None:
    engine = build_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    assert engine.pool.dispatch.checkout  # ping_when_idle is installed
    assert not engine.pool._pre_ping  # and replaces pre-ping rather than adding to it
    engine.dispose()
