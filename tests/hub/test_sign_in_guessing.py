"""Password guessing at hub sign-in: the answer and its cost never say whether an account exists, repeated failures
are held back per email and per address, a stranger cannot lock a staff member out, the typed email is never kept
in the audit log, and the counts are shared between workers through RATE_LIMIT_STORAGE_URI."""

from __future__ import annotations

import secrets
import socket
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.store.audit import AuditEvent
from tests.conftest import FakeClock
from tests.hub.helpers import PASSWORD, csrf_from, make_account

EMAIL = "worker@example.org"


def _attempt(client: FlaskClient, email: str, password: str, address: str = "192.0.2.10") -> Any:
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_from(client, "/hub/sign-in")
    return client.post("/hub/sign-in", data={"email": email, "password": password, "csrf_token": token})


def test_known_and_unknown_emails_get_the_same_answers_at_the_same_cost(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hub.staff

    make_account(app, EMAIL, "hub_worker")
    make_account(app, "sso.only@example.org", "hub_worker", password=None)
    checks: list[str] = []
    real = hub.staff.check_password_hash

    def counting(stored: str, password: str) -> bool:
        checks.append(stored[:6])
        return real(stored, password)

    monkeypatch.setattr(hub.staff, "check_password_hash", counting)
    answers = {}
    for n, email in enumerate((EMAIL, "nobody@example.org", "sso.only@example.org")):
        for attempt in range(7):  # past the hold for both
            response = _attempt(client, email, f"guess {attempt}", address=f"192.0.2.{n * 10 + attempt}")
            answers.setdefault(email, []).append((response.status_code, _message(response)))
    assert answers[EMAIL] == answers["nobody@example.org"] == answers["sso.only@example.org"]
    assert [status for status, _ in answers[EMAIL]] == [400] * 5 + [429] * 2
    assert "locked" not in str(answers)
    # Exactly one scrypt check per attempt on every path, held back or not: the timing says nothing either.
    assert len(checks) == 21 and all(c.startswith("scrypt") for c in checks)


def _message(response: Any) -> str:
    html = response.get_data(as_text=True)
    return html.split('class="error-summary"')[1].split("</ul>")[0] if 'class="error-summary"' in html else html


def test_a_stranger_cannot_lock_a_staff_member_out_of_their_usual_computer(app: Flask, client: FlaskClient) -> None:
    make_account(app, EMAIL, "hub_worker")
    usual = "198.51.100.7"
    assert _attempt(client, EMAIL, PASSWORD, usual).status_code == 302  # their usual place, remembered
    client.post("/hub/sign-out", data={"csrf_token": csrf_from(client, "/hub/requests")})
    stranger = app.test_client()
    for n in range(12):  # from many addresses, past the per-address limit
        _attempt(stranger, EMAIL, f"guess {n}", address=f"203.0.113.{n}")
    held = _attempt(stranger, EMAIL, PASSWORD, "203.0.113.99")
    assert held.status_code == 429  # even the right password, from somewhere else
    assert _attempt(client, EMAIL, PASSWORD, usual).status_code == 302  # the real person is not locked out


def test_unlock_clears_the_hold(app: Flask, client: FlaskClient) -> None:
    make_account(app, EMAIL, "hub_worker")
    for n in range(5):
        _attempt(client, EMAIL, "guess", address=f"203.0.113.{n}")
    assert _attempt(client, EMAIL, PASSWORD, "203.0.113.50").status_code == 429
    assert app.test_cli_runner().invoke(args=["users", "unlock", EMAIL]).exit_code == 0
    assert _attempt(client, EMAIL, PASSWORD, "203.0.113.50").status_code == 302


def test_sign_in_posts_are_limited_per_address(app: Flask, client: FlaskClient) -> None:
    statuses = [_attempt(client, f"person{n}@example.org", "guess", "192.0.2.77").status_code for n in range(11)]
    assert statuses == [400] * 10 + [429]  # SIGN_IN_RATE_LIMIT: 10 a minute from one address
    assert _attempt(client, "person@example.org", "guess", "192.0.2.78").status_code == 400


def test_text_typed_as_the_email_is_not_kept_in_the_audit_log(app: Flask, client: FlaskClient) -> None:
    make_account(app, EMAIL, "hub_worker")
    typed = "MySecretPassw0rd@oops.example"  # a password typed into the email box
    _attempt(client, typed, "anything")
    _attempt(client, EMAIL, "wrong password")
    with app.extensions["db"].reading() as s:
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert len(events) == 2
    assert all(typed.casefold() not in str(e.detail).casefold() and EMAIL not in str(e.detail) for e in events)
    first, second = (e.detail for e in events)
    assert len(first["email_tag"]) == 16 and "account_id" not in first
    assert second["account_id"] and second["outcome"] == "wrong"
    assert app.extensions["sign_in_guard"].email_tag(typed) == first["email_tag"]  # matchable by who knows it


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running at 127.0.0.1:6379")
def test_two_workers_share_counts_through_the_rate_limit_storage(database_url: str, clock: FakeClock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app import create_app

    config = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
        "TESTING": True,
        "CLOCK": clock,
        "RATE_LIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "SIGN_IN_RATE_LIMIT": "4/minute",
        "AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoints.log"),
    }
    one, two = create_app(config), create_app(config)
    try:
        run = secrets.token_hex(4)  # keys of their own, whatever else uses this Redis
        address = f"10.{int(run[:2], 16)}.{int(run[2:4], 16)}.{int(run[4:6], 16)}"
        first, second = one.test_client(), two.test_client()
        # Per address: four posts a minute in all, whichever worker takes them.
        statuses = [_attempt(c, f"{run}-{n}@example.org", "guess", address).status_code
                    for n, c in enumerate((first, second, first, second, first))]  # fmt: skip
        assert statuses == [400, 400, 400, 400, 429]
        # Per email: five failures across both workers hold it back on either.
        email = f"{run}@example.org"
        for n in range(5):
            _attempt(first if n % 2 else second, email, "guess", f"10.98.{int(run[6:8], 16)}.{n}")
        assert _attempt(first, email, "guess", "10.99.99.1").status_code == 429
        assert _attempt(second, email, "guess", "10.99.99.2").status_code == 429
    finally:
        one.extensions["db"].dispose()
        two.extensions["db"].dispose()


def test_a_rate_limit_store_outage_never_locks_staff_out_or_fails_the_chat(
    database_url: str,
    clock: FakeClock,
    tmp_path,
    caplog,  # type: ignore[no-untyped-def]
) -> None:
    import logging

    from app import create_app

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "RATE_LIMIT_STORAGE_URI": "redis://127.0.0.1:1",  # nothing listens there
            "AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoints.log"),
        }
    )
    try:
        make_account(app, EMAIL, "hub_worker")
        with caplog.at_level(logging.WARNING):
            assert _attempt(app.test_client(), EMAIL, "wrong", "192.0.2.1").status_code == 400
            assert _attempt(app.test_client(), EMAIL, PASSWORD, "192.0.2.1").status_code == 302
            assert app.test_client().post("/chat/conversations", json={}).status_code == 201
        assert any("storage failed" in r.getMessage() for r in caplog.records)
    finally:
        app.extensions["db"].dispose()
