"""The queue: what is waiting, most urgent first, with filters, ages and deadline clocks."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from hub.queue import QUEUE_LIMIT
from intake.store.support_request import SupportRequest
from tests.conftest import FakeClock, sign_in_as
from tests.hub.dashboard_data import add_request, make_referrer
from tests.hub.helpers import hours, store_request


def _order(html: str, refs: list[str]) -> list[str]:
    return sorted(refs, key=html.index)


def _ref(app: Flask, request_id: int) -> str:
    with app.extensions["db"].reading() as s:
        return s.get(SupportRequest, request_id).reference  # type: ignore[union-attr]


def test_queue_orders_phone_first_then_level_4_then_nearest_deadline(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    start = clock.now
    older_l2 = store_request(app, level=2, received=start - hours(20))  # Monday 14:00, due Tuesday 14:00
    newer_l3 = store_request(app, level=3, route="early_help_intensive", received=start - hours(1))
    cin = store_request(app, level=4, route="hub_child_in_need", received=start - hours(0.5))
    cp = store_request(app, level=4, route="hub_child_protection", phone_first=True, received=start - hours(0.2))
    sign_in_as(app, client, "hub_worker")
    html = client.get("/hub/requests").get_data(as_text=True)
    refs = [_ref(app, i) for i in (older_l2, newer_l3, cin, cp)]
    assert _order(html, refs) == [refs[3], refs[2], refs[0], refs[1]]
    assert "Phone first" in html
    assert "Testchild" not in html  # the queue never shows the child's name


def test_queue_shows_age_and_time_to_deadline_and_overdue(app: Flask, client: FlaskClient, clock: FakeClock) -> None:
    store_request(app, received=clock.now - hours(1))
    sign_in_as(app, client, "hub_worker")
    html = client.get("/hub/requests").get_data(as_text=True)
    assert "1 h 00 min ago" in html
    assert "in 1 day 0 h" not in html and "in 23 h 00 min" in html  # due Wednesday 09:00, received Tuesday 09:00
    clock.advance(hours=24)
    sign_in_as(app, client, "hub_worker")  # the idle timeout ended the first session
    html = client.get("/hub/requests").get_data(as_text=True)
    assert "Overdue by 1 h 00 min" in html and "1 overdue" in html


def test_filters(app: Flask, client: FlaskClient, clock: FakeClock) -> None:
    l2_school = store_request(app, level=2, agency="school")
    l4_police = store_request(app, level=4, route="hub_child_in_need", agency="police")
    late = store_request(app, level=3, route="early_help_intensive", agency="health", received=clock.now - hours(30))
    email = sign_in_as(app, client, "hub_worker")
    with app.extensions["db"].transaction() as s:
        s.get(SupportRequest, l4_police).assigned_to = f"staff:{email}"  # type: ignore[union-attr]
        s.get(SupportRequest, l4_police).status = "in_triage"  # type: ignore[union-attr]
    refs = {i: _ref(app, i) for i in (l2_school, l4_police, late)}

    def shown(query: str) -> set[int]:
        html = client.get(f"/hub/requests?{query}").get_data(as_text=True)
        return {i for i, ref in refs.items() if ref in html}

    assert shown("") == {l2_school, l4_police, late}
    assert shown("level=4") == {l4_police}
    assert shown("route=early_help_intensive") == {late}
    assert shown("agency=school") == {l2_school}
    assert shown("mine=1") == {l4_police}
    assert shown("overdue=1") == {late}
    assert shown("status=in_triage") == {l4_police}
    assert shown("status=awaiting_decision") == {l2_school, late}
    assert shown("status=decided") == set()
    assert shown("level=banana&status=nonsense") == {l2_school, l4_police, late}  # bad values are ignored


def test_filter_form_is_labelled(app: Flask, client: FlaskClient) -> None:
    sign_in_as(app, client, "hub_worker")
    html = client.get("/hub/requests").get_data(as_text=True)
    for field in ("status", "level", "route", "agency", "mine", "overdue"):
        assert f'<label for="{field}">' in html
        assert f'id="{field}"' in html


def test_a_phone_first_request_leads_a_queue_longer_than_the_page(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    """More open requests than the queue shows (QUEUE_LIMIT), all due before the phone-first one: it still leads."""
    with app.extensions["db"].transaction() as s:
        ref = make_referrer(s)
        for i in range(QUEUE_LIMIT + 50):
            add_request(
                s,
                ref,
                f"RFS-2026-{700000 + i}",
                received_at=clock.now - hours(2),
                decision_due_at=clock.now + hours(1) + timedelta(seconds=i),
                level=2,
                route="early_help_universal_plus",
            )
    urgent = store_request(app, level=4, route="hub_child_protection", phone_first=True, received=clock.now)
    danger = store_request(app, level=3, route="early_help_intensive", immediate_danger=True, received=clock.now)
    sign_in_as(app, client, "hub_worker")
    html = client.get("/hub/requests").get_data(as_text=True)
    first_two = sorted((_ref(app, urgent), _ref(app, danger)), key=html.index)
    assert html.index(first_two[-1]) < html.index("RFS-2026-700000")  # both ahead of every routine request
    assert len(set(re.findall(r"RFS-2026-7\d{5}", html))) == QUEUE_LIMIT - 2  # the limit cut off the least urgent
    assert "RFS-2026-700549" not in html
