"""Adaptive Cards drawn from the conversation engine's replies: the building blocks, the one-question step card
and the welcome (sections: section_cards; review: review_card; result: result_card). Nothing is decided here.

The question wording, choices, input kind and limits all come from the `Reply` the intake service returns, so the
Teams intake can never drift from the browser or Slack one. Buttons are `Action.Execute` (Teams answers them in the
HTTP response with the next card) with an `Action.Submit` fallback for clients that lack universal actions.

What the renderer taught us (tests/bot/test_teams_cards_browser.py draws every card with Microsoft's renderer):
every input has a `label`; choice lists `wrap`; only short answers (Yes, No) are buttons, longer ones are a radio
list, since a button truncates its title; no text uses the "warning" or "good" colours (pale yellow and green on
white); chat instructions such as "type 'skip'" are reworded for a card, where an empty box already means it.

Text that may hold what a person typed is drawn with RichTextBlock TextRuns, which Adaptive Cards never read as
markdown, and `{{` is broken up so it cannot become a DATE()/TIME() template; TextBlocks (which do read markdown)
only ever hold our own fixed wording or `escape_markdown`-ed text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from intake.conversation.turn import Reply

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Teams refuses a message over 28 KB; cards are kept under this, with room for the activity around them.
MAX_CARD_BYTES = 26 * 1024
# Choices shown as buttons only when there are this few and every label is this short (Yes / No).
MAX_BUTTONS = 3
MAX_BUTTON_LABEL = 12
MAX_EXPANDED = 8
# The longest answer shown back on a card; the whole answer is always kept.
SHOWN_ANSWER = 240
ANSWER = "answer"
CHANGE = "change"
CLEAR = "clear"

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")
# Chat instructions that mean nothing on a card (an empty box is 'skip'; Back is a button; the box is prefilled).
_CHAT_ONLY = (
    (re.compile(r"I ask one question at a time and save", re.I), "I save"),
    (re.compile(r"\s*Type 'help' at any point[^.]*\.", re.I), ""),
    (re.compile(r",? or type 'skip'", re.I), ""),
    (re.compile(r"\s*Type 'skip'[^.]*\.", re.I), ""),
    (re.compile(r"\s*Type 'same' to keep it\.", re.I), ""),
    (re.compile(r"Send the new answer, or type 'back' to keep it\.", re.I), "Change it, or press Back to keep it."),
    (re.compile(r"type 'back'", re.I), "press Back"),
)


def plain(text: str) -> str:
    """Text for a TextRun: shown as typed; `{{` would otherwise start a DATE()/TIME() template."""
    return text.replace("{{", "{\u200b{").replace("}}", "}\u200b}")


def escape_markdown(text: str) -> str:
    """Text for a markdown TextBlock: every markdown character backslash-escaped, so no links, bold or lists."""
    return _MARKDOWN.sub(r"\\\1", plain(text))


def card_wording(text: str) -> str:
    """The engine's chat wording, for a card: no "type 'skip'" where an empty box says the same."""
    for pattern, replacement in _CHAT_ONLY:
        text = pattern.sub(replacement, text)
    return text.strip()


