"""Mail as an outbox channel: the console, SMTP and GOV.UK Notify backends, each through the sweep's retries, never
sending twice, and one-time codes attempted straight after their commit."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.clock import sweep_due
from app.mail import MailConfigError
from hub.mail import SmtpBackend
from hub.mail.backends import Mail, MailError
from intake.store.outbox import FAILED, PENDING, SENT, OutboxMessage, enqueue
from tests.conftest import FakeClock, InlineExecutor
from tests.mail_servers import API_KEY, TEMPLATE_ID, NotifyApiStub, SmtpServer, free_port, self_signed_tls, serve_smtp

ADDRESS = "alex.example@school.example.org"


def build(database_url: str, clock: FakeClock, **settings: Any) -> Flask:
    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "PUBLIC_URL": "https://rfs.example.org",
            "OUTBOX_SEND_NOW_EXECUTOR": InlineExecutor(),
            **settings,
        }
    )


def smtp_settings(server: SmtpServer) -> dict[str, str]:
    return {
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": server.host,
        "SMTP_PORT": str(server.port),
        "SMTP_STARTTLS": "false",
        "MAIL_FROM": "request-for-support@council.example.org",
    }


@pytest.fixture
def smtp_app(database_url: str, clock: FakeClock, smtp_server: SmtpServer) -> Iterator[Flask]:
    app = build(database_url, clock, **smtp_settings(smtp_server))
    yield app
    app.extensions["db"].dispose()


def queue(app: Flask, kind: str = "referrer_outcome", payload: dict[str, Any] | None = None, **kw: Any) -> int:
    payload = payload or {
        "reference": "RFS-2026-000042",
        "received_at": "2026-11-23T10:00:00+00:00",
        "decided_at": "2026-11-24T09:30:00+00:00",
        "outcome_label": "Early help: universal plus",
        "hub_level": 2,
        "recommended_level": 2,
        "next_steps": "Early help at universal plus: the agency that knows the family leads, with the hub's advice.",
    }
    with app.extensions["db"].transaction() as s:
        message = enqueue(
            s, channel="mail", kind=kind, recipient=ADDRESS, payload=payload, now=app.extensions["clock"](), **kw
        )
        return message.id


def row(app: Flask, message_id: int) -> OutboxMessage:
    with app.extensions["db"].reading() as s:
        found = s.get(OutboxMessage, message_id)
        assert found is not None
        return found


# -- the channel ---------------------------------------------------------------------------------------------------


def test_a_mail_recipient_is_one_plain_address(app: Flask, clock: FakeClock) -> None:
    message_id = queue(app)
    assert row(app, message_id).recipient == {"email": ADDRESS}
    for bad in (f"{ADDRESS}\r\nBcc: other@example.org", f"{ADDRESS}, other@example.org", "not an address", ""):
        with pytest.raises(ValueError), app.extensions["db"].transaction() as s:
            enqueue(s, channel="mail", kind="referrer_outcome", recipient=bad, payload={}, now=clock.now)


def test_the_console_backend_logs_who_and_what_about_but_not_the_body(
    app: Flask, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="earlyhelp.mail")
    message_id = queue(app)
    sweep_due(app)
    assert row(app, message_id).status == SENT
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "earlyhelp.mail")
    assert ADDRESS in logged and "RFS-2026-000042" in logged and "Outcome of request for support" in logged
    assert "the agency that knows the family" not in logged


def test_the_console_backend_shows_a_one_time_code_in_full_so_a_local_run_needs_no_mail_server(
    app: Flask, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="earlyhelp.mail")
    message_id = queue(app, "email_code", {"code": "493027", "minutes": 10})
    # Attempted straight after the commit (the app's inline executor in tests): no sweep needed.
    assert row(app, message_id).status == SENT
    assert "493027" in caplog.text
    # Once sent, the code is no longer kept in the outbox.
    assert "code" not in row(app, message_id).payload


def test_a_misconfigured_backend_stops_the_app_with_what_to_set(database_url: str, clock: FakeClock) -> None:
    with pytest.raises(MailConfigError, match="SMTP_HOST"):
        build(database_url, clock, MAIL_BACKEND="smtp")
    with pytest.raises(MailConfigError, match="NOTIFY_API_KEY"):
        build(database_url, clock, MAIL_BACKEND="notify")
    with pytest.raises(MailConfigError, match="NOTIFY_TEMPLATE_ID"):
        build(database_url, clock, MAIL_BACKEND="notify", NOTIFY_API_KEY=API_KEY)
    with pytest.raises(MailConfigError, match="one of"):
        build(database_url, clock, MAIL_BACKEND="pigeon")


# -- SMTP ----------------------------------------------------------------------------------------------------------


def test_smtp_delivers_one_plain_text_mail_from_mail_from(smtp_app: Flask, smtp_server: SmtpServer) -> None:
    message_id = queue(smtp_app)
    sweep_due(smtp_app)
    assert row(smtp_app, message_id).status == SENT
    [mail] = smtp_server.mailbox.messages
    assert mail["To"] == ADDRESS
    assert mail["From"] == "request-for-support@council.example.org"
    assert mail["Subject"] == "Outcome of request for support RFS-2026-000042"
    assert mail.get_content_type() == "text/plain"
    assert "Early help: universal plus" in mail.get_content()
    assert row(smtp_app, message_id).external_id == mail["Message-ID"].strip("<>")
    sweep_due(smtp_app)
    assert len(smtp_server.mailbox.messages) == 1


def test_a_mail_server_that_is_down_delays_mail_and_loses_none(
    database_url: str, clock: FakeClock, tmp_path: Any
) -> None:
    port = free_port()  # nothing listens here yet
    app = build(
        database_url,
        clock,
        MAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_STARTTLS="false",
        MAIL_FROM="rfs@council.example.org",
    )
    try:
        message_id = queue(app)
        sweep_due(app)
        first = row(app, message_id)
        assert first.status == PENDING and first.attempts == 1
        assert first.last_error == "smtp: cannot connect (ConnectionRefusedError)"
        server = serve_smtp(port)
        try:
            sweep_due(app)  # not due yet: the retry waits a minute
            assert server.mailbox.messages == []
            clock.advance(minutes=1)
            sweep_due(app)
            assert row(app, message_id).status == SENT
            assert len(server.mailbox.messages) == 1
            clock.advance(hours=2)
            sweep_due(app)
            assert len(server.mailbox.messages) == 1
        finally:
            server.stop()
    finally:
        app.extensions["db"].dispose()


def test_a_server_that_says_try_later_gets_the_mail_once_on_the_retry(
    smtp_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    smtp_server.mailbox.refuse_data.append("451 4.3.0 Temporary failure, try again later")
    message_id = queue(smtp_app)
    sweep_due(smtp_app)
    assert row(smtp_app, message_id).status == PENDING
    assert row(smtp_app, message_id).last_error == "smtp: message refused (451)"
    clock.advance(minutes=1)
    sweep_due(smtp_app)
    assert row(smtp_app, message_id).status == SENT
    assert len(smtp_server.mailbox.messages) == 1


def test_an_address_the_server_will_never_take_fails_at_once_for_the_managers_list(
    smtp_app: Flask, smtp_server: SmtpServer
) -> None:
    smtp_server.mailbox.refuse_rcpt.append("550 5.1.1 No such user here")
    message_id = queue(smtp_app)
    sweep_due(smtp_app)
    failed = row(smtp_app, message_id)
    assert failed.status == FAILED and failed.last_error == "smtp: recipient refused (550)"
    assert ADDRESS not in (failed.last_error or "")
    assert smtp_server.mailbox.messages == []


def test_smtp_starttls_and_sign_in(tmp_path: Any) -> None:
    server_tls, client_tls = self_signed_tls(tmp_path)
    server = serve_smtp(tls_context=server_tls, logins={"rfs-sender": "synthetic-password"})
    try:
        mail = Mail(to=ADDRESS, subject="Subject", text="Body\n", kind="generic", reference="earlyhelp-outbox-1")
        backend = SmtpBackend(
            server.host, server.port, sender="rfs@council.example.org", username="rfs-sender",
            password="synthetic-password", starttls=True, tls_context=client_tls,
        )  # fmt: skip
        backend.send(mail)
        assert len(server.mailbox.messages) == 1
        wrong = SmtpBackend(
            server.host, server.port, sender="rfs@council.example.org", username="rfs-sender",
            password="wrong", starttls=True, tls_context=client_tls,
        )  # fmt: skip
        with pytest.raises(MailError, match="535") as refused:
            wrong.send(mail)
        assert refused.value.retryable  # the service's own setting: mail waits while it is fixed
        untrusted = SmtpBackend(server.host, server.port, sender="rfs@council.example.org", starttls=True)
        with pytest.raises(MailError) as unverified:
            untrusted.send(mail)  # the system's authorities do not know this certificate
        assert "SSL" in str(unverified.value)
        assert len(server.mailbox.messages) == 1
    finally:
        server.stop()


# -- straight after the commit -------------------------------------------------------------------------------------


def test_a_code_goes_straight_after_the_commit_and_the_sweep_retries_it_if_that_failed(
    smtp_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    message_id = queue(smtp_app, "email_code", {"code": "118822", "minutes": 10}, dedupe_key="email_code:v1:1")
    assert row(smtp_app, message_id).status == SENT
    [mail] = smtp_server.mailbox.messages
    assert "118822" in mail.get_content() and "118822" not in mail["Subject"]

    smtp_server.mailbox.refuse_data.append("421 4.7.0 Try again later")
    second = queue(smtp_app, "email_code", {"code": "550301", "minutes": 10}, dedupe_key="email_code:v1:2")
    assert row(smtp_app, second).status == PENDING and row(smtp_app, second).attempts == 1
    assert row(smtp_app, second).payload["code"] == "550301"  # kept while it may still be sent
    clock.advance(minutes=1)
    sweep_due(smtp_app)
    assert row(smtp_app, second).status == SENT
    assert [m.get_content().count("550301") for m in smtp_server.mailbox.messages[1:]] == [1]
    assert "code" not in row(smtp_app, second).payload


def test_a_rolled_back_transaction_sends_nothing(smtp_app: Flask, smtp_server: SmtpServer, clock: FakeClock) -> None:
    with pytest.raises(RuntimeError), smtp_app.extensions["db"].transaction() as s:
        enqueue(s, channel="mail", kind="email_code", recipient=ADDRESS, payload={"code": "1"}, now=clock.now)
        raise RuntimeError("the caller fails after enqueueing")
    with smtp_app.extensions["db"].transaction() as s:
        s.execute(select(OutboxMessage.id))  # another commit on a fresh session
    assert smtp_server.mailbox.messages == []


def test_a_code_that_expired_while_mail_was_down_is_not_sent_late(
    smtp_app: Flask, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    smtp_server.mailbox.refuse_data.append("451 4.3.0 Try again later")
    expires = (clock.now + timedelta(minutes=10)).isoformat()
    message_id = queue(smtp_app, "email_code", {"code": "771100", "minutes": 10, "expires_at": expires})
    clock.advance(minutes=11)
    sweep_due(smtp_app)
    expired = row(smtp_app, message_id)
    assert expired.status == "cancelled" and expired.last_error == "expired before it could be sent"
    assert "code" not in expired.payload
    assert smtp_server.mailbox.messages == []


# -- GOV.UK Notify ---------------------------------------------------------------------------------------------------


@pytest.fixture
def notify_app(database_url: str, clock: FakeClock, notify_api: NotifyApiStub) -> Iterator[Flask]:
    app = build(
        database_url,
        clock,
        MAIL_BACKEND="notify",
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_BASE_URL=notify_api.base_url,
        NOTIFY_TEMPLATE_ID=TEMPLATE_ID,
        NOTIFY_TEMPLATE_EMAIL_CODE="0b7f7a50-1a5e-4d43-a2c1-2d3f4e5a6b7c",
    )
    yield app
    app.extensions["db"].dispose()


def test_notify_gets_the_address_template_subject_body_and_a_reference_without_personal_data(
    notify_app: Flask, notify_api: NotifyApiStub
) -> None:
    message_id = queue(notify_app)
    sweep_due(notify_app)
    [sent] = notify_api.sent
    assert sent["email_address"] == ADDRESS
    assert sent["template_id"] == TEMPLATE_ID
    assert sent["personalisation"]["subject"] == "Outcome of request for support RFS-2026-000042"
    assert "Early help: universal plus" in sent["personalisation"]["body"]
    assert sent["reference"] == f"earlyhelp-outbox-{message_id}"
    assert row(notify_app, message_id).external_id == sent["id"]


def test_notify_uses_a_kinds_own_template_with_its_fields(notify_app: Flask, notify_api: NotifyApiStub) -> None:
    queue(notify_app, "email_code", {"code": "246810", "minutes": 10})
    [sent] = notify_api.sent
    assert sent["template_id"] == "0b7f7a50-1a5e-4d43-a2c1-2d3f4e5a6b7c"
    assert sent["personalisation"]["code"] == "246810"


@pytest.mark.parametrize(("status", "retried"), [(429, True), (500, True), (403, True), (400, False)])
def test_notify_refusals_are_retried_or_failed_and_never_sent_twice(
    notify_app: Flask, notify_api: NotifyApiStub, clock: FakeClock, status: int, retried: bool
) -> None:
    notify_api.fail(status)
    message_id = queue(notify_app)
    sweep_due(notify_app)
    first = row(notify_app, message_id)
    assert first.last_error == f"notify: HTTP {status}"
    assert first.status == (PENDING if retried else FAILED)
    clock.advance(minutes=1)
    sweep_due(notify_app)
    clock.advance(minutes=5)
    sweep_due(notify_app)
    assert len(notify_api.sent) == (1 if retried else 0)
    assert row(notify_app, message_id).status == (SENT if retried else FAILED)


def test_notify_unreachable_is_retried(database_url: str, clock: FakeClock) -> None:
    app = build(
        database_url,
        clock,
        MAIL_BACKEND="notify",
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_BASE_URL=f"http://127.0.0.1:{free_port()}",
        NOTIFY_TEMPLATE_ID=TEMPLATE_ID,
    )
    try:
        message_id = queue(app)
        sweep_due(app)
        assert row(app, message_id).status == PENDING
        assert row(app, message_id).last_error == "notify: HTTP 503"
    finally:
        app.extensions["db"].dispose()


def test_a_wrong_api_key_is_refused_by_the_stub_as_notify_would(
    database_url: str, clock: FakeClock, notify_api: NotifyApiStub
) -> None:
    other_key = API_KEY[:-36] + "00000000-0000-4000-8000-000000000000"
    app = build(
        database_url,
        clock,
        MAIL_BACKEND="notify",
        NOTIFY_API_KEY=other_key,
        NOTIFY_BASE_URL=notify_api.base_url,
        NOTIFY_TEMPLATE_ID=TEMPLATE_ID,
    )
    try:
        message_id = queue(app)
        sweep_due(app)
        assert row(app, message_id).last_error == "notify: HTTP 403"
        assert notify_api.sent == []
    finally:
        app.extensions["db"].dispose()


# -- what a mail may say -------------------------------------------------------------------------------------------

CHILD = {
    "child_first_name": "Samira",
    "child_last_name": "Testchild",
    "child_dob": "2016-03-14",
    "child_postcode": "FY1 1AA",
    "concern_details": "Synthetic concern: arrived hungry on several days",
    "reasons": ["Synthetic reason: hungry on several days"],
    "hub_rationale": "Synthetic rationale naming Samira",
    "answers": {"child_first_name": "Samira"},
}


@pytest.mark.parametrize(
    "kind",
    ["email_code", "request_acknowledgement", "referrer_outcome", "weekly_summary", "still_being_considered",
     "early_help_not_started", "early_help_review_checkin", "some_future_kind"],
)  # fmt: skip
def test_no_kind_of_mail_can_carry_the_childs_details_even_when_its_payload_does(kind: str) -> None:
    from hub.mail.messages import MailContext, render

    payload = {"reference": "RFS-2026-000042", "code": "135790", "level": 2, **CHILD}
    rendered = render(kind, payload, MailContext(hub_name="Testville Hub", public_url="https://rfs.example.org"))
    everything = rendered.subject + rendered.text + " ".join(rendered.fields.values())
    for value in ("Samira", "Testchild", "2016-03-14", "14/03/2016", "FY1 1AA", "hungry"):
        assert value not in everything
