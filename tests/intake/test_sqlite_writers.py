"""SQLite writers queue for the write lock instead of sleeping in SQLite's busy handler, across threads and
processes, and a writer that fails or gives up never leaves the queue held."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from intake.store.database import Database
from intake.store.sqlite_writers import WriteQueue
from intake.store.support_request import SupportRequest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    from app.cli.database import upgrade

    url = f"sqlite:///{tmp_path / 'writers.db'}"
    upgrade(url)
    return url


def _count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(text("audit_events"))) or 0


def test_many_writers_in_two_processes_worth_of_engines_all_land(sqlite_file: str) -> None:
    # Two Database objects are two pools with two queues, as two gunicorn workers have; they share the lock file.
    first, second = Database(sqlite_file), Database(sqlite_file)
    errors: list[BaseException] = []

    def write(db: Database, n: int) -> None:
        try:
            for i in range(25):
                with db.transaction() as s:
                    s.execute(
                        text(
                            "INSERT INTO audit_events (at, actor, action, detail, prev_hash, hash) "
                            "VALUES (CURRENT_TIMESTAMP, :actor, 'test.write', '{}', '', :hash)"
                        ),
                        {"actor": f"writer-{n}", "hash": f"{n}-{i}"},
                    )
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=write, args=(first if n % 2 else second, n)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _count(first) == 12 * 25
    first.dispose()
    second.dispose()


def test_a_failed_write_gives_the_queue_back(sqlite_file: str) -> None:
    db = Database(sqlite_file)
    assert db.write_queue is not None
    with pytest.raises(IntegrityError), db.transaction() as s:
        s.execute(text("INSERT INTO referrers (id, channel, channel_user_id) VALUES (1, NULL, NULL)"))
    # Were the queue still held, this would wait for the timeout and fail.
    db.write_queue.timeout = 1
    with db.transaction() as s:
        s.execute(
            text(
                "INSERT INTO audit_events (at, actor, action, detail, prev_hash, hash) "
                "VALUES (CURRENT_TIMESTAMP, 'a', 'test.write', '{}', '', 'h')"
            )
        )
    assert _count(db) == 1
    db.dispose()


def test_reads_do_not_queue(sqlite_file: str) -> None:
    db = Database(sqlite_file)
    assert db.write_queue is not None
    db.write_queue.acquire()  # another writer is busy
    try:
        with db.reading() as s:
            assert s.scalar(select(func.count()).select_from(SupportRequest)) == 0
    finally:
        db.write_queue.release()
    db.dispose()


def test_another_process_holding_the_lock_makes_a_writer_wait_then_go(tmp_path: Path) -> None:
    lock = tmp_path / "db-writers.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(0.3)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    queue = WriteQueue(str(lock), timeout=10)
    started = time.monotonic()
    queue.acquire()
    waited = time.monotonic() - started
    queue.release()
    holder.wait(timeout=10)
    assert waited > 0.1  # it really waited for the other process ...
    assert waited < 5  # ... and went as soon as that process let go


def test_a_writer_gives_up_with_the_usual_error_when_the_lock_never_comes(tmp_path: Path) -> None:
    lock = tmp_path / "db-writers.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # this open file stands for another process
    try:
        queue = WriteQueue(str(lock), timeout=0.2)
        with pytest.raises(OperationalError, match="database is locked"):
            queue.acquire()
        # Giving up released the thread lock: the next attempt waits for the file lock again, not forever.
        with pytest.raises(OperationalError):
            queue.acquire()
    finally:
        os.close(fd)