def shorten(text: str, limit: int = SHOWN_ANSWER) -> str:
    """At most `limit` characters of `text` for showing, saying so when it was cut (the answer itself is kept)."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return f"{cut.rstrip()}… (shortened here; your full answer is kept)"


def text_runs(text: str, *, color: str | None = None, weight: str | None = None, subtle: bool = False) -> list[dict]:
    """One RichTextBlock a line, so line breaks survive in every Teams client."""
    blocks: list[dict[str, Any]] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        blocks.append({"type": "RichTextBlock", "inlines": [run(line, color=color, weight=weight, subtle=subtle)]})
        blocks[-1]["spacing"] = "none" if len(blocks) > 1 else "medium"
    return blocks


def run(text: str, *, color: str | None = None, weight: str | None = None, subtle: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "TextRun", "text": plain(text)}
    if color:
        out["color"] = color
    if weight:
        out["weight"] = weight
    if subtle:
        out["isSubtle"] = True
        out["size"] = "small"
    return out


def heading(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": escape_markdown(text), "weight": "bolder", "size": "large", "wrap": True}


def progress_line(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": escape_markdown(text), "isSubtle": True, "size": "small", "wrap": True}


def notice(text: str) -> dict[str, Any]:
    """Something the person must notice first (an out-of-date card): dark text on a tinted panel, never yellow."""
    return {
        "type": "Container",
        "style": "emphasis",
        "bleed": True,
        "items": [{"type": "RichTextBlock", "inlines": [run(text, weight="bolder")]}],
    }


def urgent(text: str) -> dict[str, Any]:
    """What to do now (phone the hub, call 999): first on the card, in the attention colour (5:1 on white)."""
    return {
        "type": "Container",
        "style": "attention",
        "bleed": True,
        "items": text_runs(text, color="attention", weight="bolder"),
    }


def error_line(text: str) -> dict[str, Any]:
    return {"type": "RichTextBlock", "spacing": "small", "inlines": [run(text, color="attention", weight="bolder")]}


def action(title: str, data: dict[str, Any], *, style: str | None = None, inputs: bool = True) -> dict[str, Any]:
    """An Action.Execute with the same Action.Submit as its fallback; `data["verb"]` names what it does."""
    extra: dict[str, Any] = {}
    if style:
        extra["style"] = style
    if not inputs:
        extra["associatedInputs"] = "none"
    return {
        "type": "Action.Execute",
        "title": title,
        "verb": data["verb"],
        "data": data,
        **extra,
        "fallback": {"type": "Action.Submit", "title": title, "data": data, **extra},
    }


def confirm_cancel(data: dict[str, Any]) -> dict[str, Any]:
    """'Cancel this request', kept away from Submit and asking first: it throws every answer away."""
    return {
        "type": "ActionSet",
        "separator": True,
        "spacing": "large",
        "actions": [
            {
                "type": "Action.ShowCard",
                "title": "Cancel this request…",
                "card": {
                    "type": "AdaptiveCard",
                    "body": text_runs(
                        "Cancelling deletes every answer you have given. Nothing is sent to the hub. "
                        "To stop for now instead, just leave this chat: your answers are saved."
                    ),
                    "actions": [action("Yes, delete my answers", data, style="destructive", inputs=False)],
                },
            }
        ],
    }


def card(body: Iterable[dict[str, Any]], actions: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": list(body)}
    actions = list(actions)
    if actions:
        out["actions"] = actions
    return fit(out)


def size_of(content: dict[str, Any]) -> int:
    return len(json.dumps(attachment(content), ensure_ascii=False).encode())


def fit(content: dict[str, Any], limit: int = MAX_CARD_BYTES) -> dict[str, Any]:
    """Shorten the longest shown texts until the card is under Teams' size limit (inputs keep their values)."""
    limit_chars = SHOWN_ANSWER
    while size_of(content) > limit and limit_chars > 20:
        for item in _runs(content):
            item["text"] = shorten(item["text"], limit_chars)
        limit_chars //= 2
    return content


def _runs(node: Any) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "TextRun":
            yield node
        for value in node.values():
            yield from _runs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _runs(value)


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


# -- one question ----------------------------------------------------------------------------------------------------


def is_question(reply: Reply) -> bool:
    return reply.input != "none" and reply.question_id is not None


def as_buttons(reply: Reply) -> bool:
    """Yes / No and the like: a row of buttons. Anything longer would be truncated on a button."""
    return (
        reply.input == "choice"
        and 0 < len(reply.choices) <= MAX_BUTTONS
        and all(len(c.label) <= MAX_BUTTON_LABEL for c in reply.choices)
    )


def field(reply: Reply, input_id: str = ANSWER, *, value: Any = None, label: str | None = None) -> dict[str, Any]:
    """The input for one question, labelled with the question itself; `value` fills it in (an answer being
    changed, a remembered detail)."""
    hints = reply.hints or {}
    optional = bool(hints.get("optional"))
    element: dict[str, Any]
    if reply.input == "date":
        element = {"type": "Input.Date", "errorMessage": "Please give the date."}
    elif reply.input == "text" and hints.get("kind") == "number":
        element = {"type": "Input.Number", "errorMessage": "Please give a number."}
        for key in ("min", "max"):
            if hints.get(key) is not None:
                element[key] = hints[key]
    elif reply.input in ("choice", "multi"):
        multi = reply.input == "multi"
        element = {
            "type": "Input.ChoiceSet",
            "isMultiSelect": multi,
            "style": "expanded" if multi or len(reply.choices) <= MAX_EXPANDED else "compact",
            "wrap": True,
            "errorMessage": "Please choose an option.",
            "choices": [{"title": c.label, "value": c.value} for c in reply.choices],
        }
        if not multi and len(reply.choices) > MAX_EXPANDED:
            element["placeholder"] = "Choose one"
        optional = optional and multi
    else:
        limit = int(hints.get("max_length") or 200)
        element = {
            "type": "Input.Text",
            "maxLength": limit,
            "isMultiline": hints.get("kind") == "text" and limit > 300,
            "errorMessage": "Please type an answer.",
        }
        if optional:
            element["placeholder"] = "Leave empty if you do not know"
    element["id"] = input_id
    element["label"] = label or card_wording(reply.text)
    element["isRequired"] = not optional
    if not optional:
        element.setdefault("errorMessage", "Please answer this question.")
    shown = _prefill(reply, value)
    if shown is not None:
        element["value"] = shown
    return element


