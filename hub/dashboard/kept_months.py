"""Each ended London month's dashboard figures, kept, so a year reads a dozen small rows instead of a year of requests.

Place in the flow: the clock keeps every ended month (`keep_months`, hourly); the dashboard (hub.dashboard.tables)
reads a long period as the kept months inside it plus the rest counted live by hub.dashboard.queries. Only the
whole-service view is kept: a period narrowed to one agency or organisation is a fraction of the rows, counted live.

Nothing here takes a lock or needs a trigger. A month is kept from ordinary reads, stamped with when it was kept, and
used only while nothing it counted has changed since. After submission the only changes to what the figures count
are a decision (`decided_at`, stamped with when it was made, together with the outcome and level) and feedback to
the referrer (`feedback_sent_at`, likewise), and requests are never deleted (retention blanks personal details and
keeps the row). So a kept month is out of date exactly when one of its requests was decided or had feedback at or
after the moment it was kept, less a margin for a transaction still committing then: one small query on those two
indexed times finds such months, and they are counted live until the clock keeps them again. A month is kept only
once it ended more than that margin ago, so no submission can still be arriving in it.
"""

from __future__ import annotations

import logging
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, LargeBinary, String, delete, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import JSON

from hub.dashboard import dialect, figures, queries
from hub.dashboard.figures import Count, Distribution, Overview, Repeats, Statutory, Tallies, Timeliness
from hub.dashboard.period import Filters, Period
from intake.store.database import Base, Database, UtcDateTime
from intake.working_day import LONDON

log = logging.getLogger("earlyhelp.dashboard")
R = queries.R

# Longer than any transaction that stamps a decision or feedback takes to commit (they are short units of work).
MARGIN = timedelta(minutes=10)
# What the kept figures mean: a release that changes a bucket's edges or the statutory outcomes makes every month
# kept before it count as missing (counted live, then kept again), never mixed with new ones.
FORMAT = f"2 {figures.HOUR_EDGES} {list(figures.STATUTORY_OUTCOMES)} {figures.BREAKDOWNS}"


class DashboardMonth(Base):
    __tablename__ = "dashboard_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first London day of the month
    format: Mapped[str] = mapped_column(String(200))  # FORMAT when kept
    kept_at: Mapped[datetime] = mapped_column(UtcDateTime())
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # the month's Tallies and the overview's counts
    # Hours from receipt to decision and to feedback, every request's, sorted: float64 in machine order (the
    # clock and the web workers run on the same kind of machine). A median across months is found from these.
    decision_hours: Mapped[bytes] = mapped_column(LargeBinary)
    feedback_hours: Mapped[bytes] = mapped_column(LargeBinary)


K = DashboardMonth


def month_period(month: date) -> Period:
    after = (month + timedelta(days=32)).replace(day=1)
    return Period(month, after - timedelta(days=1))


def _usable(session: Session, months: list[date]) -> dict[date, DashboardMonth]:
    """The kept months among `months` that are still right: none of their requests decided or given feedback since
    (less MARGIN) they were kept."""
    kept = {k.month: k for k in session.scalars(select(K).where(K.month.in_(months), K.format == FORMAT))}
    if not kept:
        return kept
    pg = dialect.prepare(session)
    since = min(k.kept_at for k in kept.values()) - MARGIN
    month = dialect.month_start(pg, R.received_at)
    changed = session.execute(
        select(month, func.max(R.decided_at), func.max(R.feedback_sent_at))
        .where(or_(R.decided_at >= since, R.feedback_sent_at >= since))
        .group_by(month)
    )
    for start, decided, feedback in changed:
        found = kept.get(dialect.as_date(start))
        if found is not None and max(t for t in (decided, feedback) if t is not None) >= found.kept_at - MARGIN:
            del kept[found.month]
    return kept


# Keeping --------------------------------------------------------------------------------------------------------


def keep_months(db: Database, now: datetime) -> int:
    """Keep every month that ended more than MARGIN ago and is missing or out of date; returns how many were kept.
    One short transaction a month, reading as any page does."""
    with db.reading() as session:
        first = session.scalar(select(func.min(R.received_at)))
        if first is None:
            return 0
        month = first.astimezone(LONDON).date().replace(day=1)
        ended = []
        while _month_end(month) <= now - MARGIN:
            ended.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        wanted = [m for m in ended if m not in _usable(session, ended)] if ended else []
    for month in wanted:
        with db.transaction() as session:
            _keep(session, month, now)
    if wanted:
        log.info("dashboard: %d months kept", len(wanted))
    return len(wanted)


