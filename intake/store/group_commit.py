"""SQLite: answers that arrive together are written in one transaction and share its one commit.

Every answer is on disk before the person sees the next question (`synchronous=FULL`), and on SQLite that costs an
fdatasync of the write-ahead log per commit: about 0.35 ms of waiting and 0.12 ms of kernel CPU on the development
machine, taken while holding the database's single write lock. Under load the drafts' writes queue behind that lock
one fsync at a time and the cores sit idle. Databases built for many writers share one flush between the
transactions that commit together (PostgreSQL does, by itself); this does the same for the conversation's hot path.

A thread with a write to make joins the batch being gathered. The first to find no batch under way leads: it takes
the write queue (other processes' writers may hold it for a moment, and that moment is when others join), then runs
every write gathered so far in one transaction and commits once. Each write keeps its own guard and its own count
of rows changed, so a refused write (someone else saved the draft first) is refused exactly as alone. If the
transaction fails, every write in it fails with the same database error and nothing of it is stored, so each person
is told to send their answer again, as they would be after a failure of their own write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from intake.store.sqlite_writers import WriteQueue

Write = TypeVar("Write")

# Runs a batch of writes on one pooled connection in one transaction and commits; returns each write's row count.
RunBatch = Callable[[Any, Sequence[Write]], list[int]]


class _Pending(Generic[Write]):
    __slots__ = ("done", "error", "rows", "write")

    def __init__(self, write: Write) -> None:
        self.write = write
        self.rows = 0
        self.error: BaseException | None = None
        self.done = False


class GroupCommit(Generic[Write]):
    """One process's gathering of writes to a SQLite database, led in turn by the threads that make them."""

    def __init__(self, queue: WriteQueue, run_batch: RunBatch[Write]) -> None:
        self._queue = queue
        self._run_batch = run_batch
        self._changed = threading.Condition()
        self._gathered: list[_Pending[Write]] = []
        self._leading = False
        # Commits made and writes they carried, for tests and measurements.
        self.commits = 0
        self.writes = 0

    @property
    def waiting(self) -> int:
        """Writes gathered for the next commit, the leader's own included while it waits for the queue."""
        with self._changed:
            return len(self._gathered)

    def write(self, pooled: Any, write: Write) -> int:
        """Store `write` (with others, or alone on `pooled`); the rows it changed, once committed."""
        mine = _Pending(write)
        with self._changed:
            self._gathered.append(mine)
            while self._leading and not mine.done:
                self._changed.wait()
            lead = not mine.done
            if lead:
                self._leading = True
        if lead:
            self._lead(pooled)
        if mine.error is not None:
            raise mine.error
        return mine.rows

    def _lead(self, pooled: Any) -> None:
        batch: list[_Pending[Write]] = []
        error: BaseException | None = None
        try:
            with self._queue:
                with self._changed:
                    batch, self._gathered = self._gathered, []
                rows = self._run_batch(pooled, [pending.write for pending in batch])
            for pending, count in zip(batch, rows, strict=True):
                pending.rows = count
            self.commits += 1
            self.writes += len(batch)
        except BaseException as err:
            # Nothing of the batch was stored (the transaction rolled back, or the queue gave up waiting before it
            # began): every write in it fails as it would have alone.
            error = err
        finally:
            with self._changed:
                if error is not None and not batch:
                    batch, self._gathered = self._gathered, []
                for pending in batch:
                    pending.error = error
                    pending.done = True
                self._leading = False
                self._changed.notify_all()
