"""Repeat requests: the earlier request about the same child within 12 months, marked on submission."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from intake.repeat_requests import earlier_request_id, mark_repeat, months_before
from intake.store.database import Database
from intake.store.support_request import SupportRequest
from tests.bot.test_webchat import TYPICAL, _send, answer_until_review
from tests.hub.dashboard_data import add_request, at, make_referrer


def test_months_before() -> None:
    assert months_before(datetime(2026, 11, 24, 10, tzinfo=UTC)) == datetime(2025, 11, 24, 10, tzinfo=UTC)
    assert months_before(datetime(2028, 2, 29, 9, tzinfo=UTC)) == datetime(2027, 2, 28, 9, tzinfo=UTC)
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 1) == datetime(2025, 12, 15, tzinfo=UTC)


def test_matching_rules(database_url: str) -> None:
    db = Database(database_url)
    dob = date(2015, 1, 1)
    with db.transaction() as s:
        ref = make_referrer(s)

        def add(reference: str, when: datetime, **child: Any) -> SupportRequest:
            return add_request(s, ref, reference, received_at=when, level=2, route="x", **child)

        first = add("RFS-2026-000001", at(1, 10, month=3), child_name_key="sam testchild", child_dob=dob)
        # Same name and birthday: a repeat of the first.
        by_name = add("RFS-2026-000002", at(1, 10, month=6), child_name_key="sam testchild", child_dob=dob)
        # Same postcode and birthday under another name: a repeat of the most recent match only.
        moved = add(
            "RFS-2026-000003",
            at(1, 10, month=7),
            child_name_key="sam testchild",
            child_dob=dob,
            child_postcode="FY1 1AA",
        )
        by_postcode = add(
            "RFS-2026-000004",
            at(1, 10, month=8),
            child_name_key="samuel testchild",
            child_dob=dob,
            child_postcode="FY1 1AA",
        )
        # Same name, another birthday: another child.
        other = add("RFS-2026-000005", at(1, 10, month=9), child_name_key="sam testchild", child_dob=date(2016, 1, 1))
        # No date of birth (an unborn baby, or not known): never matched.
        unborn = add("RFS-2026-000006", at(1, 11, month=9), child_name_key="sam testchild", child_postcode="FY1 1AA")
        # More than 12 months after the last request about the child: a new episode.
        later = add("RFS-2027-000001", at(2, 10, month=8, year=2027), child_name_key="sam testchild", child_dob=dob)
        assert first.repeat_of_id is None
        assert by_name.repeat_of_id == first.id
        assert moved.repeat_of_id == by_name.id
        assert by_postcode.repeat_of_id == moved.id
        assert other.repeat_of_id is None and unborn.repeat_of_id is None
        assert later.repeat_of_id is None
        # A request never matches itself, even when asked again after it is stored.
        assert earlier_request_id(s, first) is None
        mark_repeat(s, by_postcode, at(1, 10, month=8))
        assert by_postcode.repeat_of_id == moved.id
    db.dispose()


def test_submission_marks_the_repeat(app: Flask, clock: Any) -> None:
    assert mark_repeat in app.extensions["intake"].listeners
    references = []
    for browser in (app.test_client(), app.test_client()):
        data = browser.post("/chat/conversations").get_json()
        data = answer_until_review(browser, data["conversation_id"], data, TYPICAL)
        done = _send(browser, data["conversation_id"], {"choice": "submit"})
        references.append(done["request"]["reference"])
        clock.advance(days=20)
    with app.extensions["db"].reading() as s:
        first, second = (s.scalar(select(SupportRequest).where(SupportRequest.reference == r)) for r in references)
        assert first.repeat_of_id is None
        assert second.repeat_of_id == first.id
