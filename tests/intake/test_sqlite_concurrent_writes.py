"""On SQLite, writers in several threads of two processes' worth of engines (two gunicorn workers) all land: each
waits for the database's one write lock (SQLite's busy timeout) rather than failing."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select, text

from intake.store.database import Database


def test_many_writers_in_two_processes_worth_of_engines_all_land(tmp_path: Path) -> None:
    from app.cli.database import upgrade

    url = f"sqlite:///{tmp_path / 'writers.db'}"
    upgrade(url)
    first, second = Database(url), Database(url)
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
    with first.reading() as s:
        assert s.scalar(select(func.count()).select_from(text("audit_events"))) == 12 * 25
    first.dispose()
    second.dispose()
