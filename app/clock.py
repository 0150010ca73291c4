"""The clock process (`python -m app.clock`): one APScheduler whose jobs sweep the follow-up and outbox tables.

Exactly one clock should run, but the sweeps claim rows in the database so that two clocks never send twice.
APScheduler keeps its jobs in memory: the durable state is the rows, not the scheduler. Every job reads the time
from `app.extensions["clock"]` and hands it to the sweeps, which never read the time themselves.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from hub import follow_ups, outbox
from intake.working_day import LONDON

log = logging.getLogger("earlyhelp.clock")


def build_scheduler(app: Flask) -> BlockingScheduler:
    settings = app.extensions["settings"]
    scheduler = BlockingScheduler(
        timezone=LONDON,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.integer("CLOCK_MISFIRE_GRACE_MINUTES") * 60,
        },
    )
    for register in app.extensions.get("clock_jobs", []):
        register(scheduler, app)
    return scheduler


def sweep_due(app: Flask) -> dict[str, Any]:
    """One pass over `app.extensions["sweeps"]` in order: follow-ups first (they enqueue messages), then the outbox
    (which delivers them in the same pass)."""
    now = app.extensions["clock"]()
    reports: dict[str, Any] = {}
    for step in app.extensions.get("sweeps", []):
        name, run = step
        try:
            reports[name] = run(app, now)
        except Exception:
            # One broken sweep must not stop the others or kill the job; the next tick tries again.
            log.exception("sweep %s failed", name)
    return reports


def outbox_step(app: Flask, now: Any) -> outbox.SweepReport:
    total = outbox.SweepReport()
    # Drain in batches so a backlog clears within one tick without holding one huge claim.
    for _ in range(50):
        report = outbox.run_due(
            app.extensions["db"], app.extensions["notifiers"], now, limit=100, policy=app.extensions["outbox_policy"]
        )
        for name in ("recovered", "claimed", "sent", "retried", "failed", "lost_claim"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.failures += report.failures
        if report.claimed < 100:
            break
    return total


def follow_ups_step(app: Flask, now: Any) -> follow_ups.FollowUpReport:
    return follow_ups.run_due(app.extensions["db"], app.extensions["follow_ups"], now)


def weekly_summary(app: Flask) -> int | None:
    """The Monday 09:00 job. Every sweep also catches up on a missed summary, so this is about being on time."""
    return follow_ups.send_weekly_summary(app.extensions["db"], app.extensions["follow_ups"], app.extensions["clock"]())


def register_sweeps(scheduler: BaseScheduler, app: Flask) -> None:
    seconds = app.extensions["settings"].integer("SWEEP_INTERVAL_SECONDS")
    scheduler.add_job(sweep_due, "interval", seconds=seconds, args=[app], id="sweep_due", name="sweep due rows")
    scheduler.add_job(
        weekly_summary,
        "cron",
        day_of_week="mon",
        hour=9,
        minute=0,
        args=[app],
        id="weekly_summary",
        name="weekly summary to hub managers",
    )


def main() -> None:
    from app import create_app

    app = create_app()
    scheduler = build_scheduler(app)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    log.info("clock started with %d jobs", len(scheduler.get_jobs()))
    scheduler.start()


if __name__ == "__main__":
    main()
