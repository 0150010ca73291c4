"""The `earlyhelp` console command: Flask's CLI on the app factory, plus the service's own subcommands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def register(app: Flask) -> None:
    from app.cli.audit import audit_group
    from app.cli.database import db_group
    from app.cli.followups import followups_group
    from app.cli.rules import route_command, rules_group
    from app.cli.serve import serve_command
    from app.cli.teams import teams_group
    from app.cli.users import users_group
    from app.retention_job import retention_group

    app.cli.add_command(audit_group)
    app.cli.add_command(db_group)
    app.cli.add_command(followups_group)
    app.cli.add_command(rules_group)
    app.cli.add_command(route_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(teams_group)
    app.cli.add_command(retention_group)
    app.cli.add_command(users_group)


def _create_app() -> Flask:
    from app import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=True,  # a .env file in the current directory (the environment wins): see .env.example
)
def main() -> None:
    """Early help and safeguarding intake: serve the chat, manage the database and the threshold rules."""
