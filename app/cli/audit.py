"""`earlyhelp audit ...`: check the whole audit log against its keyed hashes and its checkpoints.

`earlyhelp audit verify` walks every event in order (intake.store.audit.verify_chain) and compares the checkpoint
file: it exits 0 when the log is intact and 1, naming the first bad event and why, when any event was edited or
removed, the newest included. Run it daily (cron) and after any restore; keep a copy of the checkpoint file (or the
log's "audit checkpoint" lines) off the database host and pass it with --checkpoints to check against that copy.
The clock also runs the check every night (`register_audit_job`) and logs an error naming the first bad event.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import click
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from intake.store.audit import AuditEvent, AuditSeal, Problem, verify_chain

log = logging.getLogger("earlyhelp.audit")


@click.group("audit")
def audit_group() -> None:
    """Check the audit log."""


@dataclass(frozen=True)
class Verdict:
    problem: Problem | None
    events: int
    newest_checkpoint: int | None


def verify_log(app: Flask, checkpoints: Path | None = None) -> Verdict:
    """Walk the whole log against its keys and the checkpoints (the file, or a copy of it or of the log lines)."""
    seal: AuditSeal = app.extensions["audit_seal"]
    path = checkpoints or seal.checkpoints
    marks = list(seal.read_checkpoints(path)) if path is not None else []
    if checkpoints is not None and not marks:
        lines = checkpoints.read_text(errors="replace").splitlines() if checkpoints.exists() else []
        marks = list(_from_log(lines, seal.database))
    counted = 0
    with app.extensions["db"].reading() as s:
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000))

        def counting():  # type: ignore[no-untyped-def]
            nonlocal counted
            for e in events:
                counted += 1
                yield e

        problem = verify_chain(counting(), seal, marks)
    return Verdict(problem, counted, max((event_id for event_id, _ in marks), default=None))


def run_audit_check(app: Flask) -> Verdict:
    """The clock's nightly check: one log line either way (ids and reasons only, nothing personal)."""
    verdict = verify_log(app)
    if verdict.problem is not None:
        log.error("audit log broken at event %d: %s", verdict.problem.event_id, verdict.problem.why)
    else:
        log.info("audit log intact: %d events verified", verdict.events)
    return verdict


def register_audit_job(scheduler: BaseScheduler, app: Flask) -> None:
    # Every night after the retention job; a missed run still runs when the clock comes back within the day.
    scheduler.add_job(
        run_audit_check,
        "cron",
        hour=3,
        minute=40,
        args=[app],
        id="audit_verify",
        misfire_grace_time=12 * 3600,
        replace_existing=True,
    )


@audit_group.command("verify")
@click.option(
    "--checkpoints",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A checkpoint file to compare with (default AUDIT_CHECKPOINT_FILE); the log's checkpoint lines work too.",
)
@with_appcontext
def verify_command(checkpoints: Path | None) -> None:
    """Exit 0 when every event verifies, 1 naming the first event edited or removed."""
    verdict = verify_log(current_app._get_current_object(), checkpoints)  # type: ignore[attr-defined]
    if verdict.problem is not None:
        click.echo(f"Audit log broken at event {verdict.problem.event_id}: {verdict.problem.why}.", err=True)
        sys.exit(1)
    newest = verdict.newest_checkpoint
    against = f"; newest checkpoint event {newest}" if newest is not None else "; no checkpoints found"
    click.echo(f"Audit log intact: {verdict.events} events verified{against}.")


def _from_log(lines: list[str], database: str) -> list[tuple[int, str]]:
    """Checkpoints from log lines: '... audit checkpoint: database <tag> event <id> hash <hash>'."""
    found = []
    for line in lines:
        words = line.split()
        if "checkpoint:" in words and database in words:
            try:
                i = words.index("event")
                found.append((int(words[i + 1]), words[words.index("hash") + 1]))
            except (ValueError, IndexError):
                continue
    return found


@audit_group.command("key")
@with_appcontext
def key_command() -> None:
    """Print the audit key in use, to set as AUDIT_KEY before rotating SECRET_KEY (treat it as a secret)."""
    click.echo(current_app.extensions["audit_seal"].key.decode())
