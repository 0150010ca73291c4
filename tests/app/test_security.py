"""Security headers on every response and rate limits on the public chat."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.conftest import FakeClock


def test_security_headers_on_pages_and_api(client: FlaskClient) -> None:
    for response in (client.get("/"), client.post("/chat/conversations")):
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers  # plain HTTP in tests
    assert client.post("/chat/conversations").headers["Cache-Control"] == "no-store"


def test_hsts_behind_tls(client: FlaskClient) -> None:
    response = client.get("/", base_url="https://chat.example.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_chat_api_is_rate_limited_with_a_clear_message(database_url: str, clock: FakeClock) -> None:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "CHAT_RATE_LIMIT": "3/minute",
        }
    )
    client = app.test_client()
    statuses = [client.post("/chat/conversations").status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    limited = client.post("/chat/conversations")
    assert "Wait a minute" in limited.get_json()["error"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Each endpoint counts on its own, and only the limited ones are checked at all.
    conversation = client.get("/chat/conversations/none").status_code
    assert conversation == 404
    app.extensions["db"].dispose()


def test_sign_in_attempts_are_limited_but_the_form_is_not(database_url: str, clock: FakeClock) -> None:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "SIGN_IN_RATE_LIMIT": "2/minute",
        }
    )
    client = app.test_client()
    assert all(client.get("/hub/sign-in").status_code == 200 for _ in range(4))
    attempts = [
        client.post("/hub/sign-in", data={"email": "nobody@example.org", "password": "wrong"}).status_code
        for _ in range(3)
    ]
    assert 429 not in attempts[:2] and attempts[2] == 429
    app.extensions["db"].dispose()


def test_a_view_may_set_its_own_security_header(app: Flask) -> None:
    @app.get("/_framed")
    def framed() -> tuple[str, int, dict[str, str]]:
        return "ok", 200, {"X-Frame-Options": "SAMEORIGIN"}

    response = app.test_client().get("/_framed")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_errors_and_static_files_carry_the_headers(client: FlaskClient) -> None:
    for response in (client.get("/no-such-page"), client.get("/chat/static/chat.css")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_oversized_bodies_are_refused_politely(client: FlaskClient) -> None:
    conversation_id = client.post("/chat/conversations").get_json()["conversation_id"]
    response = client.post(
        f"/chat/conversations/{conversation_id}/messages",
        data='{"text": "' + "x" * 300_000 + '"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]
