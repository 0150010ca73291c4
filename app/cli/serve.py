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
        click.echo("SECRET_KEY is not set: using a random one, so sessions end when the service restarts.")
        # One key for every worker, so a session made by one is valid in the others.
        env["SECRET_KEY"] = settings.secret_key
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
            "app:create_app()",
        ],
        env=env,
    )
    children.append(web)
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
