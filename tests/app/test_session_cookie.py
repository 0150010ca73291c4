"""The session cookie is read only by requests that use the session, and set again only by them."""

from __future__ import annotations

from flask import Flask, session
from flask.testing import FlaskClient

from app.session_cookie import DeferredCookieSessions, DeferredSession


def _cookie(response) -> str | None:  # type: ignore[no-untyped-def]
    header = response.headers.get("Set-Cookie")
    return header.split(";", 1)[0] if header else None


def test_the_chat_identity_lasts_across_requests_that_do_not_use_it(client: FlaskClient) -> None:
    opened = client.post("/chat/conversations")
    assert opened.status_code == 201
    assert _cookie(opened) is not None  # the identity is made here and sent to the browser
    conversation = opened.get_json()["conversation_id"]

    message = client.post(f"/chat/conversations/{conversation}/messages", json={"choice": "no"})
    assert message.status_code == 200
    # A chat message never uses the session: no cookie set again, nothing to vary on.
    assert "Set-Cookie" not in message.headers
    assert "Cookie" not in message.headers.get("Vary", "")

    # The page does use it, finds the same identity (the same open draft), and slides the cookie's expiry.
    page = client.get("/")
    assert page.status_code == 200
    assert _cookie(page) is not None
    assert "Cookie" in page.headers["Vary"]
    again = client.post("/chat/conversations")
    assert again.get_json()["conversation_id"] == conversation


def test_a_tampered_cookie_is_a_fresh_session(client: FlaskClient) -> None:
    client.post("/chat/conversations")
    client.set_cookie("session", "not-a-signed-value")
    first = client.post("/chat/conversations").get_json()["conversation_id"]
    second = client.post("/chat/conversations").get_json()["conversation_id"]
    assert first == second  # a new identity was made and kept; nothing failed


def test_nothing_is_read_until_used() -> None:
    reads: list[int] = []
    deferred = DeferredSession(lambda: reads.append(1) or {"webchat_id": "synthetic-1"})
    assert not deferred.loaded
    deferred.accessed = True  # what flask.session does on first use
    assert reads == [1] and deferred["webchat_id"] == "synthetic-1"
    assert not deferred.modified  # what was stored is not a change

    direct = DeferredSession(lambda: {"webchat_id": "synthetic-2", "_permanent": True})
    assert direct.permanent  # any dict method reads first, for code holding the object itself
    direct["extra"] = 1
    assert dict(direct) == {"webchat_id": "synthetic-2", "_permanent": True, "extra": 1}
    assert direct.modified


def test_the_test_clients_session_transaction_still_works(app: Flask) -> None:
    assert isinstance(app.session_interface, DeferredCookieSessions)
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["webchat_id"] = "synthetic-3"
    with client.session_transaction() as sess:
        assert sess["webchat_id"] == "synthetic-3"

    @app.get("/_test_session")
    def read() -> str:
        return str(session.get("webchat_id"))

    assert client.get("/_test_session").get_data(as_text=True) == "synthetic-3"