def _month_end(month: date) -> datetime:
    return month_period(month).bounds()[1]


def _keep(session: Session, month: date, now: datetime) -> None:
    period = month_period(month)
    # Stamped with the job's start, before anything below is read: whatever commits later is caught by _usable.
    tallies = queries.tallies(session, period)
    overview = queries.overview(session, period, medians=False)
    session.execute(delete(K).where(K.month == month))
    session.add(
        K(
            month=month,
            format=FORMAT,
            kept_at=now,
            figures={"tallies": _tallies_json(tallies), "overview": _overview_json(overview)},
            decision_hours=queries.hours_values(session, R.decided_at, period).tobytes(),
            feedback_hours=queries.hours_values(session, R.feedback_sent_at, period).tobytes(),
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


# Reading ----------------------------------------------------------------------------------------------------------


class _Parts:
    """A period cut into the kept months inside it and the stretches counted live."""

    def __init__(self, session: Session, period: Period) -> None:
        whole = []
        month = period.start if period.start.day == 1 else (period.start + timedelta(days=32)).replace(day=1)
        while month_period(month).end <= period.end:
            whole.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        usable = _usable(session, whole) if whole else {}
        self.kept = [usable[m] for m in sorted(usable)]
        self.live: list[Period] = []
        start = period.start
        for kept in self.kept:
            if kept.month > start:
                self.live.append(Period(start, kept.month - timedelta(days=1)))
            start = month_period(kept.month).end + timedelta(days=1)
        if start <= period.end:
            self.live.append(Period(start, period.end))


def _parts(session: Session, period: Period, filters: Filters) -> _Parts | None:
    """None when the period is counted live whole: narrowed to an agency or organisation, or nothing kept in it.
    Worked out once per unit of work and period (the page asks for the breakdowns and then the overview)."""
    if filters.agency or filters.organisation:
        return None
    cache = session.info.setdefault("dashboard_kept_months", {})
    if period not in cache:
        cache[period] = _Parts(session, period)
    return cache[period] if cache[period].kept else None


def breakdowns(
    session: Session, period: Period, filters: Filters, organisation_limit: int | None = None
) -> figures.Breakdowns:
    """queries.breakdowns, from kept months where it can."""
    parts = _parts(session, period, filters)
    if parts is None:
        return queries.breakdowns(session, period, filters, organisation_limit)
    total = Tallies({}, {}, {}, {}, {}, {}, {})
    for kept in parts.kept:
        total.add(_tallies_from(kept.figures["tallies"]))
    for live in parts.live:
        total.add(queries.tallies(session, live, filters))
    return total.breakdowns(period, organisation_limit)


def overview(session: Session, period: Period, filters: Filters) -> Overview:
    """queries.overview, from kept months where it can."""
    parts = _parts(session, period, filters)
    if parts is None:
        return queries.overview(session, period, filters)
    counts = [k.figures["overview"] for k in parts.kept]
    decision = [array("d", k.decision_hours) for k in parts.kept]
    feedback = [array("d", k.feedback_hours) for k in parts.kept]
    for live in parts.live:
        counts.append(_overview_json(queries.overview(session, live, filters, medians=False)))
        decision.append(queries.hours_values(session, R.decided_at, live, filters))
        feedback.append(queries.hours_values(session, R.feedback_sent_at, live, filters))
    received = sum(c["received"] for c in counts)
    decided = _distribution([c["decision"] for c in counts], decision)
    statutory = [sum(n) for n in zip(*(c["statutory"] for c in counts), strict=True)]
    return Overview(
        Timeliness(received, decided.counted, sum(c["on_time"] for c in counts), decided),
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


def keep_months_job(app: Any) -> int:
    return keep_months(app.extensions["db"], app.extensions["clock"]())


def register_keep_months_job(scheduler: Any, app: Any) -> None:
    """Hourly, so a month changed by a late decision is read from here again within the hour (until then it is
    counted live: slower, never wrong)."""
    scheduler.add_job(
        keep_months_job, "cron", minute=20, args=[app], id="dashboard_months", name="keep the dashboard's months"
    )
