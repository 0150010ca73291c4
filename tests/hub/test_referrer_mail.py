"""Mail to the referrer through a local SMTP server (aiosmtpd): the acknowledgement at submission and the hub's
outcome, what they say (never the child or the concern), a mail server that is down or refuses (retried, nothing
lost, nothing sent twice), Slack and Teams referrers who ask for mail too, and "phone the referrer" when nothing
reaches them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from app.clock import sweep_due
from intake import triage
from intake.referrer_reach import mail_address, reachable, ways_back
from intake.store import Referrer, SupportRequest
from intake.store.follow_up import DONE, WAITING, FollowUp
from intake.store.outbox import FAILED, PENDING, SENT, OutboxMessage
from tests.bot.test_email_code import BEFORE_CODE, mailed_codes, send, to_the_code
from tests.bot.test_webchat import answer_until_review
from tests.conftest import FakeClock, InlineExecutor, sign_in_as
from tests.hub.helpers import store_request
from tests.mail_servers import SmtpServer, free_port

EMAIL = "alex@example-primary.sch.uk"
CHILD_WORDS = ("Sam", "Testchild", "FY1 1AA", "hungry", "Synthetic test concern", "14/03/2016", "2016-03-14")


@pytest.fixture
def mail_app(database_url: str, clock: FakeClock, smtp_server: SmtpServer) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "PUBLIC_URL": "https://rfs.example.org",
            "OUTBOX_SEND_NOW_EXECUTOR": InlineExecutor(),
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": smtp_server.host,
            "SMTP_PORT": str(smtp_server.port),
            "SMTP_STARTTLS": "false",
            "MAIL_FROM": "request-for-support@council.example.org",
        }
    )
    yield app
    app.extensions["db"].dispose()


def submit_from_the_browser(app: Flask, smtp: SmtpServer) -> SupportRequest:
    client = app.test_client()
    cid, _ = to_the_code(client)
    [code] = mailed_codes(smtp)
    answer_until_review(client, cid, send(client, cid, {"text": code}), BEFORE_CODE)
    assert send(client, cid, {"choice": "submit"})["done"] is True
    with app.extensions["db"].reading() as s:
        return s.scalars(select(SupportRequest)).one()


def decide(app: Flask, request_id: int, outcome: str = "early_help_universal_plus") -> None:
    with app.extensions["db"].transaction() as s:
        triage.record_decision(
            s,
            request_id,
            outcome=outcome,
            hub_level=s.get(SupportRequest, request_id).level,
            rationale="Synthetic rationale naming Sam Testchild.",
            override_reason=None,
            actor="staff:1",
            now=app.extensions["clock"](),
        )


def mails_of(smtp: SmtpServer, kind_words: str) -> list[str]:
    return [m.get_content() for m in smtp.mailbox.messages if kind_words in str(m["Subject"])]


def assert_no_child_detail(text: str) -> None:
    for words in CHILD_WORDS:
        assert words not in text, words


def test_the_browser_referrer_gets_an_acknowledgement_then_the_outcome_by_mail(
    mail_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    request = submit_from_the_browser(mail_app, smtp_server)
    sweep_due(mail_app)
    [ack] = mails_of(smtp_server, "received")
    assert request.reference in ack and "Raised" in ack and "24 November 2026" in ack
    assert f"level {request.level}" in ack and request.decision["route_label"] in ack
    assert "The hub will decide by" in ack and "https://rfs.example.org/my-requests" in ack
    assert request.decision["next_steps"][:40] in " ".join(ack.split())
    assert_no_child_detail(ack)
    assert [to for _, to in smtp_server.mailbox.envelopes] == [[EMAIL], [EMAIL]]  # the code, then the ack

    clock.advance(hours=2)
    decide(mail_app, request.id)
    sweep_due(mail_app)
    [outcome] = mails_of(smtp_server, "Outcome")
    assert request.reference in outcome and "Early help" in outcome and "What this means for you" in outcome
    assert_no_child_detail(outcome)
    assert "rationale" not in outcome.lower()
    with mail_app.extensions["db"].reading() as s:
        kinds = {(m.kind, m.channel, m.status) for m in s.scalars(select(OutboxMessage))}
        assert ("request_acknowledgement", "mail", SENT) in kinds and ("referrer_outcome", "mail", SENT) in kinds
        assert ("referrer_outcome", "webchat", SENT) in kinds  # still in "Your requests" too
        assert not s.scalars(select(FollowUp).where(FollowUp.kind == "phone_referrer")).all()
    sweep_due(mail_app)
    assert len(smtp_server.mailbox.messages) == 3  # nothing sent twice


def test_a_mail_server_that_is_down_or_refuses_loses_nothing_and_sends_once(
    mail_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    request = submit_from_the_browser(mail_app, smtp_server)
    sweep_due(mail_app)
    smtp_server.mailbox.refuse_data.extend(["451 4.3.0 Try again later"] * 2)
    decide(mail_app, request.id)
    sweep_due(mail_app)
    with mail_app.extensions["db"].reading() as s:
        row = s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "referrer_outcome", OutboxMessage.channel == "mail")
        ).one()
        assert row.status == PENDING and row.attempts == 1 and "451" in (row.last_error or "")
    for minutes in (1, 2):
        clock.advance(minutes=minutes, seconds=1)
        sweep_due(mail_app)
    with mail_app.extensions["db"].reading() as s:
        row = s.get(OutboxMessage, row.id)
        assert row.status == SENT and row.attempts == 3
    clock.advance(hours=1)
    sweep_due(mail_app)
    assert len(mails_of(smtp_server, "Outcome")) == 1

    # A server that is not there at all: retried the same way, then, after the last attempt, failed loudly.
    mail_app.extensions["notifiers"]["mail"].backend.port = free_port()  # nothing listens there
    other = store_request(mail_app, first="Bea")
    with mail_app.extensions["db"].transaction() as s:
        r = s.get(SupportRequest, other)
        r.verification, r.verified_by = {"method": "email", "partner": None}, "email"
    decide(mail_app, other)
    for _ in range(10):
        sweep_due(mail_app)
        clock.advance(hours=1, seconds=1)
    with mail_app.extensions["db"].reading() as s:
        row = s.scalars(
            select(OutboxMessage).where(OutboxMessage.request_id == other, OutboxMessage.channel == "mail")
        ).one()
        assert row.status == FAILED and row.attempts == mail_app.extensions["outbox_policy"].max_attempts


def unreachable(app: Flask, **kw: Any) -> int:
    request_id = store_request(app, **kw)
    with app.extensions["db"].transaction() as s:
        r = s.get(SupportRequest, request_id)
        r.referrer.phone = "01632 960777"
        r.verified_by, r.verification = "unconfirmed", {"method": "unconfirmed", "partner": None}
    return request_id


def test_a_referrer_nothing_reaches_is_phoned_and_the_follow_up_stays_open_until_marked_done(
    mail_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    client: FlaskClient = mail_app.test_client()
    request_id = unreachable(mail_app)
    sign_in_as(mail_app, client, "hub_worker")
    page = client.get(f"/hub/requests/{request_id}").get_data(as_text=True)
    assert "Phone the referrer" in page and "01632 960777" in page
    decide(mail_app, request_id)
    for _ in range(3):
        sweep_due(mail_app)
        clock.advance(days=1)
    assert not smtp_server.mailbox.messages  # an unconfirmed address is never mailed
    with mail_app.extensions["db"].reading() as s:
        todo = s.scalars(select(FollowUp).where(FollowUp.kind == "phone_referrer")).one()
        assert todo.status == WAITING and todo.request_id == request_id
    sign_in_as(mail_app, client, "hub_worker")  # days later
    page = client.get(f"/hub/requests/{request_id}").get_data(as_text=True)
    assert "Phone the referrer: no chat or confirmed email reaches them" in page and "Mark done" in page
    response = client.post(
        f"/hub/requests/{request_id}/follow-ups/{todo.id}/done",
        data={"csrf_token": csrf(client, request_id), "note": "Phoned, told them the outcome."},
    )
    assert response.status_code == 302
    with mail_app.extensions["db"].reading() as s:
        todo = s.get(FollowUp, todo.id)
        assert todo.status == DONE and todo.changed_by and todo.reason == "Phoned, told them the outcome."
    again = client.post(
        f"/hub/requests/{request_id}/follow-ups/{todo.id}/done", data={"csrf_token": csrf(client, request_id)}
    )
    assert again.status_code == 302  # said plainly, not a 500
    assert "cannot be marked done" in client.get(f"/hub/requests/{request_id}").get_data(as_text=True)


def csrf(client: FlaskClient, request_id: int) -> str:
    import re

    page = client.get(f"/hub/requests/{request_id}").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_slack_and_teams_referrers_get_mail_too_only_when_they_asked(mail_app: Flask, clock: FakeClock) -> None:
    slack = {"team_id": "T0TEST", "user_id": "U0TEST"}
    asked = store_request(mail_app, channel="slack", address=slack, first="Ada")
    did_not = store_request(mail_app, channel="teams", address={"conversation_id": "a:1"}, first="Bea")
    with mail_app.extensions["db"].transaction() as s:
        r = s.get(SupportRequest, asked)
        r.answers = {**r.answers, "referrer_mail_updates": True}
        assert mail_address(r) == "alex@school.example.org" and reachable(r)
        assert [w.channel for w in ways_back(r.referrer, mail=mail_address(r))] == ["slack", "mail"]
        other = s.get(SupportRequest, did_not)
        assert mail_address(other) is None and reachable(other)
    decide(mail_app, asked)
    decide(mail_app, did_not)
    with mail_app.extensions["db"].reading() as s:
        rows = {
            (m.request_id, m.channel)
            for m in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "referrer_outcome"))
        }
        assert rows == {(asked, "slack"), (asked, "mail"), (did_not, "teams")}
        assert not s.scalars(select(FollowUp).where(FollowUp.kind == "phone_referrer")).all()


def test_a_teams_referrer_with_no_address_yet_is_someone_to_phone(mail_app: Flask) -> None:
    request_id = store_request(mail_app, channel="teams", first="Cal")
    with mail_app.extensions["db"].reading() as s:
        r = s.get(SupportRequest, request_id)
        assert isinstance(r.referrer, Referrer) and not reachable(r)
    decide(mail_app, request_id)
    with mail_app.extensions["db"].reading() as s:
        assert s.scalars(select(FollowUp).where(FollowUp.kind == "phone_referrer")).one().request_id == request_id
