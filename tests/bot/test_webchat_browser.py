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
    wait_for("What has happened?")
    assert page.evaluate("document.activeElement.id") == "text"  # focus moves to the next answer box
    answer_text("Synthetic concern for a browser test: Sam arrived hungry again this morning, the third time.")
    wait_for("full name")
    assert page.locator("#progress").inner_text() == "About you, step 1 of 7"  # the six, then the emailed code
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
    wait_for("child's full name")
    assert page.locator("#progress").inner_text().startswith("About the child, step 1 of")
    answer_text("Sam Testchild")
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
    page.locator("#transcript li.bot").filter(has_text="What has happened?").last.wait_for()
    page.locator("#text").fill("Synthetic concern for a browser test: Sam arrived hungry again this morning.")
    page.get_by_role("button", name="Send").click()
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


SHOTS = [("desktop", 1280, 900), ("phone", 390, 844)]


@pytest.mark.parametrize(("name", "width", "height"), SHOTS)
def test_the_suggested_signs_and_the_checklists_fit_desktop_and_phone(
    live_server: str, page: Any, name: str, width: int, height: int, tmp_path: Any
) -> None:
    """Walk to the suggested signs at each width; nothing is ticked for the person, labels wrap, nothing overflows.
    Screenshots go to tmp_path (and to $WEBCHAT_SHOTS when set, to look at)."""
    import os
    from pathlib import Path

    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server + "/")
    shots = Path(os.environ.get("WEBCHAT_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    def say(text: str, fragment: str) -> None:
        page.locator("#text").fill(text)
        page.locator("#answer button.primary").click()
        page.locator("#transcript li.bot").filter(has_text=fragment).last.wait_for()

    def pick(label: str, fragment: str) -> None:
        page.get_by_role("button", name=label, exact=True).click()
        page.locator("#transcript li.bot").filter(has_text=fragment).last.wait_for()

    pick("No", "What has happened?")
    account = (
        "Synthetic test concern: Sam's clothing is regularly unwashed and other children say she smells. "
        "She comes in hungry and says there is no food at home. It has happened every day this week."
    )
    say(account, "full name")
    for text, fragment in [
        ("Alex Example", "your role"),
        ("Class teacher", "kind of organisation"),
    ]:
        say(text, fragment)
    pick("School or college", "organisation or team")
    for text, fragment in [
        ("Example Primary School", "phone number"),
        ("01632 960123", "work email"),
        ("alex@school.example.org", "six-digit code"),
        (EMAIL_CODE, "child's full name"),
        ("Sam Testchild", "date of birth"),
        ("14/03/2016", "gender"),
    ]:
        say(text, fragment)
    pick("Girl", "home address")
    say("1 Test Street, Blackpool FY1 1AA", "Which of these apply?")
    page.screenshot(path=str(shots / f"webchat-extras-{name}.png"), full_page=True)
    assert page.locator("#progress").inner_text().startswith("About the child, step")
    page.get_by_label("None of these").check()
    page.get_by_role("button", name="Continue").click()
    page.locator("#transcript li.bot").filter(has_text="Who does the child live with?").last.wait_for()
    pick("Both parents", "parents or carers")
    say("Jo Testparent (mother)", "Does any of this describe")
    boxes = page.locator("#answer input[type=checkbox]")
    assert boxes.count() >= 3 and not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    assert page.get_by_label("Look through all the signs by area").count() == 1
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert not overflow, "nothing wider than the screen"
    page.screenshot(path=str(shots / f"webchat-signs-{name}.png"), full_page=True)
    boxes.first.check()
    page.get_by_role("button", name="Continue").click()
    page.locator("#transcript li.bot").filter(has_text="Do any of these apply?").last.wait_for()
    page.screenshot(path=str(shots / f"webchat-special-{name}.png"), full_page=False)


def test_words_can_be_typed_beside_buttons_and_ticks(live_server: str, page: Any) -> None:
    # 'help', 'back' and, at the review, 'change 3' are offered everywhere, so a question with buttons has a box too.
    page.goto(live_server + "/")
    page.locator("#answer .typed input").fill("help")
    page.keyboard.press("Enter")
    page.locator("#transcript li.bot").filter(has_text="Immediate danger means").wait_for()
    assert page.get_by_role("button", name="No", exact=True).is_visible()  # the question stands, buttons and all
    page.get_by_role("button", name="No", exact=True).click()
    page.locator("#transcript li.bot").filter(has_text="What has happened?").last.wait_for()
    page.locator("#text").fill("back")
    page.get_by_role("button", name="Send").click()
    page.locator("#transcript li.bot").filter(has_text="immediate danger right now").nth(1).wait_for()
    page.get_by_role("button", name="Send").click()  # an empty box beside buttons sends nothing
    assert page.locator("#transcript li.person").count() == 3
