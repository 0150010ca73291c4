"""Local hub accounts: sign-in, wrong passwords, CSRF, sign-out and the idle timeout (guessing and back-off:
test_sign_in_guessing.py)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.store.audit import AuditEvent
from tests.conftest import FakeClock
from tests.hub.helpers import csrf_from, make_account

PASSWORD = "correct horse battery staple"


def _sign_in(client: FlaskClient, email: str, password: str, token: str | None = None) -> object:
    token = token if token is not None else csrf_from(client, "/hub/sign-in")
    return client.post("/hub/sign-in", data={"email": email, "password": password, "csrf_token": token})


def test_hub_pages_send_you_to_sign_in_first(client: FlaskClient) -> None:
    response = client.get("/hub/requests?status=decided")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/hub/sign-in?next=")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<label for="email">' in html and '<label for="password">' in html
    assert "Sign in with your council account" not in html  # no OIDC_ISSUER configured


def test_sign_in_with_a_local_account_and_return_to_the_page_asked_for(app: Flask, client: FlaskClient) -> None:
    make_account(app, "worker@example.org", "hub_worker")
    token = csrf_from(client, "/hub/sign-in")
    response = client.post(
        "/hub/sign-in?next=/hub/requests?status%3Ddecided",
        data={"email": "Worker@Example.org ", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/hub/requests?status=decided"
    page = client.get("/hub/requests")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    with app.extensions["db"].reading() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent))]
    assert actions == ["staff.signed_in"]


def test_next_never_leaves_the_hub(app: Flask, client: FlaskClient) -> None:
    make_account(app, "worker@example.org", "hub_worker")
    token = csrf_from(client, "/hub/sign-in")
    for bad in ("https://evil.example.org/", "//evil.example.org/hub", "/chat/finished"):
        response = client.post(
            "/hub/sign-in", query_string={"next": bad},
            data={"email": "worker@example.org", "password": PASSWORD, "csrf_token": token},
        )  # fmt: skip
        assert response.headers["Location"] == "/hub/requests"
        client.post("/hub/sign-out", data={"csrf_token": csrf_from(client, "/hub/requests")})
        token = csrf_from(client, "/hub/sign-in")


def test_wrong_password_and_unknown_email_get_the_same_message(app: Flask, client: FlaskClient) -> None:
    make_account(app, "worker@example.org", "hub_worker")
    wrong = _sign_in(client, "worker@example.org", "not the password")
    unknown = _sign_in(client, "nobody@example.org", PASSWORD)
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "The email address or password is not right" in html
        assert 'class="error-summary"' in html
    assert client.get("/hub/requests").status_code == 302


def test_empty_fields_get_an_error_summary_linking_to_each_field(client: FlaskClient) -> None:
    response = _sign_in(client, "", "")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#email">Enter your email address</a>' in html
    assert '<a href="#password">Enter your password</a>' in html
    assert 'aria-describedby="email-error"' in html


def test_sign_in_without_a_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    make_account(app, "worker@example.org", "hub_worker")
    client.get("/hub/sign-in")
    response = client.post("/hub/sign-in", data={"email": "worker@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    forged = _sign_in(client, "worker@example.org", PASSWORD, token="forged-token")
    assert forged.status_code == 400
    assert client.get("/hub/requests").status_code == 302


def test_sign_out_ends_the_session_and_needs_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    make_account(app, "worker@example.org", "hub_worker")
    _sign_in(client, "worker@example.org", PASSWORD)
    assert client.post("/hub/sign-out").status_code == 400  # a cross-site form cannot sign you out
    assert client.get("/hub/requests").status_code == 200
    token = csrf_from(client, "/hub/requests")
    response = client.post("/hub/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    assert "You have signed out" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/hub/requests").status_code == 302


def test_idle_sessions_end(app: Flask, client: FlaskClient, clock: FakeClock) -> None:
    make_account(app, "worker@example.org", "hub_worker")
    _sign_in(client, "worker@example.org", PASSWORD)
    clock.advance(minutes=29)
    assert client.get("/hub/requests").status_code == 200  # activity keeps it alive
    clock.advance(minutes=29)
    assert client.get("/hub/requests").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/hub/requests")
    assert response.status_code == 302
    assert "inactive" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_disabled_accounts_lose_their_session_at_once(app: Flask, client: FlaskClient) -> None:
    from hub.staff import find

    make_account(app, "worker@example.org", "hub_worker")
    _sign_in(client, "worker@example.org", PASSWORD)
    with app.extensions["db"].transaction() as s:
        find(s, "worker@example.org").active = False  # type: ignore[union-attr]
    assert client.get("/hub/requests").status_code == 302
    assert _sign_in(client, "worker@example.org", PASSWORD).status_code == 400


def test_session_cookie_is_http_only_and_same_site(app: Flask, client: FlaskClient) -> None:
    make_account(app, "worker@example.org", "hub_worker")
    response = _sign_in(client, "worker@example.org", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_setting(database_url: str, clock: FakeClock) -> None:
    from app import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
                      "TESTING": True, "CLOCK": clock, "SESSION_COOKIE_SECURE": "true"})  # fmt: skip
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["db"].dispose()
