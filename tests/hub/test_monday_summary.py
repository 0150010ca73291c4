"""The Monday summary with its headline figures in every channel: by mail to HUB_MANAGER_EMAILS (a local aiosmtpd
server), and as the Slack message and the Teams card hub managers see. Counts only: no request or child is named."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.clock import sweep_due
from hub.follow_ups import send_weekly_summary
from hub.notifiers import slack, teams
from intake.labels import Labels
from tests.conftest import FakeClock, InlineExecutor
from tests.hub.seed import make_request
from tests.mail_servers import SmtpServer

MANAGERS = ("head.of.hub@council.example.org", "deputy@council.example.org")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def summary_app(database_url: str, smtp_server: SmtpServer) -> Iterator[Flask]:
    clock = FakeClock(utc(2026, 11, 23, 9, 0))  # Monday 09:00 London (GMT)
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
            "HUB_MANAGER_EMAILS": ", ".join(MANAGERS),
        }
    )
    yield app
    app.extensions["db"].dispose()


def last_week(app: Flask) -> None:
    with app.extensions["db"].transaction() as s:
        on_time = make_request(s, utc(2026, 11, 17, 10, 0), level=3, route="early_help_intensive")
        late = make_request(s, utc(2026, 11, 18, 10, 0), level=2, route="early_help_universal_plus")
        make_request(s, utc(2026, 11, 19, 10, 0), level=3, route="early_help_intensive")
        for r, when in ((on_time, utc(2026, 11, 17, 15, 0)), (late, utc(2026, 11, 20, 10, 0))):
            r.status, r.decided_at = "decided", when


def payload(app: Flask) -> dict[str, Any]:
    from sqlalchemy import select

    from intake.store.outbox import OutboxMessage

    with app.extensions["db"].reading() as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "weekly_summary")).first().payload


def test_the_monday_summary_is_mailed_to_each_manager_with_its_headline_figures(
    summary_app: Flask, smtp_server: SmtpServer
) -> None:
    last_week(summary_app)
    sweep_due(summary_app)
    assert sorted(to[0] for _, to in smtp_server.mailbox.envelopes) == sorted(MANAGERS)
    mail = smtp_server.mailbox.messages[0]
    body = mail.get_content()
    assert str(mail["Subject"]) == "Requests for support: 16 November to 22 November 2026"
    assert "Requests received: 3" in body
    assert "Decided within one working day: 1 of 2 decided (50%)" in body
    assert "Waiting past their deadline at the end of the week: 1" in body
    assert "Level 3: 2" in body and "https://rfs.example.org/hub/dashboard/weekly" in body
    for words in ("Sam", "Testchild", "RFS-2026-", "FY1"):
        assert words not in body
    sweep_due(summary_app)  # once a week, never twice
    assert len(smtp_server.mailbox.messages) == 2
    assert (
        send_weekly_summary(summary_app.extensions["db"], summary_app.extensions["follow_ups"], utc(2026, 11, 23, 10))
        is None
    )


def test_slack_and_teams_show_the_same_figures(summary_app: Flask) -> None:
    last_week(summary_app)
    sweep_due(summary_app)
    figures = payload(summary_app)
    text, blocks = slack.render(SimpleNamespace(kind="weekly_summary", payload=figures), Labels())
    shown = str([b.to_dict() for b in blocks])
    assert "16 November to 22 November 2026" in text and "requests received 3" in text
    for words in ("Requests received*\\n3", "1 of 2 decided (50%)", "Waiting past their deadline", "Level 3: 2"):
        assert words in shown, words
    assert "https://rfs.example.org/hub/dashboard/weekly" in shown
    card = teams.render("weekly_summary", figures)["attachments"][0]["content"]
    facts = {f["title"]: f["value"] for block in card["body"] if block["type"] == "FactSet" for f in block["facts"]}
    assert facts["Requests received"] == "3"
    assert facts["Decided within one working day"] == "1 of 2 decided (50%)"
    assert facts["Level 3"] == "2"
    assert card["actions"][0]["url"] == "https://rfs.example.org/hub/dashboard/weekly"
    for channel_text in (shown, str(card)):
        assert "Testchild" not in channel_text and "RFS-2026-" not in channel_text
