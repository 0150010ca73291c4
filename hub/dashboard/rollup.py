"""Each month's and each day's dashboard figures kept ready, so a year reads a few dozen small rows instead of a
year of requests.

`dashboard_rollups` holds, for each ended London calendar month and each ended London day, the live figures for it
(the Tallies the charts are drawn from, and the overview's counts) and every decision and feedback time in order,
from which a median over several of them is found exactly. Nothing here is ever out of date: a trigger on
support_requests (migration 0010) marks a month and a day stale whenever one of their requests is added, changed
or deleted (a decision, feedback sent, a retention purge), and a stale or missing one is counted live. The current
day is always counted live. The clock refreshes them every hour.

Only the whole-service view is kept: a period narrowed to an agency or organisation is a fraction of the rows and is
counted live. A period is cut into whole months that are kept, then days that are kept, then whatever is left
(today, anything stale), counted live with hub.dashboard.figures and added in. The tests
(tests/hub/test_dashboard_rollup.py) check both ways give the same figures.
"""

from __future__ import annotations

import logging
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Date, LargeBinary, String, delete, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import JSON

from hub.dashboard import dialect, figures
from hub.dashboard.figures import Count, Distribution, Overview, Repeats, Statutory, Tallies, Timeliness
from hub.dashboard.period import Filters, Period
from intake.store.database import Base, Database, UtcDateTime
from intake.working_day import LONDON

log = logging.getLogger("earlyhelp.dashboard")
R = figures.R


MONTH, DAY = "month", "day"
# What the kept figures mean: a release that changes a bucket's edges or the statutory outcomes makes every row
# kept before it count as missing (counted live, then kept again), never mixed with new ones.
FORMAT = f"1 {figures.HOUR_EDGES} {list(figures.STATUTORY_OUTCOMES)} {figures.BREAKDOWNS}"


class DashboardRollup(Base):
    __tablename__ = "dashboard_rollups"

    span: Mapped[str] = mapped_column(String(5), primary_key=True)  # MONTH or DAY
    start: Mapped[date] = mapped_column(Date, primary_key=True)  # the London day, or the first day of the month
    # Set by the trigger when a request received in it changes; a stale one is counted live.
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    format: Mapped[str] = mapped_column(String(200))  # FORMAT when kept
    refreshed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Hours from receipt to decision and to feedback, every request's, sorted: float64 in machine order (the
    # clock and the web workers run on the same kind of machine).
    decision_hours: Mapped[bytes] = mapped_column(LargeBinary)
    feedback_hours: Mapped[bytes] = mapped_column(LargeBinary)


K = DashboardRollup


def month_period(month: date) -> Period:
    after = (month + timedelta(days=32)).replace(day=1)
    return Period(month, after - timedelta(days=1))


# Refreshing ---------------------------------------------------------------------------------------------------


def refresh(db: Database, now: datetime) -> int:
    """Keep every month before the current one and every day before today (London) that is missing or stale;
    returns how many were made. One transaction a month."""
    today = now.astimezone(LONDON).date()
    with db.reading() as session:
        first = session.scalar(select(func.min(R.received_at)))
        rows = session.execute(select(K.span, K.start, K.stale, K.format))
        kept = {(span, start): stale or format != FORMAT for span, start, stale, format in rows}
    if first is None:
        return 0
    month = first.astimezone(LONDON).date().replace(day=1)
    made = 0
    while month < today:
        wanted = [(MONTH, month_period(month))] if month_period(month).end < today else []
        day = month
        while day <= month_period(month).end and day < today:
            wanted.append((DAY, Period(day, day)))
            day += timedelta(days=1)
        wanted = [(span, period) for span, period in wanted if kept.get((span, period.start), True)]
        if wanted:
            with db.transaction() as session:
                _keep(session, wanted, now)
            made += len(wanted)
        month = (month + timedelta(days=32)).replace(day=1)
    if made:
        log.info("dashboard: %d months and days kept", made)
    return made


