"""`earlyhelp followups ...`: what the clock will do next, and running it by hand (safe beside a running clock:
the sweeps claim rows, so nothing is done twice)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.clock import sweep_due
from hub.follow_ups import list_follow_ups
from hub.outbox import failed_messages
from intake.labels import when
from intake.store.follow_up import STATUSES


@click.group("followups")
def followups_group() -> None:
    """Follow-ups (reminders, escalations, check-ins) and outgoing messages."""


@followups_group.command("list")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(STATUSES),
    help="Only these statuses (repeatable); default: pending, snoozed and running.",
)
@click.option("--all", "show_all", is_flag=True, help="Every status.")
@click.option("--request", "request_id", type=int, help="Only this request's follow-ups (its id).")
@click.option("--limit", default=50, show_default=True)
@with_appcontext
def list_command(statuses: tuple[str, ...], show_all: bool, request_id: int | None, limit: int) -> None:
    """List follow-ups, soonest first, and any outgoing messages that failed for good."""
    wanted = None if show_all else (list(statuses) or ["pending", "snoozed", "running"])
    with current_app.extensions["db"].reading() as s:
        rows = list_follow_ups(s, statuses=wanted, request_id=request_id, limit=limit)
        failed = failed_messages(s, limit=limit)
    if not rows:
        click.echo("No follow-ups match.")
    for f, reference in rows:
        due = when(f.due_at)
        what = reference or (f"draft {f.draft_id[:8]}" if f.draft_id else "-")
        extra = f"  ({f.outcome or f.last_error})" if (f.outcome or f.last_error) else ""
        click.echo(f"{f.id:>6}  {due}  {f.status:<9}  {f.kind:<26}  {what}{extra}")
    if failed:
        click.echo(f"\n{len(failed)} outgoing messages FAILED (tell the people concerned another way):")
        for m in failed:
            click.echo(f"{m.id:>6}  {m.channel:<8} {m.kind:<24} attempts {m.attempts}  {m.last_error}")


@followups_group.command("run-due")
@with_appcontext
def run_due_command() -> None:
    """Act on every due follow-up and deliver every due message now, then report."""
    reports = sweep_due(current_app._get_current_object())  # type: ignore[attr-defined]
    for name, report in reports.items():
        click.echo(f"{name}: {report}")
    failed = sum(getattr(r, "failed", 0) for r in reports.values())
    if failed:
        raise SystemExit(f"{failed} failed for good: see `earlyhelp followups list`.")
