"""The clock process (`python -m app.clock`): one APScheduler whose jobs sweep the follow-up and outbox tables.

Exactly one clock should run, but the sweeps claim rows in the database so that two clocks never send twice.
APScheduler keeps its jobs in memory: the durable state is the rows, not the scheduler.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from intake.working_day import LONDON

log = logging.getLogger("earlyhelp.clock")


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(
        timezone=LONDON,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    for register in app.extensions.get("clock_jobs", []):
        register(scheduler, app)
    return scheduler


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
