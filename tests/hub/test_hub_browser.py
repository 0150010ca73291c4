"""The hub in a real browser (Debian Chromium via Playwright) against the app on a real loopback server: sign in,
claim a request, record a decision, and see the outcome reach the referrer's own channel (their browser-chat
notices, through the outbox sweep). Saves the README's screenshots (synthetic data only)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.clock import outbox_step
from intake.store.outbox import OutboxMessage
from intake.store.referrer_notice import ReferrerNotice
from intake.store.support_request import SupportRequest
from tests.conftest import FakeClock
from tests.hub.helpers import PASSWORD, hours, make_account, store_request

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shoot(page: Any, name: str, **kw: Any) -> None:
    # Screenshots are refreshed on request (the files are committed): EARLYHELP_SCREENSHOTS=1 pytest -m browser
    if os.environ.get("EARLYHELP_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **kw)


def _sample_queue(app: Flask, clock: FakeClock) -> int:
    """A morning's synthetic queue; returns the request the test decides."""
    now = clock.now
    store_request(app, level=4, route="hub_child_protection", phone_first=True, agency="police", first="Riley",
                  last="Sample", dob=date(2019, 5, 2), postcode="FY2 0AA", received=now - hours(0.5))  # fmt: skip
    store_request(app, level=4, route="hub_child_in_need", agency="gp", first="Alex", last="Madeup",
                  dob=date(2012, 9, 30), postcode="FY3 9ZZ", received=now - hours(2))  # fmt: skip
    store_request(app, level=2, agency="early_years", first="Charlie", last="Fictional", dob=date(2022, 1, 5),
                  postcode="FY4 4AA", received=now - hours(26))  # fmt: skip
    chosen = store_request(app, level=3, route="early_help_intensive", agency="school", received=now - hours(1))
    # An earlier request about the same child (same name and date of birth, another postcode).
    store_request(app, level=2, agency="health_visiting", postcode="FY1 2BB", received=now - hours(24 * 90))
    return chosen


def test_sign_in_claim_decide_and_the_referrer_hears(live_server: str, page: Any, app: Flask, clock: FakeClock) -> None:
    chosen = _sample_queue(app, clock)
    make_account(app, "robin.worker@example.org", "hub_worker")
    with app.extensions["db"].reading() as s:
        reference = s.get(SupportRequest, chosen).reference  # type: ignore[union-attr]

    # Sign in: a hub page sends you to the sign-in form, then back.
    page.goto(live_server + "/hub/requests")
    assert page.url.startswith(live_server + "/hub/sign-in")
    page.get_by_label("Email address").fill("robin.worker@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    # hub.js moves focus once it has run, which may be just after the summary is painted: wait for it.
    page.wait_for_function("document.activeElement.classList.contains('error-summary')")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Requests for support").wait_for()

    # The queue: most urgent first; claim from the row.
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 5
    assert "Phone first" in rows.nth(0).inner_text()
    assert "Testchild" not in page.locator("main").inner_text()
    _shoot(page, "queue", full_page=True)
    page.get_by_role("button", name=f"Claim {reference}").click()
    page.get_by_text(f"You have claimed {reference}.").wait_for()

    # The request page: answers, reasons, the possible earlier request, the timeline.
    page.get_by_role("link", name=reference).click()
    page.get_by_role("heading", name=reference, exact=True).wait_for()
    main = page.locator("main").inner_text()
    assert "Sam" in main and "Synthetic reason" in main and "Possible earlier requests" in main
    assert "Same name and date of birth" in main

    # A decision without a rationale: the error summary takes focus and its link goes to the field.
    page.get_by_label("Early help: intensive / team around the family").check()
    page.get_by_role("button", name="Record decision and tell the referrer").click()
    page.locator(".error-summary").wait_for()
    # hub.js moves focus once it has run, which may be just after the summary is painted: wait for it.
    page.wait_for_function("document.activeElement.classList.contains('error-summary')")
    page.get_by_role("link", name="Enter the rationale for the decision").click()
    assert page.evaluate("document.activeElement.id") == "rationale"
    page.keyboard.type("Synthetic rationale: several level-3 needs across two domains; family consents.")
    page.get_by_role("button", name="Record decision and tell the referrer").click()
    page.get_by_text(f"Decision recorded for {reference}").wait_for()
    _shoot(page, "request", full_page=True)

    # The clock's sweep delivers the outcome to the referrer's own channel: their browser-chat notices.
    report = outbox_step(app, clock.now)
    assert report.failed == 0
    with app.extensions["db"].reading() as s:
        sent = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "referrer_outcome")).one()
        assert (sent.channel, sent.status) == ("webchat", "sent")
        notice = s.scalars(select(ReferrerNotice)).one()
        assert notice.reference == reference
        assert notice.payload["outcome_label"] == "Early help: intensive / team around the family"
    page.reload()
    assert "Outcome sent to the referrer: webchat: sent" in page.locator("main").inner_text()


def test_the_queue_on_a_phone(live_server: str, page: Any, app: Flask, clock: FakeClock) -> None:
    _sample_queue(app, clock)
    make_account(app, "casey.manager@example.org", "hub_manager")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/hub/sign-in")
    page.get_by_label("Email address").fill("casey.manager@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Requests for support").wait_for()
    page.wait_for_load_state("load")  # the stylesheet, which a loaded machine may still be fetching
    # One card per request, no sideways scrolling.
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), wide
    first = page.locator("table.queue tbody tr").first
    assert first.locator("td").first.evaluate("e => getComputedStyle(e, '::before').content").strip('"') == "Reference"
    _shoot(page, "queue-phone", full_page=True)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
