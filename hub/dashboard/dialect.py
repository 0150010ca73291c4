"""The few SQL expressions that differ between PostgreSQL (production) and SQLite (a laptop): London wall-clock
time, week and month starts, hours between two instants, and "12 months earlier".

PostgreSQL does it natively (timezone(), date_trunc, extract(epoch)); SQLite gets one small Python function for the
London conversion (registered on the connection) and strftime/julianday for the rest, so both give the same answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, Float, Integer, cast, func, literal_column
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
    """Call before a query using these expressions; returns whether the session is on PostgreSQL."""
    if is_postgresql(session):
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


def hours_between(pg: bool, start: Any, end: Any) -> ColumnElement[float]:
    if pg:
        return cast(func.extract("epoch", end - start), Float) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def twelve_months_before(pg: bool, column: Any) -> ColumnElement[Any]:
    if pg:
        return column - literal_column("interval '12 months'")
    return func.datetime(column, "-12 months")


def as_date(value: date | str) -> date:
    """PostgreSQL hands back dates, SQLite text."""
    return value if isinstance(value, date) else date.fromisoformat(value[:10])
