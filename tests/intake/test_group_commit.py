"""SQLite: answers arriving together share one commit, and each keeps its own guard, result and failure."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from intake.store.database import Database
from intake.store.draft import OPEN, Draft
from intake.store.draft_step import DraftStep, DraftSteps
from intake.store.sqlite_writers import WriteQueue

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 24, 10, 1, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    from app.cli.database import upgrade

    url = f"sqlite:///{tmp_path / 'group.db'}"
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


def _drafts(db: Database, n: int) -> list[str]:
    ids = [f"d-{i}" for i in range(n)]
    with db.transaction() as s:
        for draft_id in ids:
            state = {"answers": {}, "step": "referrer_name"}
            s.add(
                Draft(
                    id=draft_id,
                    channel="webchat",
                    channel_user_id=f"person-{draft_id}",
                    status=OPEN,
                    step="referrer_name",
                    state=state,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    return ids


def _stored(db: Database, draft_id: str) -> tuple[int, dict[str, Any]]:
    with db.reading() as s:
        draft = s.get(Draft, draft_id)
        assert draft is not None
        return draft.version, draft.state


class _OtherProcessWriting:
    """Holds the database's writer lock through an open file of its own, as another worker's write does."""

    def __init__(self, db: Database) -> None:
        assert db.write_queue is not None
        self._fd = os.open(db.write_queue.path, os.O_RDWR | os.O_CREAT)

    def __enter__(self) -> _OtherProcessWriting:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *_exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


def _together(steps: DraftSteps, saves: list[Callable[[], Any]], release: Callable[[], None]) -> list[Any]:
    """Start every save, wait until all have joined the batch the blocked leader will commit, then let it go."""
    results: list[Any] = [None] * len(saves)

    def run(i: int) -> None:
        try:
            results[i] = saves[i]()
        except Exception as err:
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(saves))]
    for thread in threads:
        thread.start()
    assert steps.group is not None
    deadline = time.monotonic() + 10
    while steps.group.waiting < len(saves):
        assert time.monotonic() < deadline, f"only {steps.group.waiting} of {len(saves)} writes joined"
        time.sleep(0.005)
    release()
    for thread in threads:
        thread.join(timeout=20)
    return results


def _save(steps: DraftSteps, draft: DraftStep, answer: str) -> Callable[[], bool]:
    def save() -> bool:
        with steps.connection() as conn:
            return conn.save(draft, {"answers": {"referrer_name": answer}, "step": "referrer_role"}, LATER)

    return save


def _load(steps: DraftSteps, draft_id: str) -> DraftStep:
    with steps.connection() as conn:
        draft = conn.load(draft_id)
    assert draft is not None
    return draft


def test_answers_arriving_together_are_stored_by_one_commit(db: Database) -> None:
    ids = _drafts(db, 6)
    steps = DraftSteps(db.engine, db.write_queue)
    loaded = [_load(steps, draft_id) for draft_id in ids]
    other = _OtherProcessWriting(db).__enter__()
    results = _together(steps, [_save(steps, d, f"Person {d.id}") for d in loaded], lambda: other.__exit__())
    assert results == [True] * 6
    assert steps.group is not None and (steps.group.commits, steps.group.writes) == (1, 6)
    for draft in loaded:
        assert _stored(db, draft.id) == (
            draft.version + 1,
            {"answers": {"referrer_name": f"Person {draft.id}"}, "step": "referrer_role"},
        )


def test_a_write_refused_inside_a_batch_is_refused_alone(db: Database) -> None:
    first, second = _drafts(db, 2)
    steps = DraftSteps(db.engine, db.write_queue)
    doubled, other_draft = _load(steps, first), _load(steps, second)
    other = _OtherProcessWriting(db).__enter__()
    # The same answer delivered twice, from the same stored version, lands in one batch: one of them is applied.
    results = _together(
        steps,
        [_save(steps, doubled, "Copy one"), _save(steps, doubled, "Copy two"), _save(steps, other_draft, "Kim")],
        lambda: other.__exit__(),
    )
    assert sorted(results[:2]) == [False, True] and results[2] is True
    winner = "Copy one" if results[0] else "Copy two"
    assert _stored(db, first) == (doubled.version + 1, {"answers": {"referrer_name": winner}, "step": "referrer_role"})
    assert _stored(db, second)[0] == other_draft.version + 1
    assert steps.group is not None and steps.group.commits == 1


def test_a_failed_batch_stores_none_of_it_fails_every_write_in_it_and_the_next_write_goes(db: Database) -> None:
    ids = _drafts(db, 3)
    with db.engine.begin() as conn:
        # Stands for the disk failing under one statement of the batch.
        conn.execute(
            text(
                "CREATE TRIGGER fail_one BEFORE UPDATE ON drafts WHEN NEW.state LIKE '%Explodes%' "
                "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
            )
        )
    steps = DraftSteps(db.engine, db.write_queue)
    loaded = [_load(steps, draft_id) for draft_id in ids]
    other = _OtherProcessWriting(db).__enter__()
    answers = ["Alex", "Explodes", "Kim"]
    results = _together(steps, [_save(steps, d, a) for d, a in zip(loaded, answers, strict=True)], other.__exit__)
    assert all(isinstance(result, DBAPIError) and "disk I/O error" in str(result) for result in results)
    for draft in loaded:
        assert _stored(db, draft.id)[0] == draft.version  # nothing of the batch was stored
    # Sent again (as each person is asked to), the good answers are stored.
    assert _save(steps, loaded[0], "Alex")() is True
    assert _stored(db, ids[0])[0] == loaded[0].version + 1


def test_writes_waiting_when_the_queue_gives_up_all_fail_and_the_next_write_goes(db: Database) -> None:
    ids = _drafts(db, 3)
    assert db.write_queue is not None
    steps = DraftSteps(db.engine, WriteQueue(db.write_queue.path, timeout=1.0))
    loaded = [_load(steps, draft_id) for draft_id in ids]
    with _OtherProcessWriting(db):
        results = _together(steps, [_save(steps, d, "Alex") for d in loaded], lambda: None)
    assert all(isinstance(result, OperationalError) and "database is locked" in str(result) for result in results)
    assert [_stored(db, draft_id)[0] for draft_id in ids] == [d.version for d in loaded]
    assert _save(steps, loaded[1], "Kim")() is True
