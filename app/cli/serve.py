"""`earlyhelp serve`: the web service (gunicorn) and, beside it, the follow-up clock process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("serve")
@click.option("--workers", default=2, show_default=True, help="Web worker processes.")
@with_appcontext
def serve_command(workers: int) -> None:
    """Serve the browser chat and the hub on HOST:PORT, with the clock beside it (START_CLOCK)."""
    settings = current_app.extensions["settings"]
    host, port = settings.get("HOST"), settings.get("PORT")
    env = dict(os.environ)
    if settings.secret_key_generated:
        # Every worker and the clock read the same generated key from the instance folder.
        click.echo("SECRET_KEY is not set: local development uses the key kept in the instance folder.")
    children: list[subprocess.Popen[bytes]] = []
    if settings.flag("START_CLOCK"):
        children.append(subprocess.Popen([sys.executable, "-m", "app.clock"], env=env))
    click.echo(f"Serving on http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/")  # noqa: S104
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--no-control-socket",
            "--threads",
            "4",
            "--access-logfile",
            "-",
            # Conversation ids in paths are logged as short tags.
            "--logger-class",
            "app.logs.RedactingAccessLog",
            "app:create_app()",
        ],
        env=env,
    )
    children.append(web)
    # A service manager (or `kill`) stops the service with SIGTERM: turn it into an exit, so the children below are
    # stopped too instead of being left holding the port and running a second clock beside the next start's.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        web.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(timeout=20)