def _keep(session: Session, wanted: list[tuple[str, Period]], now: datetime) -> None:
    if dialect.is_postgresql(session):
        # Writers to support_requests wait for this transaction (SHARE conflicts with their ROW EXCLUSIVE), and it
        # waits for those already writing: so no change can land between the figures read below and their being
        # marked fresh, where the trigger would find nothing to mark. A month of requests takes milliseconds.
        session.execute(text("LOCK TABLE support_requests IN SHARE MODE"))
    for span, period in wanted:
        # On SQLite this write comes first, so the transaction holds the write lock before it reads anything.
        session.execute(delete(K).where(K.span == span, K.start == period.start))
        tallies = figures.tallies(session, period)
        overview = figures.overview(session, period, medians=False)
        session.add(
            K(
                span=span,
                start=period.start,
                stale=False,
                format=FORMAT,
                refreshed_at=now,
                figures={"tallies": _tallies_json(tallies), "overview": _overview_json(overview)},
                decision_hours=figures.hours_values(session, R.decided_at, period).tobytes(),
                feedback_hours=figures.hours_values(session, R.feedback_sent_at, period).tobytes(),
            )
        )


def _tallies_json(t: Tallies) -> dict[str, Any]:
    return {
        "days": [[d.isoformat(), n] for d, n in t.days.items()],
        "agencies": list(map(list, t.agencies.items())),
        "organisations": list(map(list, t.organisations.items())),
        "levels": [[level, *counts] for level, counts in t.levels.items()],
        "routes": list(map(list, t.routes.items())),
        "outcomes": list(map(list, t.outcomes.items())),
        "verified": list(map(list, t.verified.items())),
    }


def _tallies_from(j: dict[str, Any]) -> Tallies:
    return Tallies(
        {date.fromisoformat(d): n for d, n in j["days"]},
        {k: n for k, n in j["agencies"]},
        {k: n for k, n in j["organisations"]},
        {level: (n, d, o) for level, n, d, o in j["levels"]},
        {k: n for k, n in j["routes"]},
        {k: n for k, n in j["outcomes"]},
        {k: n for k, n in j["verified"]},
    )


def _distribution_json(d: Distribution) -> dict[str, Any]:
    return {"counted": d.counted, "waiting": d.waiting, "buckets": [c.requests for c in d.buckets]}


def _overview_json(o: Overview) -> dict[str, Any]:
    t, s = o.timeliness, o.statutory
    return {
        "received": t.received,
        "on_time": t.on_time,
        "decision": _distribution_json(t.distribution),
        "feedback": _distribution_json(o.feedback),
        "repeats": o.repeats.repeats,
        "decided": s.decided,
        "statutory": [c.requests for c in s.by_outcome],
    }


# Reading ------------------------------------------------------------------------------------------------------


class _Parts:
    """A period cut into kept months, kept days and live stretches."""

    def __init__(self, session: Session, period: Period) -> None:
        whole = []
        month = period.start if period.start.day == 1 else (period.start + timedelta(days=32)).replace(day=1)
        while month_period(month).end <= period.end:
            whole.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        self.kept: list[DashboardRollup] = []
        if whole:
            self.kept = _fresh(session, MONTH, whole)
        covered = {m.start + timedelta(days=i) for m in self.kept for i in range(month_period(m.start).days)}
        days = [d for d in (period.start + timedelta(days=i) for i in range(period.days)) if d not in covered]
        kept_days = _fresh(session, DAY, days) if days else []
        self.kept += kept_days
        covered |= {d.start for d in kept_days}
        self.live: list[Period] = []
        for day in days:
            if day in covered:
                continue
            if self.live and self.live[-1].end == day - timedelta(days=1):
                self.live[-1] = Period(self.live[-1].start, day)
            else:
                self.live.append(Period(day, day))


def _fresh(session: Session, span: str, starts: list[date]) -> list[DashboardRollup]:
    query = select(K).where(K.span == span, K.start.in_(starts), K.stale.is_(False), K.format == FORMAT)
    query = query.order_by(K.start)
    return list(session.scalars(query))


def _unfiltered(filters: Filters) -> bool:
    return not filters.agency and not filters.organisation


def _parts(session: Session, period: Period) -> _Parts:
    """Once per unit of work and period: the page asks for the breakdowns and the overview."""
    cache = session.info.setdefault("dashboard_rollups", {})
    if period not in cache:
        cache[period] = _Parts(session, period)
    return cache[period]


