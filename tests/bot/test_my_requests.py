"""/my-requests: a referrer's own requests after confirming their work email by a code mailed through the outbox
(a local aiosmtpd server): the code flow, what is shown (never the child or the concern), and nothing for anyone
else."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from intake import triage
from intake.store import SupportRequest
from tests.bot.test_email_code import mail_app, mailed_codes
from tests.conftest import FakeClock
from tests.hub.helpers import store_request
from tests.mail_servers import SmtpServer, smtp_server

__all__ = ["mail_app", "smtp_server"]


def token(client: FlaskClient) -> str:
    page = client.get("/my-requests").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def ask(client: FlaskClient, email: str) -> None:
    response = client.post("/my-requests", data={"csrf_token": token(client), "email": email})
    assert response.status_code == 302


def confirm(client: FlaskClient, code: str) -> str:
    client.post("/my-requests/code", data={"csrf_token": token(client), "code": code})
    return client.get("/my-requests").get_data(as_text=True)


def test_a_referrer_reads_their_own_requests_after_a_code(
    mail_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    mine = store_request(mail_app, first="Ada")
    other = store_request(mail_app, first="Bea")
    with mail_app.extensions["db"].transaction() as s:
        s.get(SupportRequest, other).referrer.email = "someone.else@example.org"
        triage.record_decision(
            s,
            mine,
            outcome="early_help_universal_plus",
            hub_level=2,
            rationale="Synthetic.",
            override_reason=None,
            actor="staff:1",
            now=clock.now,
        )
        mine_ref, other_ref = s.get(SupportRequest, mine).reference, s.get(SupportRequest, other).reference
    client = mail_app.test_client()
    assert "Give the work email" in client.get("/my-requests").get_data(as_text=True)
    ask(client, "Alex@School.Example.org")
    assert smtp_server.mailbox.envelopes[-1][1] == ["alex@school.example.org"]
    [code] = mailed_codes(smtp_server)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert "not right" in client.post("/my-requests/code", data={"csrf_token": token(client), "code": wrong}).get_data(
        as_text=True
    )
    page = confirm(client, code)
    assert mine_ref in page and other_ref not in page
    assert "Early help: universal plus" in page and "What happens next" in page
    for words in ("Ada", "Testchild", "FY1 1AA", "Synthetic test concern"):
        assert words not in page
    # The confirmation lasts half an hour in this browser session, then a new code is needed.
    clock.advance(minutes=31)
    assert "Give the work email" in client.get("/my-requests").get_data(as_text=True)


def test_an_address_with_no_requests_gets_the_same_answer_and_forms_need_their_token(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    client = mail_app.test_client()
    assert client.post("/my-requests", data={"email": "x@example.org"}).status_code == 400
    assert client.post("/my-requests", data={"csrf_token": token(client), "email": "not an email"}).status_code == 400
    ask(client, "nobody@example.org")
    assert "If nobody@example.org is the address you used" in client.get("/my-requests").get_data(as_text=True)
    [code] = mailed_codes(smtp_server)
    assert "There are no requests raised with this address." in confirm(client, code)


def test_the_code_for_my_requests_is_not_the_chat_s_and_is_never_remembered(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    client = mail_app.test_client()
    ask(client, "alex@school.example.org")
    [code] = mailed_codes(smtp_server)
    confirm(client, code)
    client.post("/my-requests/sign-out", data={"csrf_token": token(client)})
    assert "Give the work email" in client.get("/my-requests").get_data(as_text=True)
