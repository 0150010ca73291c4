"""`earlyhelp users ...`: accounts made from the console, with hashed passwords."""

from __future__ import annotations

from flask import Flask

from hub.staff import find
from tests.hub.helpers import csrf_from


def test_add_a_user_with_a_password_from_stdin_then_sign_in(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "add", "Sam.Manager@example.org", "--role", "hub_manager", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with app.extensions["db"].reading() as s:
        account = find(s, "sam.manager@example.org")
        assert account is not None and account.role == "hub_manager"
        assert account.password_hash and account.password_hash.startswith("scrypt:")
        assert "a long enough password" not in account.password_hash
    client = app.test_client()
    token = csrf_from(client, "/hub/sign-in")
    signed_in = client.post(
        "/hub/sign-in",
        data={"email": "sam.manager@example.org", "password": "a long enough password", "csrf_token": token},
    )
    assert signed_in.status_code == 302


def test_add_refuses_bad_input_with_a_clear_message(app: Flask) -> None:
    runner = app.test_cli_runner()
    short = runner.invoke(
        args=["users", "add", "a@example.org", "--role", "hub_worker", "--password-stdin"], input="x\n"
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    bad_email = runner.invoke(args=["users", "add", "not-an-email", "--role", "hub_worker", "--sso-only"])
    assert bad_email.exit_code != 0 and "email address" in bad_email.output
    bad_role = runner.invoke(args=["users", "add", "a@example.org", "--role", "boss", "--sso-only"])
    assert bad_role.exit_code != 0
    runner.invoke(args=["users", "add", "a@example.org", "--role", "hub_worker", "--sso-only"])
    twice = runner.invoke(args=["users", "add", "a@example.org", "--role", "hub_worker", "--sso-only"])
    assert twice.exit_code != 0 and "already" in twice.output


def test_prompted_password_and_account_management(app: Flask) -> None:
    runner = app.test_cli_runner()
    added = runner.invoke(
        args=["users", "add", "b@example.org", "--role", "hub_worker"],
        input="prompted password 1\nprompted password 1\n",
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(args=["users", "set-role", "b@example.org", "admin"]).exit_code == 0
    assert runner.invoke(args=["users", "disable", "b@example.org"]).exit_code == 0
    listed = runner.invoke(args=["users", "list"])
    assert "b@example.org\tadmin\tpassword\tdisabled" in listed.output
    assert runner.invoke(args=["users", "enable", "b@example.org"]).exit_code == 0
    assert runner.invoke(args=["users", "unlock", "b@example.org"]).exit_code == 0
    changed = runner.invoke(
        args=["users", "set-password", "b@example.org", "--password-stdin"], input="another password 2\n"
    )
    assert changed.exit_code == 0
    missing = runner.invoke(args=["users", "disable", "nobody@example.org"])
    assert missing.exit_code != 0 and "No account" in missing.output


def test_every_account_change_is_audited(app: Flask) -> None:
    from sqlalchemy import select

    from intake.store.audit import AuditEvent

    runner = app.test_cli_runner()
    steps = [
        (["add", "c@example.org", "--role", "hub_worker", "--password-stdin"], "first password 12\n"),
        (["set-role", "c@example.org", "hub_manager"], None),
        (["set-password", "c@example.org", "--password-stdin"], "second password 12\n"),
        (["unlock", "c@example.org"], None),
        (["disable", "c@example.org"], None),
        (["enable", "c@example.org"], None),
    ]
    for args, stdin in steps:
        result = runner.invoke(args=["users", *args], input=stdin)
        assert result.exit_code == 0, result.output
    with app.extensions["db"].reading() as s:
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.action for e in events] == [
        "staff.added",
        "staff.role_changed",
        "staff.password_changed",
        "staff.unlocked",
        "staff.disabled",
        "staff.enabled",
    ]
    assert all(e.actor.startswith("cli:") and e.detail["account"] == "c@example.org" for e in events)
    assert events[1].detail["role"] == "hub_manager"
    assert not any("password 12" in str(e.detail) for e in events)
