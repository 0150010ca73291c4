"""The database handle the whole service shares: engine, sessions and one transaction helper.

Plain SQLAlchemy 2, so the intake, the hub and the clock use the same session rules. Units of work are short:
open, do the database work, commit. Slow calls (Slack, Teams) never happen inside one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names, so Alembic migrations can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` (as platforms hand them out) mean psycopg 3 here."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


DEFAULT_LOCK_TIMEOUT_SECONDS = 15.0


def build_engine(url: str, lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS, **kwargs: object) -> Engine:
    """The service's engine. `lock_timeout`: how long a statement waits for a lock another connection holds before
    it fails (and the person is told to send their answer again).

    `hide_parameters`: a failed statement's error (and so any log line or traceback that quotes it) never carries
    the values it was binding, which are people's answers."""
    url = normalise_url(url)
    parsed = make_url(url)
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": lock_timeout, "check_same_thread": False}, **kwargs)
        busy_ms = int(lock_timeout * 1000)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # WAL lets the web process read while the clock writes; foreign keys are off by default in SQLite.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()

        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("connect_args", {"options": f"-c lock_timeout={int(lock_timeout * 1000)}"})
    engine = create_engine(url, **kwargs)
    ping_when_idle(engine, trusted_for=TRUSTED_FOR_SECONDS)
    return engine


def is_database_error(err: BaseException) -> bool:
    """A database failure, as SQLAlchemy raises it or as a driver does."""
    if isinstance(err, DBAPIError):
        return True
    module = type(err).__module__
    return module.startswith(("psycopg", "sqlite3"))


def describe_database_error(err: BaseException) -> str:
    """What a database failure was, for a log line: SQLAlchemy's and the driver's error classes and the error code,
    never the text, which can quote the values of the row (PostgreSQL's 'Failing row contains (...)')."""
    original = err.orig if isinstance(err, DBAPIError) and err.orig is not None else err
    code = getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", None)
    kinds = [f"{type(original).__module__}.{type(original).__qualname__}"]
    if original is not err:
        kinds.insert(0, type(err).__name__)
    return " / ".join(kinds) + (f" ({code})" if code else "") + " (message not logged)"


_log = logging.getLogger("earlyhelp.database")


def log_database_error(doing: str, err: BaseException) -> None:
    """One line saying the database failed while `doing` something, without anything the statement carried."""
    _log.error("database unavailable %s: %s", doing, describe_database_error(err))


# A connection returned to the pool less than this long ago was working a moment ago: it is lent out unchecked.
TRUSTED_FOR_SECONDS = 1.0


def ping_when_idle(engine: Engine, trusted_for: float) -> None:
    """Check a pooled connection still works before lending it out, unless it was in use moments ago.

    SQLAlchemy's pool_pre_ping checks on every checkout: a round trip that was a third of a chat step's under load.
    A database restart inside the trusted second fails the request that meets it exactly as a restart during the
    request would (the caller says "try again", nothing is lost), and the failure throws the pool's older
    connections away; after a quiet spell every connection is checked, as pre-ping would.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        returned_at = record.info.pop("returned_at", None)
        if returned_at is not None and time.monotonic() - returned_at < trusted_for:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            # The pool throws this connection away and lends a new one (or raises if none can be made).
            raise DisconnectionError(f"pooled connection failed its check: {err}") from err


class Database:
    """An engine plus a session factory; `transaction()` is the unit of work everyone uses."""

    def __init__(
        self,
        url: str,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
        session_info: dict[str, object] | None = None,
        **engine_kwargs: object,
    ) -> None:
        """`session_info` is copied into every session's `info` (the app puts the audit seal there)."""
        self.engine = build_engine(url, lock_timeout=lock_timeout, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info=dict(session_info or {}))

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        session = self.sessions()
        try:
            yield session
        finally:
            # close() ends the transaction without expiring what was loaded, so pages can render it afterwards.
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which forgets the zone) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware (UTC) time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
