"""The drawn modal steps: kept JSON for steps that show nobody's answers, never for steps that do."""

from __future__ import annotations

from bot.slack import modal
from intake.conversation.turn import Choice, Reply

QUESTION = Reply(
    text="First, is the child in immediate danger right now?",
    choices=(Choice("yes", "Yes"), Choice("no", "No")),
    input="choice",
    question_id="immediate_danger",
    hints={"kind": "yes_no", "label": "Child in immediate danger"},
)
REVIEW = Reply(
    text="Check your answers.\n\n1. Child's first name: Alex",
    choices=(Choice("submit", "Submit"), Choice("cancel", "Cancel this request")),
    input="choice",
    question_id="review",
    hints={"kind": "review"},
)


def test_the_same_step_for_two_drafts_carries_each_draft_id() -> None:
    first = modal.step_view("draft-a", [QUESTION], first_question="immediate_danger")
    second = modal.step_view("draft-b", [QUESTION], first_question="immediate_danger")
    assert first.view["private_metadata"] == "draft-a"
    assert second.view["private_metadata"] == "draft-b"
    assert {**first.view, "private_metadata": ""} == {**second.view, "private_metadata": ""}
    first.view["blocks"].clear()  # whoever receives a view may change it; the next one is whole
    assert modal.step_view("draft-c", [QUESTION], first_question="immediate_danger").view["blocks"]


def test_a_view_with_answers_in_it_is_never_kept() -> None:
    modal._GENERIC_VIEWS.clear()
    view = modal.step_view("draft-a", [REVIEW], first_question="immediate_danger")
    assert "Alex" in str(view.view)
    assert modal._GENERIC_VIEWS == {}
    modal.step_view("draft-a", [QUESTION], first_question="immediate_danger")
    assert len(modal._GENERIC_VIEWS) == 1


def test_an_error_quoting_the_answer_is_not_kept() -> None:
    modal._GENERIC_VIEWS.clear()
    error = Reply(text="'Synthetic typed text' is not a yes or a no. Choose Yes or No.", error=True)
    modal.step_view("draft-a", [error, QUESTION], first_question="immediate_danger")
    assert "Synthetic typed text" not in str(modal._GENERIC_VIEWS)
    assert len(modal._GENERIC_VIEWS) == 1


def test_a_page_is_drawn_once_unless_it_shows_answers() -> None:
    from bot.slack import pages
    from intake.conversation.sections import SectionForm

    pages._PAGES.clear()
    blank = SectionForm("about_you", "About you", 1, 1, (QUESTION,))
    first = pages.page_view("draft-a", [blank])
    second = pages.page_view("draft-b", [blank])
    assert first["private_metadata"] == "draft-a" and second["private_metadata"] == "draft-b"
    assert len(pages._PAGES) == 1
    filled = SectionForm("about_you", "About you", 1, 1, (QUESTION,), prefills={"immediate_danger": "no"})
    assert pages.page_view("draft-a", [filled])["blocks"]
    said = Reply(text="'Synthetic typed text' is not a postcode.", hints={"private": True})
    pages.page_view("draft-a", [blank], [said])
    assert len(pages._PAGES) == 1 and "Synthetic typed text" not in str(pages._PAGES)


def test_a_page_never_passes_slacks_hundred_blocks_and_never_splits_a_question() -> None:
    from bot.slack import pages
    from intake.conversation.sections import SectionForm
    from intake.conversation.turn import Choice

    many = tuple(
        Reply(
            text=f"Signs, page {n}",
            choices=tuple(Choice(f"i{n}_{k}", f"Sign {k}") for k in range(14)),
            input="multi",
            question_id=f"indicators.neglect.{n}",
            hints={"optional": True},
        )
        for n in range(60)
    )
    view = pages.page_view("draft-a", [SectionForm("concern", "What you are worried about", 1, 60, many)])
    assert len(view["blocks"]) <= 100
    parts = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    shown = {p.rsplit(":", 1)[0] for p in parts}
    assert all(f"{q}:0" in parts and f"{q}:1" in parts for q in shown)  # both groups of every question shown
