"""The audit log is tamper-evident: `earlyhelp audit verify` exits 0 on an intact log and 1, naming the first bad
event, when any event is edited (even with its hash recomputed) or removed, the newest included. Events from before
the keyed hashes still verify. The trail page checks only what it shows."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, event, select, update

from intake.store import audit
from intake.store.audit import GENESIS, AuditEvent
from tests.conftest import sign_in_as
from tests.hub.helpers import store_request


def _events(app: Flask, n: int, request_id: int | None = None) -> list[int]:
    ids = []
    for i in range(n):
        with app.extensions["db"].transaction() as s:
            e = audit.record(s, at=app.extensions["clock"](), actor="staff:a@example.org", action="request.viewed",
                             request_id=request_id, detail={"n": i})  # fmt: skip
            ids.append(e.id)
    return ids


def _verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _edit(app: Flask, event_id: int, **values: object) -> None:
    with app.extensions["db"].transaction() as s:
        s.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(**values))


def _plain(prev: str, e: AuditEvent, actor: str | None = None) -> str:
    stamp = e.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = [prev, stamp, actor or e.actor, e.action, e.request_id, e.detail]
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_an_intact_log_verifies(app: Flask) -> None:
    _events(app, 5)
    code, output = _verify(app)
    assert code == 0, output
    assert "intact: 5 events" in output and "newest checkpoint event 5" in output


def test_an_edited_event_is_named(app: Flask) -> None:
    ids = _events(app, 5)
    _edit(app, ids[2], actor="staff:someone-else@example.org")
    code, output = _verify(app)
    assert code == 1 and f"event {ids[2]}" in output and "changed" in output


def test_recomputing_the_hashes_without_the_key_does_not_hide_an_edit(app: Flask) -> None:
    """Whoever can write to the database can recompute plain SHA-256 hashes, but not the keyed ones."""
    ids = _events(app, 5)
    with app.extensions["db"].transaction() as s:
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        prev = events[1].hash
        for e in events[2:]:
            actor = "staff:someone-else@example.org" if e.id == ids[2] else e.actor
            e.actor, e.prev_hash, e.hash, e.keyed = actor, prev, _plain(prev, e, actor), False
            prev = e.hash
    code, output = _verify(app)
    assert code == 1 and f"event {ids[2]}" in output


def test_removing_the_newest_event_is_caught_by_the_checkpoint(app: Flask) -> None:
    ids = _events(app, 4)
    with app.extensions["db"].transaction() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.id == ids[-1]))
    code, output = _verify(app)
    assert code == 1 and f"event {ids[-1]}" in output and "removed" in output


def test_removing_an_event_in_the_middle_is_named(app: Flask) -> None:
    ids = _events(app, 4)
    with app.extensions["db"].transaction() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    code, output = _verify(app)
    assert code == 1 and f"event {ids[1]}" in output


def test_a_copy_of_the_checkpoints_from_the_log_works_too(app: Flask, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    with caplog.at_level(logging.INFO, logger="earlyhelp.audit"):
        ids = _events(app, 3)
    log_copy = tmp_path / "from-the-log.txt"
    log_copy.write_text("\n".join(r.getMessage() for r in caplog.records))
    with app.extensions["db"].transaction() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.id == ids[-1]))
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--checkpoints", str(log_copy)])
    assert result.exit_code == 1 and f"event {ids[-1]}" in result.output


def test_events_from_before_keyed_hashes_still_verify_and_stay_protected(app: Flask) -> None:
    """The migration path: events stored before migration 0013 keep their plain hashes (keyed false)."""
    ids = _events(app, 5)
    with app.extensions["db"].transaction() as s:  # make the first three look as the old code wrote them
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        prev = GENESIS
        for e in events[:3]:
            e.prev_hash, e.hash, e.keyed = prev, _plain(prev, e), False
            prev = e.hash
        events[3].prev_hash = prev
    # ... and the keyed event that followed them was written over that last plain hash.
    with app.extensions["db"].transaction() as s:
        seal = audit.seal_of(s)
        later = list(s.scalars(select(AuditEvent).where(AuditEvent.id >= ids[3]).order_by(AuditEvent.id)))
        for e in later:
            e.hash = seal.digest(e.prev_hash, e.at, e.actor, e.action, e.request_id, e.detail)
            if e is not later[-1]:
                later[later.index(e) + 1].prev_hash = e.hash
    app.extensions["audit_seal"].checkpoints.unlink()  # the old hashes had no checkpoints
    assert _verify(app)[0] == 0
    # Rewriting an old event and all the plain hashes after it still breaks at the first keyed event.
    with app.extensions["db"].transaction() as s:
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        events[0].actor = "staff:someone-else@example.org"
        prev = GENESIS
        for e in events[:3]:
            e.prev_hash, e.hash = prev, _plain(prev, e)
            prev = e.hash
    code, output = _verify(app)
    assert code == 1 and f"event {ids[3]}" in output


def test_the_trail_page_checks_its_own_events_without_reading_the_whole_log(app: Flask, client: FlaskClient) -> None:
    rid = store_request(app)
    sign_in_as(app, client, "hub_manager")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "audit_events" in statement:
            statements.append(statement)

    engine = app.extensions["db"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(f"/hub/requests/{rid}/audit")
        few = len(statements)
        _events(app, 60)  # other activity in the log
        statements.clear()
        html = client.get(f"/hub/requests/{rid}/audit").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "hash chain is intact" in html
    # Two more of this request's own events (the views) to check, nothing for the 60 others.
    assert len(statements) <= few + 2
    # The newest event is removed behind the service's back: the page shows it, from the checkpoint.
    with app.extensions["db"].transaction() as s:
        newest = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        s.execute(delete(AuditEvent).where(AuditEvent.id == newest))
    html = client.get(f"/hub/requests/{rid}/audit").get_data(as_text=True)
    assert f"hash chain is broken at event {newest}" in html


def test_removing_the_newest_event_is_caught_even_after_its_id_is_used_again(app: Flask) -> None:
    """SQLite hands a deleted newest row's id to the next row; the checkpoints remember both hashes."""
    ids = _events(app, 3)
    with app.extensions["db"].transaction() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.id == ids[-1]))
    _events(app, 2)
    code, output = _verify(app)
    assert code == 1 and f"event {ids[-1]}" in output


