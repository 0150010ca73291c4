"""The review card, last before sending: the answers as plain facts grouped by section (short on a phone), one
list to pick an answer to change, Submit with Back beside it, and "Cancel this request" far from Submit behind a
confirmation.

Place in the flow: the engine's review step (its Reply lists the numbered answers, "3. Your role: Class teacher");
`change 3` and `submit` go back through the same engine as in every channel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.teams.cards import (
    CHANGE,
    action,
    card,
    confirm_cancel,
    error_line,
    escape_markdown,
    heading,
    notice,
    plain,
    shorten,
)
from bot.teams.section_cards import FORM
from intake.conversation.question import SECTION_TITLES
from intake.conversation.turn import Reply

# Long answers are cut to this at review (the whole answer is kept and sent): the card stays short on a phone.
SHOWN_AT_REVIEW = 120
_ITEM = re.compile(r"^(\d+)\. ([^:\n]+): ?(.*)$")


def review_items(text: str) -> list[tuple[int, str, str]]:
    """(number, label, shown answer) from the engine's review text; a line that does not start the next number
    belongs to the answer before it (an answer typed over several lines)."""
    items: list[tuple[int, str, str]] = []
    for line in text.split("\n"):
        match = _ITEM.match(line)
        if match and int(match[1]) == len(items) + 1:
            items.append((int(match[1]), match[2].strip(), match[3].strip()))
        elif items and line.strip():
            number, label, shown = items[-1]
            items[-1] = (number, label, f"{shown} {line.strip()}".strip())
    return items


def _facts(items: Sequence[tuple[int, str, str]]) -> dict[str, Any]:
    """One paragraph of "label: answer" facts; labels in a heavier weight, answers plain and shortened."""
    inlines: list[dict[str, Any]] = []
    for _, label, shown in items:
        if inlines:
            inlines.append({"type": "TextRun", "text": "  ·  ", "isSubtle": True})
        inlines.append({"type": "TextRun", "text": plain(f"{label}: "), "isSubtle": True})
        inlines.append({"type": "TextRun", "text": plain(shorten(shown, SHOWN_AT_REVIEW))})
    return {"type": "RichTextBlock", "inlines": inlines, "spacing": "small"}


def review_card(
    question: Reply,
    draft_id: str,
    *,
    sections: Mapping[str, str] | None = None,
    errors: Sequence[str] = (),
    notice_text: str | None = None,
    change_sections: Sequence[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """`sections` maps an answer's label to its section's title; answers whose label is not there (the pages of
    signs of need) stay with the section before them. With `change_sections` ((section id, title), ...) the card
    belongs to the section cards: Change shows a whole section again, answers filled in, and Back the last one."""
    items = review_items(question.text)
    body: list[dict[str, Any]] = []
    if notice_text:
        body.append(notice(notice_text))
    body.append(heading("Check your answers before sending"))
    body += [error_line(e) for e in errors]
    groups: list[tuple[str, list[tuple[int, str, str]]]] = []
    for item in items:
        title = (sections or {}).get(item[1])
        if not groups or (title and title != groups[-1][0]):
            groups.append((title or "Your answers", []))
        groups[-1][1].append(item)
    for title, group in groups:
        body.append(
            {"type": "TextBlock", "text": escape_markdown(title), "weight": "bolder", "wrap": True, "spacing": "medium"}
        )
        body.append(_facts(group))
    base = {"verb": "answer", "draft": draft_id, "step": question.question_id}
    by_section = {"verb": FORM, "draft": draft_id, "section": "review", "revisit": False}
    back = {**by_section, "command": "back"} if change_sections is not None else {**base, "command": "back"}
    if change_sections:
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": CHANGE,
                "label": "Change something",
                "style": "compact",
                "wrap": True,
                "placeholder": "Choose the part to change",
                "spacing": "large",
                "choices": [{"title": title, "value": section} for section, title in change_sections],
            }
        )
        body.append({"type": "ActionSet", "actions": [action("Change", {**by_section, "command": "change"})]})
    elif items and change_sections is None:
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": CHANGE,
                "label": "Change an answer",
                "style": "compact",
                "wrap": True,
                "placeholder": "Choose the answer to change",
                "spacing": "large",
                "choices": [{"title": f"{n}. {label}", "value": str(n)} for n, label, _ in items],
            }
        )
        body.append({"type": "ActionSet", "actions": [action("Change", {**base, "command": "change"})]})
    body.append(
        {
            "type": "ActionSet",
            "spacing": "large",
            "actions": [
                action("Submit", {**base, "choice": "submit"}, style="positive", inputs=False),
                action("Back", back, inputs=False),
            ],
        }
    )
    body.append(confirm_cancel({**base, "command": "cancel"}))
    return card(body)


def section_titles(flow: Any) -> dict[str, str]:
    """Each answer's label (as the review lists it) -> the title of its section."""
    return {q.short: SECTION_TITLES.get(q.section, q.section) for q in flow.questions if q.review}
