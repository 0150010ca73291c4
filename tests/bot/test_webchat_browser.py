"""The browser chat in a real browser: keyboard only, from the first question to a reference number."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import EMAIL_CODE

pytestmark = pytest.mark.browser


def test_a_person_raises_a_concern_with_the_keyboard(live_server: str, page: Any) -> None:
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "Raise a concern about a child"
    assert "immediate danger" in page.locator("#transcript").inner_text()

    def answer_choice(label: str) -> None:
        page.get_by_role("button", name=label, exact=True).focus()
        page.keyboard.press("Enter")

    def answer_text(text: str) -> None:
        field = page.locator("#text")
        field.focus()
        field.fill(text)
        if field.evaluate("e => e.tagName") == "TEXTAREA":
            page.keyboard.press("Tab")  # Enter makes a new line in a long answer; Tab reaches Send
        page.keyboard.press("Enter")

    def wait_for(fragment: str) -> None:
        page.locator("#transcript li.bot").filter(has_text=fragment).last.wait_for()

    answer_choice("No")
    wait_for("full name")
    assert page.evaluate("document.activeElement.id") == "text"  # focus moves to the next answer box
    answer_text("Alex Example")
    wait_for("your role")
    answer_text("Class teacher")
    wait_for("kind of organisation")
    answer_choice("School or college")
    wait_for("organisation or team")
    answer_text("Example Primary School")
    wait_for("phone number")
    answer_text("01632 960123")
    wait_for("work email")
    answer_text("not an email")
    wait_for("does not look like an email")  # bad input: a message and the question again
    answer_text("alex@school.example.org")
    wait_for("six-digit code from the email")  # mailed through the outbox (the test app's code is fixed)
    answer_text(EMAIL_CODE)
    wait_for("unborn baby")
    answer_choice("No")
    wait_for("first name")
    answer_text("Sam")
    wait_for("last name")
    answer_text("Testchild")
    wait_for("date of birth")
    answer_text("14/03/2016")
    wait_for("gender")

    # From here, answer whatever comes until the review, choosing the first option where there is a list.
    bot_lines = page.locator("#transcript li.bot")
    for _ in range(60):
        last = bot_lines.last.inner_text()
        if "check your answers" in last:
            break
        before = bot_lines.count()
        if page.locator("#answer input[type=checkbox]").count():
            page.locator("#answer input[type=checkbox]").first.check()
            page.get_by_role("button", name="Continue").click()
        elif page.locator("#answer button.choice").count():
            page.locator("#answer button.choice").first.click()
        elif "postcode" in last:
            answer_text("FY1 1AA")
        else:
            answer_text("Synthetic concern for a browser test: arrived hungry several days this week.")
        page.wait_for_function("n => document.querySelectorAll('#transcript li.bot').length > n", arg=before)
    else:
        raise AssertionError("never reached the review")

    assert "Testchild" in page.locator("#transcript").inner_text()
    page.get_by_role("button", name="Submit", exact=True).click()
    wait_for("Your reference is RFS-")
    page.get_by_role("link", name="Raise another concern").wait_for()


def test_an_answer_whose_response_is_lost_is_sent_again_and_not_applied_twice(live_server: str, page: Any) -> None:
    page.goto(live_server + "/")
    page.get_by_role("button", name="No", exact=True).click()
    page.locator("#transcript li.bot").filter(has_text="full name").last.wait_for()

    lost: list[str] = []

    def save_then_lose_the_response(route: Any) -> None:
        # The service saves the answer, then the network drops its response: the page only sees a failure.
        route.fetch()
        lost.append(route.request.post_data or "")
        route.abort()
        page.unroute("**/messages", save_then_lose_the_response)

    page.route("**/messages", save_then_lose_the_response)
    page.locator("#text").fill("Alex Example")
    page.keyboard.press("Enter")
    page.locator("#transcript li.bot").filter(has_text="sent again automatically").wait_for()
    assert '"question_id":"referrer_name"' in lost[0]
    # The automatic resend (five seconds later) is recognised as already answered, and the next question stands.
    page.locator("#transcript li.bot").filter(has_text="already been answered").wait_for(timeout=15000)
    assert "your role" in page.locator("#transcript li.bot").last.inner_text()
    page.locator("#text").fill("Class teacher")
    page.keyboard.press("Enter")
    page.locator("#transcript li.bot").filter(has_text="kind of organisation").wait_for()
