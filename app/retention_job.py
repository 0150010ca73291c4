"""The daily retention job and its `earlyhelp retention run` command: wiring only; the policy is intake.retention."""

from __future__ import annotations

import logging

import click
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from intake.retention import RetentionReport, purge_personal_data
from intake.verification.email_code import forget_old_codes

log = logging.getLogger("earlyhelp.retention")


def run_retention(app: Flask) -> RetentionReport:
    settings = app.extensions["settings"]
    with app.extensions["db"].transaction() as session:
        report = purge_personal_data(session, app.extensions["clock"](), settings.integer("RETENTION_DAYS"))
        codes = forget_old_codes(session, app.extensions["email_codes"], app.extensions["clock"]())
    log.info(
        "retention: %d requests and %d referrers redacted, %d stale drafts and %d old email codes deleted",
        report.requests_redacted,
        report.referrers_redacted,
        report.drafts_deleted,
        codes,
    )
    return report


def register_retention_job(scheduler: BaseScheduler, app: Flask) -> None:
    # Quiet hours; a missed run (clock down overnight) still runs when the clock comes back within the day.
    scheduler.add_job(
        run_retention,
        "cron",
        hour=2,
        minute=30,
        args=[app],
        id="retention",
        misfire_grace_time=12 * 3600,
        replace_existing=True,
    )


@click.group("retention")
def retention_group() -> None:
    """Remove personal data from requests decided longer ago than RETENTION_DAYS."""


@retention_group.command("run")
@with_appcontext
def run_command() -> None:
    """Apply the retention policy now."""
    report = run_retention(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(
        f"{report.requests_redacted} requests and {report.referrers_redacted} referrers redacted; "
        f"{report.drafts_deleted} stale drafts deleted."
    )
