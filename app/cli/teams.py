"""`earlyhelp teams manifest`: write the Teams app package an administrator uploads."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.teams.manifest import package

PACKAGE_NAME = "earlyhelp-teams.zip"


@click.group("teams")
def teams_group() -> None:
    """Microsoft Teams set-up."""


@teams_group.command("manifest")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write the package into.",
)
@with_appcontext
def manifest_command(out_dir: Path) -> None:
    """Write the Teams app package (manifest.json, color.png, outline.png, zipped) for TEAMS_APP_ID."""
    settings = current_app.extensions["settings"]
    app_id = settings.get("TEAMS_APP_ID")
    if not app_id:
        raise click.UsageError("Set TEAMS_APP_ID (the bot's Microsoft app id) first; the package is made for it.")
    if not settings.public_url.startswith("https://"):
        click.echo(f"Warning: PUBLIC_URL ({settings.public_url}) is not https; Teams will refuse the bot's links.")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / PACKAGE_NAME
    target.write_bytes(package(app_id, settings.public_url))
    click.echo(f"Wrote {target}. Upload it in the Teams admin centre (Manage apps > Upload new app).")