def test_the_audit_key_is_not_the_secret_key_and_a_short_one_is_refused() -> None:
    import pytest

    from app.config import ConfigurationError, load_settings

    secret = "s" * 40
    derived = load_settings(environ={"SECRET_KEY": secret}).audit_key()
    assert derived != secret.encode() and len(derived) == 64
    # Setting AUDIT_KEY to what `earlyhelp audit key` prints keeps the same chain through a SECRET_KEY rotation.
    rotated = load_settings(environ={"SECRET_KEY": "t" * 40, "AUDIT_KEY": derived.decode()})
    assert rotated.audit_key() == derived
    with pytest.raises(ConfigurationError, match="AUDIT_KEY is too short"):
        load_settings(environ={"SECRET_KEY": secret, "AUDIT_KEY": "short"})


def test_the_clock_checks_the_whole_log_every_night(app: Flask, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from app.cli.audit import register_audit_job, run_audit_check

    assert register_audit_job in app.extensions["clock_jobs"]
    added: list[dict] = []

    class Scheduler:
        def add_job(self, func, trigger, **kwargs):  # type: ignore[no-untyped-def]
            added.append({"func": func, "trigger": trigger, **kwargs})

    register_audit_job(Scheduler(), app)  # type: ignore[arg-type]
    assert added[0]["func"] is run_audit_check and added[0]["trigger"] == "cron"
    ids = _events(app, 3)
    assert run_audit_check(app).problem is None
    _edit(app, ids[1], actor="staff:someone-else@example.org")
    with caplog.at_level(logging.INFO, logger="earlyhelp.audit"):
        verdict = run_audit_check(app)
    assert verdict.problem is not None and verdict.problem.event_id == ids[1]
    assert any(r.levelno == logging.ERROR and f"event {ids[1]}" in r.getMessage() for r in caplog.records)
