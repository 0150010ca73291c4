"""The conversation's hot path: read a draft, and write its next state back only if nobody else did meanwhile.

Every answer in every chat runs these two statements and nothing else, so they skip what the rest of the service
gets from SQLAlchemy's ORM and Core: no transaction around them (each statement commits on its own, which saves
PostgreSQL two round trips), and no statement building or result machinery (which costs ten times the query on
SQLite). They are compiled by SQLAlchemy once, from the mapped table, and run on the pooled driver connection with
SQLAlchemy's own type processors, so what is stored is exactly what the ORM stores and reads back.

The version check in the write is the optimistic lock the ORM applies (`version_id_col`): a doubled or retried
message cannot overwrite a newer answer, because the loser's write matches no row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Integer, bindparam, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

from intake.store.draft import Draft

_drafts = Draft.__table__
_LOAD = select(
    _drafts.c.channel, _drafts.c.channel_user_id, _drafts.c.status, _drafts.c.state, _drafts.c.version
).where(_drafts.c.id == bindparam("draft_id"))
_SAVE = (
    update(_drafts)
    .where(_drafts.c.id == bindparam("draft_id"), _drafts.c.version == bindparam("loaded_version"))
    .values(
        state=bindparam("state", type_=_drafts.c.state.type),
        step=bindparam("step", type_=_drafts.c.step.type),
        updated_at=bindparam("now", type_=_drafts.c.updated_at.type),
        version=bindparam("new_version", type_=Integer()),
    )
)


@dataclass(frozen=True)
class DraftStep:
    """What one step needs of a stored draft."""

    id: str
    channel: str
    channel_user_id: str
    status: str
    state: dict[str, Any]
    version: int


class _Compiled:
    """A statement compiled for one dialect, with the bind processors its typed parameters need."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.order = compiled.positiontup  # None for named paramstyles (psycopg)
        self.processors: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.processors[name] = processor

    def parameters(self, values: dict[str, Any]) -> Any:
        for name, processor in self.processors.items():
            values[name] = processor(values[name])
        return values if self.order is None else [values[name] for name in self.order]


class DraftSteps:
    """Loads and saves drafts for `IntakeService.handle`; everything else about drafts goes through the ORM."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        self._engine = engine
        self._dialect = dialect
        self._load = _Compiled(_LOAD, dialect)
        self._save = _Compiled(_SAVE, dialect)
        self._state_out = _drafts.c.state.type.dialect_impl(dialect).result_processor(dialect, None)
        # psycopg commits each statement itself in autocommit; sqlite3 needs an explicit commit after a write.
        self._autocommit = dialect.name == "postgresql"

    @contextmanager
    def connection(self) -> Iterator[DraftStepConnection]:
        try:
            pooled = self._engine.raw_connection()
        except self._dialect.loaded_dbapi.Error as err:
            # The pool hands the driver's error through as it is; say it as SQLAlchemy would.
            raise DBAPIError.instance(None, None, err, self._dialect.loaded_dbapi.Error, dialect=self._dialect) from err
        driver = pooled.driver_connection
        try:
            if self._autocommit:
                driver.autocommit = True  # type: ignore[union-attr]
            yield DraftStepConnection(self, pooled)
        finally:
            if pooled.is_valid and self._autocommit:
                driver.autocommit = False  # type: ignore[union-attr]
            pooled.close()

    def load(self, pooled: Any, draft_id: str) -> DraftStep | None:
        row = self._run(pooled, self._load, {"draft_id": draft_id})
        if row is None:
            return None
        channel, channel_user_id, status, state, version = row
        if self._state_out is not None:
            state = self._state_out(state)
        return DraftStep(draft_id, channel, channel_user_id, status, state or {}, version)

    def save(self, pooled: Any, draft: DraftStep, state: dict[str, Any], now: datetime) -> bool:
        values = {
            "draft_id": draft.id,
            "loaded_version": draft.version,
            "state": state,
            "step": state.get("step"),
            "now": now,
            "new_version": draft.version + 1,
        }
        return self._run(pooled, self._save, values, write=True) == 1

    def _run(self, pooled: Any, compiled: _Compiled, values: dict[str, Any], *, write: bool = False) -> Any:
        """One statement; a write returns the rows it changed (committed), a read its one row or None."""
        parameters = compiled.parameters(values)
        with self._cursor(pooled, compiled.sql, parameters, write=write) as cursor:
            cursor.execute(compiled.sql, parameters)
            if not write:
                return cursor.fetchone()
            if not self._autocommit:
                pooled.commit()
            return cursor.rowcount

    @contextmanager
    def _cursor(self, pooled: Any, sql: str, parameters: Any, *, write: bool) -> Iterator[Any]:
        """A driver cursor; a driver error rolls the write back (or throws a dead connection away) and is raised as
        the same exception the rest of the service sees from SQLAlchemy, so adapters' handling applies."""
        cursor = pooled.cursor()
        try:
            yield cursor
        except self._dialect.loaded_dbapi.Error as err:
            disconnected = self._dialect.is_disconnect(err, pooled.dbapi_connection, cursor)
            if disconnected:
                # As SQLAlchemy does for its own statements: a dropped connection means the server restarted or
                # ended every session, so the pool's other connections are dead too; without this each of them
                # fails one more request before it is found out.
                pooled.invalidate(err)
                self._engine.dispose(close=False)
            elif write and not self._autocommit:
                pooled.rollback()
            raise DBAPIError.instance(
                sql,
                parameters,
                err,
                self._dialect.loaded_dbapi.Error,
                hide_parameters=True,  # as the engine does: the parameters are people's answers
                connection_invalidated=disconnected,
                dialect=self._dialect,
            ) from err
        finally:
            cursor.close()


class DraftStepConnection:
    """One pooled connection lent to one step."""

    def __init__(self, steps: DraftSteps, pooled: Any) -> None:
        self._steps = steps
        self._pooled = pooled

    def load(self, draft_id: str) -> DraftStep | None:
        return self._steps.load(self._pooled, draft_id)

    def save(self, draft: DraftStep, state: dict[str, Any], now: datetime) -> bool:
        """Store the conversation's new state; False when someone else saved this draft since it was loaded."""
        return self._steps.save(self._pooled, draft, state, now)
