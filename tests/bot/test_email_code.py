"""The browser chat confirms the referrer's work email with a six-digit code mailed through the outbox (a local
aiosmtpd server here): right, wrong, expired, too many tries, a new code, a remembered browser, the hourly limit,
immediate danger first, and what the hub sees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from intake.store import SupportRequest
from intake.store.email_code import EmailCode
from intake.store.outbox import OutboxMessage
from tests.bot.test_webchat import TYPICAL, answer_until_review
from tests.conftest import FakeClock, InlineExecutor, sign_in_as
from tests.mail_servers import SmtpServer, smtp_server

__all__ = ["smtp_server"]

EMAIL = "alex@example-primary.sch.uk"
BEFORE_CODE = {k: v for k, v in TYPICAL.items() if k != "referrer_email_code"} | {"referrer_email": {"text": EMAIL}}


@pytest.fixture
def mail_app(database_url: str, clock: FakeClock, smtp_server: SmtpServer) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "OUTBOX_SEND_NOW_EXECUTOR": InlineExecutor(),
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": smtp_server.host,
            "SMTP_PORT": str(smtp_server.port),
            "SMTP_STARTTLS": "false",
            "MAIL_FROM": "request-for-support@council.example.org",
            "REFERRER_EMAIL_DOMAINS": "sch.uk",
        }
    )
    yield app
    app.extensions["db"].dispose()


def send(client: FlaskClient, cid: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/chat/conversations/{cid}/messages", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def texts(data: dict[str, Any]) -> str:
    return "\n".join(r["text"] for r in data["replies"])


def walk(client: FlaskClient, answers: dict[str, Any], stop: Any) -> tuple[str, dict[str, Any]]:
    """Start a conversation and answer each question from `answers` until `stop(data)`."""
    data = client.post("/chat/conversations").get_json()
    cid = data["conversation_id"]
    for _ in range(60):
        if stop(data):
            return cid, data
        question = data["replies"][-1]
        qid = question["question_id"]
        if qid.startswith("indicators.") or (qid in ("concern_categories", "suggested_signs") and qid not in answers):
            body: dict[str, Any] = {"choices": [question["choices"][0]["value"]]}
        else:
            body = answers[qid]
        data = send(client, cid, body)
    raise AssertionError("never stopped")


def to_the_code(client: FlaskClient, answers: dict[str, Any] = BEFORE_CODE) -> tuple[str, dict[str, Any]]:
    """Answer up to the email and return at the code question."""
    return walk(client, answers, lambda data: data["replies"][-1]["question_id"] == "referrer_email_code")


def mailed_codes(server: SmtpServer) -> list[str]:
    return [m for body in server.mailbox.bodies() for m in re.findall(r"^(\d{6})\r?$", body, re.M)]


def finish(client: FlaskClient, cid: str, data: dict[str, Any]) -> dict[str, Any]:
    data = answer_until_review(client, cid, data, BEFORE_CODE)
    return send(client, cid, {"choice": "submit"})


def test_the_code_is_mailed_and_the_right_one_confirms_the_address(
    mail_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    client = mail_app.test_client()
    cid, data = to_the_code(client)
    assert f"I have sent a six-digit code to {EMAIL}" in texts(data)
    [code] = mailed_codes(smtp_server)
    assert smtp_server.mailbox.envelopes[0][1] == [EMAIL]
    body = smtp_server.mailbox.bodies()[0]
    assert "Testchild" not in body and "Sam" not in body
    with mail_app.extensions["db"].reading() as s:
        row = s.scalars(select(EmailCode)).one()
        # Hashed at rest with a key, bound to the browser: neither the code nor the browser's token is stored.
        assert code not in (row.code_hash or "") and len(row.code_hash or "") == 64
        assert client.get_cookie("earlyhelp_browser").value not in row.holder
        message = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "email_code")).one()
        assert message.status == "sent" and "code" not in message.payload
    data = send(client, cid, {"text": code[:3] + " " + code[3:]})
    assert not any(r.get("error") for r in data["replies"])
    assert data["replies"][-1]["question_id"] != "referrer_email_code"
    done = finish(client, cid, data)
    assert done["done"] is True
    with mail_app.extensions["db"].reading() as s:
        request = s.scalars(select(SupportRequest)).one()
        assert request.verified_by == "email_partner"
        assert request.verification["confirmed_at"] == clock.now.isoformat()
        assert code not in str(request.answers)
    sign_in_as(mail_app, client, "hub_worker")
    page = client.get(f"/hub/requests/{request.id}").get_data(as_text=True)
    assert "Email confirmed by code, partner domain" in page


def test_a_wrong_code_counts_and_five_wrong_tries_wear_the_code_out(mail_app: Flask, smtp_server: SmtpServer) -> None:
    client = mail_app.test_client()
    cid, _ = to_the_code(client)
    [code] = mailed_codes(smtp_server)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    data = send(client, cid, {"text": "12345"})
    assert "six digits" in texts(data)
    for left in (4, 3, 2, 1):
        data = send(client, cid, {"text": wrong})
        assert f"You have {left} tr" in texts(data)
    data = send(client, cid, {"text": wrong})
    assert "last try" in texts(data)
    data = send(client, cid, {"text": code})  # the right code no longer works
    assert "no code waiting" in texts(data)
    assert data["replies"][-1]["question_id"] == "referrer_email_code"


def test_a_code_expires_after_ten_minutes_and_a_new_one_works(
    mail_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    client = mail_app.test_client()
    cid, _ = to_the_code(client)
    [first] = mailed_codes(smtp_server)
    clock.advance(minutes=10, seconds=1)
    assert "expired" in texts(send(client, cid, {"text": first}))
    data = send(client, cid, {"text": "send a new code"})
    assert f"I have sent a new code to {EMAIL}" in texts(data)
    first_again, second = mailed_codes(smtp_server)
    assert first_again == first
    data = send(client, cid, {"text": second})
    assert data["replies"][-1]["question_id"] != "referrer_email_code"


def test_a_new_code_replaces_the_old_one(mail_app: Flask, smtp_server: SmtpServer) -> None:
    client = mail_app.test_client()
    cid, _ = to_the_code(client)
    send(client, cid, {"text": "send a new code"})
    first, second = mailed_codes(smtp_server)
    if first != second:
        assert "not right" in texts(send(client, cid, {"text": first}))
    data = send(client, cid, {"text": second})
    assert data["replies"][-1]["question_id"] != "referrer_email_code"


def test_codes_are_rate_limited_per_address_and_browser(mail_app: Flask, smtp_server: SmtpServer) -> None:
    client = mail_app.test_client()
    cid, _ = to_the_code(client)
    for _ in range(4):
        send(client, cid, {"text": "send a new code"})
    data = send(client, cid, {"text": "send a new code"})
    assert "Too many codes" in texts(data)
    assert len(mailed_codes(smtp_server)) == 5


def test_a_browser_that_confirmed_the_address_is_remembered_for_email_verified_days(
    mail_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    client = mail_app.test_client()
    cid, _ = to_the_code(client)
    [code] = mailed_codes(smtp_server)
    finish(client, cid, send(client, cid, {"text": code}))
    # The browser closes (the chat session ends) but keeps its long-lived token; it comes back a week later.
    client.delete_cookie("session")
    clock.advance(days=7)
    cid, data = to_the_code_or_past(client)
    assert "This browser confirmed" in texts(data) and data["replies"][-1]["question_id"] != "referrer_email_code"
    assert len(mailed_codes(smtp_server)) == 1
    finish(client, cid, data)
    with mail_app.extensions["db"].reading() as s:
        second = s.scalars(select(SupportRequest).order_by(SupportRequest.id.desc())).first()
        assert second.verified_by == "email_partner"
    # After EMAIL_VERIFIED_DAYS (30), or from another browser, a code is asked for again.
    client.delete_cookie("session")
    clock.advance(days=24)
    _, data = to_the_code(client)
    assert "I have sent a six-digit code" in texts(data)
    other = mail_app.test_client()
    clock.advance(days=-24)
    _, data = to_the_code(other)
    assert "I have sent a six-digit code" in texts(data)


def to_the_code_or_past(client: FlaskClient) -> tuple[str, dict[str, Any]]:
    answers = {**BEFORE_CODE, "referrer_confirm": {"choice": "yes"}}

    def stop(data: dict[str, Any]) -> bool:
        return data["replies"][-1]["question_id"] == "referrer_email_code" or "This browser confirmed" in texts(data)

    return walk(client, answers, stop)


def test_changing_the_address_asks_for_a_code_for_the_new_one(mail_app: Flask, smtp_server: SmtpServer) -> None:
    client = mail_app.test_client()
    cid, _ = to_the_code(client)
    [code] = mailed_codes(smtp_server)
    data = send(client, cid, {"text": code})
    data = answer_until_review(client, cid, data, BEFORE_CODE)
    data = send(client, cid, {"text": "change email"})
    assert data["replies"][-1]["question_id"] == "referrer_email"
    data = send(client, cid, {"text": "sam.other@example.org"})
    assert "I have sent a six-digit code to sam.other@example.org" in texts(data)
    assert data["replies"][-1]["question_id"] == "referrer_email_code"
    assert smtp_server.mailbox.envelopes[-1][1] == ["sam.other@example.org"]


def test_immediate_danger_comes_first_and_the_code_can_be_skipped_then(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    client = mail_app.test_client()
    data = client.post("/chat/conversations").get_json()
    cid = data["conversation_id"]
    assert data["replies"][-1]["question_id"] == "immediate_danger"
    data = send(client, cid, {"choice": "yes"})
    assert "999" in texts(data) and not smtp_server.mailbox.messages  # the advice before any code
    answers = {**BEFORE_CODE, "carry_on_after_emergency": {"choice": "yes"}}
    for _ in range(20):
        qid = data["replies"][-1]["question_id"]
        if qid == "referrer_email_code":
            break
        data = send(client, cid, answers[qid])
    assert "type 'skip'" in texts(data)
    data = send(client, cid, {"text": "skip"})
    assert data["replies"][-1]["question_id"] != "referrer_email_code"
    done = finish(client, cid, data)
    assert done["done"] is True
    with mail_app.extensions["db"].reading() as s:
        assert s.scalars(select(SupportRequest)).one().verified_by == "unconfirmed_partner"


def test_skip_is_only_for_immediate_danger(mail_app: Flask) -> None:
    client = mail_app.test_client()
    cid, _ = to_the_code(client)
    data = send(client, cid, {"text": "skip"})
    assert data["replies"][-1]["question_id"] == "referrer_email_code" and data["replies"][0].get("error")


def test_the_console_backend_prints_the_code_so_make_run_works(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="earlyhelp.mail")
    to_the_code(client, {**BEFORE_CODE, "referrer_email": {"text": "alex@school.example.org"}})
    assert "code 246813" in caplog.text


def test_the_retention_job_deletes_code_rows_once_they_can_prove_nothing(
    mail_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    from app.retention_job import run_retention

    to_the_code(mail_app.test_client())
    clock.advance(days=30)
    run_retention(mail_app)
    with mail_app.extensions["db"].reading() as s:
        assert len(s.scalars(select(EmailCode)).all()) == 1
    clock.advance(days=1, seconds=1)
    run_retention(mail_app)
    with mail_app.extensions["db"].reading() as s:
        assert s.scalars(select(EmailCode)).all() == []
