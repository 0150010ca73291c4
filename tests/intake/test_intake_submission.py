"""Submission: idempotent (a doubled or concurrent submit makes one request), atomic, and re-validated."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.conversation.turn import Inbound
from intake.service import IntakeService, StepResult
from intake.store import AuditEvent, Draft, SupportRequest
from intake.submission import deadline_words
from tests.conftest import FakeClock
from tests.intake.transcript import (
    ABOUT_YOU,
    CHILD_SAM,
    CONCERN_FIRST,
    CONSENT_GIVEN,
    GREETING,
    NO_SPECIALS,
    Chat,
)

TO_REVIEW = (
    GREETING
    + "you: no\n"
    + CONCERN_FIRST
    + ABOUT_YOU
    + CHILD_SAM
    + """
bot: Does any of this describe what you have seen or been told?
you [tick]: ne_02
"""
    + NO_SPECIALS
    + CONSENT_GIVEN
    + "bot: Please check your answers.\n"
)


def counted(app: Flask) -> list[str]:
    calls: list[str] = []

    def listener(session: Session, request: SupportRequest, now: datetime) -> None:
        calls.append(request.reference or "")

    app.extensions["intake"].listeners.append(listener)
    return calls


def totals(app: Flask) -> tuple[int, int]:
    with app.extensions["db"].reading() as s:
        requests = s.scalar(select(func.count()).select_from(SupportRequest)) or 0
        submitted = s.scalar(select(func.count()).where(AuditEvent.action == "request.submitted")) or 0
        return requests, submitted


def test_a_repeated_submit_returns_the_same_request(app: Flask, clock: FakeClock) -> None:
    calls = counted(app)
    chat = Chat(app.extensions["intake"], clock)
    chat.play(TO_REVIEW)
    service: IntakeService = app.extensions["intake"]
    assert chat.draft_id
    first = service.handle(chat.draft_id, Inbound(choice="submit"), clock())
    clock.advance(seconds=3)
    second = service.handle(chat.draft_id, Inbound(choice="submit"), clock())
    assert first.request and second.request and first.request["reference"] == second.request["reference"]
    assert totals(app) == (1, 1) and len(calls) == 1


def test_two_concurrent_submits_make_one_request(app: Flask, clock: FakeClock) -> None:
    calls = counted(app)
    chat = Chat(app.extensions["intake"], clock)
    chat.play(TO_REVIEW)
    service: IntakeService = app.extensions["intake"]
    barrier = threading.Barrier(2)
    results: list[StepResult | BaseException] = []

    def submit() -> None:
        barrier.wait()
        try:
            assert chat.draft_id
            results.append(service.handle(chat.draft_id, Inbound(choice="submit"), clock()))
        except BaseException as err:
            results.append(err)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, StepResult) for r in results), results
    references = {r.request["reference"] for r in results if isinstance(r, StepResult) and r.request}
    assert len(references) == 1
    assert totals(app) == (1, 1) and len(calls) == 1


def test_a_failing_listener_leaves_nothing_behind_and_the_answers_safe(app: Flask, clock: FakeClock) -> None:
    def broken(session: Session, request: SupportRequest, now: datetime) -> None:
        raise RuntimeError("outbox unavailable")

    service: IntakeService = app.extensions["intake"]
    service.listeners.append(broken)
    chat = Chat(service, clock)
    chat.play(TO_REVIEW)
    assert chat.draft_id
    with pytest.raises(RuntimeError):
        service.handle(chat.draft_id, Inbound(choice="submit"), clock())
    assert totals(app) == (0, 0)
    service.listeners.remove(broken)
    with app.extensions["db"].reading() as s:
        draft = s.get(Draft, chat.draft_id)
        assert draft is not None and draft.status == "open" and draft.state["answers"]["child_first_name"] == "Sam"
    # Once the fault clears, the same submit goes through.
    done = service.handle(chat.draft_id, Inbound(choice="submit"), clock())
    assert done.request and totals(app) == (1, 1)


def test_a_bad_stored_draft_cannot_become_a_request(app: Flask, clock: FakeClock) -> None:
    chat = Chat(app.extensions["intake"], clock)
    chat.play(TO_REVIEW)
    db = app.extensions["db"]
    with db.transaction() as s:
        draft = s.get(Draft, chat.draft_id)
        assert draft is not None
        state: dict[str, Any] = dict(draft.state)
        # An old question set, a hand edit or a bug: an adult's date of birth and a malformed postcode.
        state["answers"] = {**state["answers"], "child_dob": "2001-01-01", "child_postcode": "NOT A POSTCODE"}
        draft.state = state
    result = chat.play(
        """
you [pick]: submit
bot: Before this can be sent: That does not look like a UK postcode.
bot: What is the child's home postcode?
you: FY1 1AA
bot: This person is 18 or over, so the children's hub cannot take the request.
you [pick]: change
bot: What is the child's date of birth?
you: 14/03/2016
bot: Please check your answers.
you [pick]: submit
bot: Your reference is
"""
    )
    assert result.request is not None and totals(app) == (1, 1)


def test_deadlines_are_said_in_london_time(clock: FakeClock) -> None:
    from datetime import UTC

    summer = datetime(2027, 6, 2, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert deadline_words(summer, summer) == "by 10:00 on Wednesday 2 June"
    assert deadline_words(summer, clock()) == "by 10:00 on Wednesday 2 June 2027"
