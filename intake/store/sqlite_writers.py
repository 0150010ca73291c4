"""One writer at a time on SQLite, queued instead of polled.

SQLite lets one connection write at a time. A connection that finds the write lock taken sleeps in SQLite's busy
handler (1, 2, 5, 10 ... 100 ms) and tries again, so under load writers queue by luck rather than in order: with a
few dozen browser chats answering at once most answers wait a few milliseconds and some wait over a second. Here
every connection takes this queue before its first write and leaves it when it commits, rolls back or goes back to
the pool: threads of one process wait on a lock, and the processes of one service (gunicorn workers, the clock) on an
advisory file lock beside the database. Nobody sleeps while the lock is free, and SQLite's busy handler is left for
writers outside the service (an `earlyhelp` command, say).

PostgreSQL needs none of this: it locks rows, not the database.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

# Statements that make SQLite take its write lock. BEGIN IMMEDIATE/EXCLUSIVE do too; plain BEGIN does not.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")
_HELD = "earlyhelp_holds_sqlite_write_lock"


class WriteQueue:
    """A lock shared by the threads of this process and, through `path`, by every process using the database."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise OperationalError("write lock", {}, TimeoutError("database is locked (waited for other writers)"))
        try:
            fd = self._file()
            pause = 0.00005
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise OperationalError(
                            "write lock", {}, TimeoutError("database is locked (waited for another process)")
                        ) from None
                    # Only one thread per process gets here, so this polls lightly; the other process's write
                    # holds the lock for well under a millisecond.
                    time.sleep(pause)
                    pause = min(pause * 2, 0.001)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def __enter__(self) -> WriteQueue:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def _file(self) -> int:
        # A forked worker must open its own descriptor: flock belongs to the open file, which a fork shares.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


def queue_writers(engine: Engine, lock_path: str, timeout: float) -> WriteQueue:
    """Make every connection of `engine` hold the queue from its first write until its transaction ends."""
    queue = WriteQueue(lock_path, timeout)

    def take(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        info = conn.connection.info
        if not info.get(_HELD) and statement.lstrip()[:15].upper().startswith(_WRITES):
            queue.acquire()
            info[_HELD] = True

    def done_if_committed(conn: Any, *_args: Any) -> None:
        # In autocommit the statement has committed already; in a transaction the lock is kept until it ends.
        info = conn.connection.info
        if info.get(_HELD) and not conn.connection.dbapi_connection.in_transaction:
            info[_HELD] = False
            queue.release()

    def give_back(dbapi_connection: Any, record: Any, *_args: Any) -> None:
        # Back in the pool (after commit or rollback), closed, or invalidated: whatever happened, let others on.
        if record is not None and record.info.get(_HELD):
            record.info[_HELD] = False
            queue.release()

    event.listen(engine, "before_cursor_execute", take)
    event.listen(engine, "after_cursor_execute", done_if_committed)
    event.listen(engine, "handle_error", lambda ctx: done_if_committed(ctx.connection) if ctx.connection else None)
    event.listen(engine.pool, "checkin", give_back)
    event.listen(engine.pool, "invalidate", give_back)
    event.listen(engine.pool, "soft_invalidate", give_back)
    return queue
