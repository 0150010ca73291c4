"""The few SQL expressions that differ between PostgreSQL (production) and SQLite (a laptop): London wall-clock
time, week and month starts, and hours between two instants.

PostgreSQL does it natively (timezone(), date_trunc, extract(epoch)); SQLite gets one small Python function for the
London conversion (registered on the connection) and strftime/julianday for the rest, so both give the same answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Integer, bindparam, cast, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from intake.working_day import LONDON


def _london_text(value: str | None) -> str | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S")


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def prepare(session: Session) -> bool:
    """Call before a dashboard query; returns whether the session is on PostgreSQL.

    On PostgreSQL it turns JIT compilation off for the transaction: these aggregates over a few thousand to a few
    hundred thousand rows finish in milliseconds, and JIT spent 100-150 ms compiling each of them (measured with
    EXPLAIN ANALYZE on the million-request benchmark). On SQLite it registers the London-time function."""
    if is_postgresql(session):
        session.connection()  # begins the transaction the setting belongs to
        transaction = session.get_transaction()
        if session.info.get("dashboard_prepared") is not transaction:
            session.execute(text("SET LOCAL jit = off"))
            session.info["dashboard_prepared"] = transaction
        return True
    raw = session.connection().connection.driver_connection
    raw.create_function("eh_london", 1, _london_text, deterministic=True)  # type: ignore[union-attr]
    return False


def london(pg: bool, column: Any) -> ColumnElement[Any]:
    return func.timezone("Europe/London", column) if pg else func.eh_london(column)


def week_start(pg: bool, column: Any) -> ColumnElement[Any]:
    """The Monday (London) of the week `column` falls in."""
    local = london(pg, column)
    if pg:
        return cast(func.date_trunc("week", local), Date)
    days_since_monday = (cast(func.strftime("%w", local), Integer) + 6) % 7
    return func.date(local, func.printf("-%d days", days_since_monday))


def month_start(pg: bool, column: Any) -> ColumnElement[Any]:
    local = london(pg, column)
    if pg:
        return cast(func.date_trunc("month", local), Date)
    return func.strftime("%Y-%m-01", local)


def day_number(column: Any, day_starts: list[datetime]) -> ColumnElement[int]:
    """PostgreSQL only: which of the period's London days `column` falls in (1 = the first), by binary search over
    the days' UTC start instants. Week and month counts are then summed from day counts."""
    edges = bindparam("day_starts", day_starts, type_=ARRAY(DateTime(timezone=True)))
    return func.width_bucket(column, edges)


def hours_between(pg: bool, start: Any, end: Any) -> ColumnElement[float]:
    if pg:
        # date_part gives double precision; extract() gives numeric, several times slower to aggregate.
        return func.date_part("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def as_date(value: date | str) -> date:
    """PostgreSQL hands back dates, SQLite text."""
    return value if isinstance(value, date) else date.fromisoformat(value[:10])
