"""The Monday summary to hub managers: last week's headline figures (the dashboard's), queued once per week to
every manager destination (their Slack or Teams channel, the console, and each address in HUB_MANAGER_EMAILS by
mail) at Monday 09:00 London, or on the first sweep after it if the clock was down.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.dashboard.queries import weekly_figures as dashboard_weekly_figures
from hub.follow_ups.plan import FollowUpPlan
from hub.follow_ups.schedule import recipient_key, schedule
from hub.new_request import HubDestination
from intake.store.database import Database
from intake.store.follow_up import DONE, FollowUp
from intake.store.outbox import enqueue
from intake.working_day import LONDON, week_start


def weekly_figures(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Headline figures for requests received in [start, end) (London midnights), from the managers' dashboard
    (hub.dashboard.queries.weekly_figures), so the summary in Slack or Teams and the printable weekly report agree:
    counts by level and route, decided within the deadline, overdue at `end`, repeats, statutory assessments and
    feedback sent. Counts only: no request is named."""
    first_day = start.astimezone(LONDON).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(LONDON).date()
    payload = dashboard_weekly_figures(session, first_day, last_day).as_payload()
    payload.update(
        start=start.isoformat(), end=end.isoformat(), first_day=first_day.isoformat(), last_day=last_day.isoformat()
    )
    return payload


def weekly_summary_due(now: datetime) -> datetime:
    """This week's summary moment: Monday 09:00 London."""
    return (week_start(now).astimezone(LONDON) + timedelta(hours=9)).astimezone(UTC)


def send_weekly_summary(db: Database, plan: FollowUpPlan, now: datetime) -> int | None:
    """Enqueue last week's figures for hub managers once this week's Monday 09:00 has passed (the clock's cron job
    calls it on time; every sweep calls it too, so a clock that was down on Monday morning catches up)."""
    if now < weekly_summary_due(now):
        return None
    end = week_start(now)
    start_day = end.astimezone(LONDON).date() - timedelta(days=7)
    start = datetime.combine(start_day, time(0, 0), LONDON).astimezone(UTC)
    key = f"weekly_summary:{start_day.isoformat()}"
    with db.transaction() as s:
        if s.scalar(select(FollowUp.id).where(FollowUp.dedupe_key == key)) is not None:
            return None
        figures = {**weekly_figures(s, start, end), "link": f"{plan.public_url}/hub/dashboard/weekly"}
        row = schedule(s, None, "weekly_summary", weekly_summary_due(now), now, dedupe_key=key, status=DONE)
        destinations = [*plan.manager_destinations, *(HubDestination("mail", {"email": a}) for a in plan.summary_mail)]
        for d in destinations:
            enqueue(
                s,
                channel=d.channel,
                kind="weekly_summary",
                recipient=d.recipient,
                payload=figures,
                now=now,
                dedupe_key=f"{key}:{d.channel}:{recipient_key(d.recipient)}",
            )
        row.outcome = "sent"
        return row.id