def breakdowns(
    session: Session, period: Period, filters: Filters, organisation_limit: int | None = None
) -> figures.Breakdowns:
    """figures.breakdowns, from kept months and days where it can."""
    if not _unfiltered(filters):
        return figures.breakdowns(session, period, filters, organisation_limit)
    parts = _parts(session, period)
    if not parts.kept:
        return figures.breakdowns(session, period, filters, organisation_limit)
    total = Tallies({}, {}, {}, {}, {}, {}, {})
    for kept in parts.kept:
        total.add(_tallies_from(kept.figures["tallies"]))
    for live in parts.live:
        total.add(figures.tallies(session, live, filters))
    return total.breakdowns(period, organisation_limit)


def overview(session: Session, period: Period, filters: Filters) -> Overview:
    """figures.overview, from kept months and days where it can."""
    if not _unfiltered(filters):
        return figures.overview(session, period, filters)
    parts = _parts(session, period)
    if not parts.kept:
        return figures.overview(session, period, filters)
    counts = [k.figures["overview"] for k in parts.kept]
    months = [k for k in parts.kept if k.span == MONTH]
    days = [k for k in parts.kept if k.span == DAY]
    # Days' times merged into one sorted run: the median's search is quick over a few runs, slow over hundreds.
    decision = [array("d", k.decision_hours) for k in months] + [_merged(k.decision_hours for k in days)]
    feedback = [array("d", k.feedback_hours) for k in months] + [_merged(k.feedback_hours for k in days)]
    for live in parts.live:
        counts.append(_overview_json(figures.overview(session, live, filters, medians=False)))
        decision.append(figures.hours_values(session, R.decided_at, live, filters))
        feedback.append(figures.hours_values(session, R.feedback_sent_at, live, filters))
    received = sum(c["received"] for c in counts)
    decided = _distribution([c["decision"] for c in counts], decision)
    timeliness = Timeliness(received, decided.counted, sum(c["on_time"] for c in counts), decided)
    statutory = [sum(n) for n in zip(*(c["statutory"] for c in counts), strict=True)]
    return Overview(
        timeliness,
        _distribution([c["feedback"] for c in counts], feedback),
        Repeats(received, sum(c["repeats"] for c in counts)),
        Statutory(
            received,
            sum(c["decided"] for c in counts),
            [Count(code, n) for code, n in zip(figures.STATUTORY_OUTCOMES, statutory, strict=True)],
        ),
    )


def _distribution(parts: list[dict[str, Any]], hours: list[array[float]]) -> Distribution:
    buckets = [sum(n) for n in zip(*(p["buckets"] for p in parts), strict=True)]
    return Distribution(
        sum(p["counted"] for p in parts),
        sum(p["waiting"] for p in parts),
        [Count(label, n) for label, n in zip(figures.HOUR_BUCKETS, buckets, strict=True)],
        median(hours),
    )


def _merged(runs: Any) -> array[float]:
    merged = array("d")
    for run in runs:
        merged.frombytes(run)
    return array("d", sorted(merged))


def median(sorted_parts: Sequence[Sequence[float]]) -> float | None:
    """The median of several sorted runs of numbers taken together, as percentile_cont(0.5) gives it."""
    n = sum(len(p) for p in sorted_parts)
    if not n:
        return None
    return figures.middle_of(_kth(sorted_parts, (n - 1) // 2), _kth(sorted_parts, n // 2))


def _kth(sorted_parts: Sequence[Sequence[float]], k: int) -> float:
    """The k-th smallest (from 0) of several sorted runs together: the least value v with more than k values <= v,
    found by bisection within each run (a few thousand comparisons, instead of sorting hundreds of thousands)."""

    def at_most(v: float) -> int:
        return sum(bisect_right(p, v) for p in sorted_parts)

    best: float | None = None
    for part in sorted_parts:
        lo, hi = 0, len(part)
        while lo < hi:
            mid = (lo + hi) // 2
            if at_most(part[mid]) > k:
                hi = mid
            else:
                lo = mid + 1
        if lo < len(part) and (best is None or part[lo] < best):
            best = part[lo]
    assert best is not None
    return best


def refresh_job(app: Any) -> int:
    return refresh(app.extensions["db"], app.extensions["clock"]())


def register_refresh_job(scheduler: Any, app: Any) -> None:
    """Hourly, so a month changed by a late decision is read from here again within the hour (until then it is
    counted live: slower, never wrong)."""
    scheduler.add_job(
        refresh_job, "cron", minute=20, args=[app], id="dashboard_rollups", name="keep the dashboard's figures"
    )
