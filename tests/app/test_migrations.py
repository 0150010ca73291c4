"""The schema comes from Alembic, and the models agree with it."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from app.cli.database import alembic_config
from app.models import Base


def test_one_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "migrations have branched: point the newest down_revision at the old head"


def test_models_match_the_migrated_schema(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_no_create_all_outside_tests() -> None:
    root = Path(__file__).resolve().parents[2]
    for package in ("app", "bot", "intake", "hub", "routing"):
        for path in (root / package).rglob("*.py"):
            assert "create_all(" not in path.read_text(), f"{path} creates tables outside Alembic"
