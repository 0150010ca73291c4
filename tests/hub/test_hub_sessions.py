"""Hub sessions can be ended: a copied cookie stops working after sign-out, a password change, a role change or
disabling (every session of that person ends at once), and after the idle timeout even when replayed."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import FakeClock
from tests.hub.helpers import PASSWORD, csrf_from, make_account

EMAIL = "worker@example.org"


def _signed_in(app: Flask, email: str = EMAIL, role: str = "hub_worker") -> FlaskClient:
    client = app.test_client()
    token = csrf_from(client, "/hub/sign-in")
    response = client.post("/hub/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _copy(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding the same cookie (as someone who copied it would)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = app.test_client()
    other.set_cookie("session", cookie.value)
    return other


def _works(client: FlaskClient) -> bool:
    status = client.get("/hub/requests").status_code
    assert status in (200, 302)
    return status == 200


def _cli(app: Flask, *args: str, stdin: str | None = None) -> None:
    result = app.test_cli_runner().invoke(args=["users", *args], input=stdin)
    assert result.exit_code == 0, result.output


def test_sign_out_ends_a_copied_cookie_and_every_other_session(app: Flask) -> None:
    make_account(app, EMAIL, "hub_worker")
    first = _signed_in(app)
    elsewhere = _signed_in(app)  # the same person in another browser
    copied = _copy(app, first)
    assert _works(copied)
    first.post("/hub/sign-out", data={"csrf_token": csrf_from(first, "/hub/requests")})
    assert not _works(first)
    assert not _works(copied)
    assert not _works(elsewhere)
    assert _works(_signed_in(app))  # signing in again starts afresh


def test_a_password_change_ends_every_session(app: Flask) -> None:
    make_account(app, EMAIL, "hub_worker")
    client = _signed_in(app)
    copied = _copy(app, client)
    _cli(app, "set-password", EMAIL, "--password-stdin", stdin="a brand new password\n")
    assert not _works(client)
    assert not _works(copied)
    ended = client.get("/hub/requests")  # the sign-in page says why
    assert "you signed out elsewhere, or your account was changed" in client.get(ended.headers["Location"]).text


def test_a_role_change_ends_every_session(app: Flask) -> None:
    make_account(app, "manager@example.org", "hub_manager")
    client = _signed_in(app, "manager@example.org", "hub_manager")
    copied = _copy(app, client)
    assert client.get("/hub/dashboard").status_code == 200
    _cli(app, "set-role", "manager@example.org", "hub_worker")
    assert not _works(copied)
    assert not _works(client)
    again = _signed_in(app, "manager@example.org")
    assert again.get("/hub/dashboard").status_code == 403  # the new role, not the old one


def test_disabling_ends_every_session_and_enabling_does_not_revive_them(app: Flask) -> None:
    make_account(app, EMAIL, "hub_worker")
    client = _signed_in(app)
    copied = _copy(app, client)
    _cli(app, "disable", EMAIL)
    _cli(app, "enable", EMAIL)
    assert not _works(client)
    assert not _works(copied)


def test_an_idle_session_ends_even_when_an_old_cookie_is_replayed(app: Flask, clock: FakeClock) -> None:
    make_account(app, EMAIL, "hub_worker")
    client = _signed_in(app)
    old = client.get_cookie("session").value  # type: ignore[union-attr]
    clock.advance(minutes=20)
    assert _works(client)  # in use: the live session moves on
    clock.advance(minutes=20)
    replayed = app.test_client()
    replayed.set_cookie("session", old)
    assert not _works(replayed)  # the copy's last request was 40 minutes ago: idle, whatever the live one did
    assert _works(client)
    clock.advance(minutes=31)
    assert not _works(client)


def test_a_cookie_from_before_the_session_version_is_refused(app: Flask) -> None:
    """A cookie without a session version (or with a forged-looking one) never counts as signed in."""
    from hub.auth import SESSION_KEY, VERSION_KEY

    make_account(app, EMAIL, "hub_worker")
    client = _signed_in(app)
    with client.session_transaction() as sess:
        sess.pop(VERSION_KEY)
        assert sess[SESSION_KEY]
    assert not _works(client)


def test_a_copy_kept_alive_by_use_still_ends_after_the_longest_session(app: Flask, clock: FakeClock) -> None:
    """Someone replaying a copy every few minutes keeps it from idling, but not past HUB_SESSION_MAX_HOURS."""
    make_account(app, EMAIL, "hub_worker")
    copied = _copy(app, _signed_in(app))
    for _ in range(11 * 4):  # every 15 minutes for 11 hours
        clock.advance(minutes=15)
        assert _works(copied)
    clock.advance(minutes=61)
    assert not _works(copied)
