"""`earlyhelp db ...`: Alembic migrations, pointed at the configured DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import with_appcontext

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Percent signs in passwords would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@click.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from intake.store.database import normalise_url

    upgrade(normalise_url(current_app.extensions["settings"].database_url), revision)
    click.echo(f"Database at {revision}.")


@db_group.command("current")
@with_appcontext
def current_command() -> None:
    """Show the applied revision."""
    from intake.store.database import normalise_url

    command.current(alembic_config(normalise_url(current_app.extensions["settings"].database_url)))


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def revision_command(message: str) -> None:
    """Autogenerate a new migration from the models (review it before committing)."""
    from intake.store.database import normalise_url

    command.revision(
        alembic_config(normalise_url(current_app.extensions["settings"].database_url)),
        message=message,
        autogenerate=True,
    )
