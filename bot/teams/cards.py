"""Adaptive Cards drawn from the conversation engine's replies: one card per step, nothing decided here.

The question wording, choices, input kind and limits all come from the `Reply` the intake service returns, so the
Teams intake can never drift from the browser or Slack one. Buttons are `Action.Execute` (Teams answers them in the
HTTP response with the next card) with an `Action.Submit` fallback for clients that lack universal actions.

Text that may hold what a person typed (review answers, errors quoting an answer) is drawn with RichTextBlock
TextRuns, which Adaptive Cards never read as markdown, and `{{` is broken up so it cannot become a DATE()/TIME()
template; TextBlocks (which do read markdown) only ever hold our own fixed wording or `escape_markdown`-ed text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from intake.conversation.turn import Reply
from intake.working_day import LONDON

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Few enough options to show as buttons (yes/no, submit/cancel) rather than a radio list and a Continue button.
MAX_BUTTONS = 3
MAX_EXPANDED = 8
ANSWER = "answer"
CHANGE = "change"

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def plain(text: str) -> str:
    """Text for a TextRun: shown as typed; `{{` would otherwise start a DATE()/TIME() template."""
    return text.replace("{{", "{\u200b{").replace("}}", "}\u200b}")


def escape_markdown(text: str) -> str:
    """Text for a markdown TextBlock: every markdown character backslash-escaped, so no links, bold or lists."""
    return _MARKDOWN.sub(r"\\\1", plain(text))


def text_runs(text: str, *, color: str | None = None, weight: str | None = None, subtle: bool = False) -> list[dict]:
    """One RichTextBlock a line, so line breaks survive in every Teams client."""
    blocks: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        run: dict[str, Any] = {"type": "TextRun", "text": plain(line)}
        if color:
            run["color"] = color
        if weight:
            run["weight"] = weight
        if subtle:
            run["isSubtle"] = True
            run["size"] = "small"
        blocks.append({"type": "RichTextBlock", "inlines": [run], "spacing": "none" if number and blocks else "medium"})
    return blocks


def heading(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": escape_markdown(text), "weight": "bolder", "size": "medium", "wrap": True}


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


def card(body: Iterable[dict[str, Any]], actions: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": list(body)}
    actions = list(actions)
    if actions:
        out["actions"] = actions
    return out


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


# -- the intake ----------------------------------------------------------------------------------------------------


def _is_question(reply: Reply) -> bool:
    return reply.input != "none" and reply.question_id is not None


def _input(reply: Reply) -> list[dict[str, Any]]:
    hints = reply.hints or {}
    optional = bool(hints.get("optional"))
    if reply.input == "date":
        element: dict[str, Any] = {"type": "Input.Date", "id": ANSWER, "isRequired": not optional}
        if not optional:
            element["errorMessage"] = "Please give the date."
        return [element]
    if reply.input == "text" and hints.get("kind") == "number":
        element = {
            "type": "Input.Number",
            "id": ANSWER,
            "isRequired": not optional,
            "errorMessage": "Please give a number.",
        }
        for key in ("min", "max"):
            if hints.get(key) is not None:
                element[key] = hints[key]
        return [element]
    if reply.input == "text":
        limit = int(hints.get("max_length") or 500)
        element = {
            "type": "Input.Text",
            "id": ANSWER,
            "maxLength": limit,
            "isMultiline": limit > 200,
            "isRequired": not optional,
            "errorMessage": "Please type an answer.",
        }
        if optional:
            element["placeholder"] = "Leave empty if you do not know"
        return [element]
    if reply.input in ("choice", "multi"):
        multi = reply.input == "multi"
        return [
            {
                "type": "Input.ChoiceSet",
                "id": ANSWER,
                "isMultiSelect": multi,
                "style": "expanded" if multi or len(reply.choices) <= MAX_EXPANDED else "compact",
                "isRequired": not (multi and optional),
                "errorMessage": "Please choose an option.",
                "choices": [{"title": c.label, "value": c.value} for c in reply.choices],
            }
        ]
    return []


def step_card(replies: Sequence[Reply], draft_id: str, *, notice: str | None = None) -> dict[str, Any]:
    """The card for the current step: what the engine said before the question, then the question and its input."""
    body: list[dict[str, Any]] = []
    if notice:
        body += text_runs(notice, color="warning")
    question = replies[-1] if replies and _is_question(replies[-1]) else None
    for reply in replies[:-1] if question else replies:
        urgent = reply.error or reply.question_id == "immediate_danger"
        body += text_runs(reply.text, color="attention" if urgent else None, weight="bolder" if urgent else None)
    actions: list[dict[str, Any]] = []
    if question is not None:
        body += text_runs(question.text, weight="bolder")
        if question.help:
            body += text_runs(question.help, subtle=True)
        base = {"verb": "answer", "draft": draft_id, "step": question.question_id}
        if question.input == "choice" and 0 < len(question.choices) <= MAX_BUTTONS:
            for choice in question.choices:
                style = {"submit": "positive", "cancel": "destructive"}.get(choice.value)
                actions.append(action(choice.label, {**base, "choice": choice.value}, style=style, inputs=False))
        else:
            body += _input(question)
            actions.append(action("Continue", base, style="positive"))
        if question.question_id != "immediate_danger":
            actions.append(action("Back", {**base, "command": "back"}, inputs=False))
        if (question.hints or {}).get("kind") == "review":
            # The review lists numbered answers; the engine changes one by number or name.
            body.append(
                {
                    "type": "Input.Text",
                    "id": CHANGE,
                    "label": "To change an answer, type its number or name",
                    "maxLength": 80,
                }
            )
            actions.append(action("Change", {**base, "command": "change"}))
    return card(body, actions)


def finished_card(replies: Sequence[Reply], request: dict[str, Any] | None) -> dict[str, Any]:
    """After submission: reference, level, route, reasons and next steps. Otherwise what the engine said last."""
    body: list[dict[str, Any]] = []
    if request:
        body.append(heading("Your request has been sent to the hub"))
        body += text_runs(f"Reference: {request['reference']}", weight="bolder")
        body += text_runs(f"Recommended level of need: {request['level']}")
        body += text_runs(f"Route: {request.get('route_label') or request['route']}")
        due = request.get("decision_due_at")
        if due:
            when = datetime.fromisoformat(due).astimezone(LONDON).strftime("%A %d %B %Y, %H:%M")
            body += text_runs(f"The hub will decide by: {when}")
        reasons = request.get("reasons") or []
        if reasons:
            body += text_runs("Why:", weight="bolder")
            body += text_runs("\n".join(f"• {r}" for r in reasons))
        steps = " ".join(x for x in (request.get("next_steps"), request.get("timescale")) if x)
        if steps:
            body += text_runs("What happens next:", weight="bolder")
            body += text_runs(steps)
        body += text_runs("The hub makes the decision; this is the bot's recommendation.", subtle=True)
    else:
        for reply in replies:
            body += text_runs(reply.text)
    return card(body, [action("Raise another concern", {"verb": "start"}, inputs=False)])


def welcome_card() -> dict[str, Any]:
    return card(
        [
            heading("Request for support"),
            *text_runs(
                "I help you raise a concern about a child with the hub, one question at a time, saving every answer. "
                "If a child is in immediate danger, call 999 now."
            ),
        ],
        [action("Start", {"verb": "start"}, style="positive", inputs=False)],
    )


def notice_card(text: str) -> dict[str, Any]:
    return card(text_runs(text))