def current_value(reply: Reply) -> str | None:
    """The answer being changed, as the input takes it, from what the engine shows (`hints["current"]`)."""
    shown = (reply.hints or {}).get("current")
    if not isinstance(shown, str) or shown in ("Not given", "None"):
        return None
    if reply.input == "date":
        day, _, rest = shown.partition("/")
        month, _, year = rest.partition("/")
        return f"{year}-{month}-{day}" if year else None
    if reply.input in ("choice", "multi"):
        by_label = {c.label: c.value for c in reply.choices}
        values = [by_label[part] for part in shown.split("; ") if part in by_label]
        return ",".join(values) or None
    return shown


def _prefill(reply: Reply, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def clear_toggle(reply: Reply, input_id: str) -> dict[str, Any]:
    """For an optional answer already given: clearing it is a choice made on purpose, never an empty box."""
    return {
        "type": "Input.Toggle",
        "id": input_id,
        "title": f"Clear this answer ({reply.hints.get('label') or 'not known'}: I do not know it)",
        "valueOn": "true",
        "valueOff": "false",
        "wrap": True,
        "spacing": "small",
    }


def step_card(replies: Sequence[Reply], draft_id: str, *, notice_text: str | None = None) -> dict[str, Any]:
    """The card for one step: what the engine said before the question, then the question and its input."""
    body: list[dict[str, Any]] = []
    if notice_text:
        body.append(notice(notice_text))
    question = replies[-1] if replies and is_question(replies[-1]) else None
    errors = []
    for reply in replies[:-1] if question else replies:
        if reply.error:
            errors.append(reply.text)
        elif (reply.hints or {}).get("emergency"):
            body.append(urgent(reply.text))
        else:
            body += text_runs(card_wording(reply.text))
    actions: list[dict[str, Any]] = []
    if question is None:
        body += [error_line(e) for e in errors]
        return card(body, actions)
    hints = question.hints or {}
    if hints.get("progress"):
        # Where the person is, at the top: after anything urgent or a notice, which always come first.
        first = next((n for n, e in enumerate(body) if e["type"] != "Container"), len(body))
        body.insert(first, progress_line(str(hints["progress"])))
    base = {"verb": "answer", "draft": draft_id, "step": question.question_id}
    changing = "current" in hints and hints.get("optional")
    if changing:
        base["changing"] = True
    if as_buttons(question):
        body += text_runs(card_wording(question.text), weight="bolder")
        body += [error_line(e) for e in errors]
        # No colour on an answer: a green Yes would nudge the answer.
        actions += [action(c.label, {**base, "choice": c.value}, inputs=False) for c in question.choices]
    else:
        body.append(field(question, value=current_value(question)))
        body += [error_line(e) for e in errors]
        if changing:
            body.append(clear_toggle(question, CLEAR))
        actions.append(action("Continue", base, style="positive"))
    if question.help:
        body += text_runs(card_wording(question.help), subtle=True)
    if hints.get("role") != "emergency_check":
        actions.append(action("Back", {**base, "command": "back"}, inputs=False))
    return card(body, actions)


def welcome_card() -> dict[str, Any]:
    return card(
        [
            heading("Request for support"),
            *text_runs(
                "I help you raise a concern about a child with the hub, a few questions at a time, saving every "
                "answer. If a child is in immediate danger, call 999 now."
            ),
        ],
        [action("Start", {"verb": "start"}, style="positive", inputs=False)],
    )


def notice_card(text: str) -> dict[str, Any]:
    return card(text_runs(text))
