"""The Slack modal's building blocks (options cut to Slack's limits, block ids, the 999 notice) and the views
that ask nothing: a finished request, an out-of-date form, a problem on our side.

Place in the flow: bot/slack/pages.py draws each section page from these; `step_view` draws the replies of a
finished conversation (the reference and what happens next) with Close only. The view carries only the draft id
(`private_metadata`); the answers live in the database. Views are built with `slack_sdk.models`, so Slack's
limits (title, block count, option text) are checked before anything is sent. Text a person typed is only ever
shown as `plain_text`, which Slack never formats.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    EmailInputElement,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from intake.conversation.turn import Choice, Reply

CALLBACK_ID = "intake_step"
BACK_ACTION = "intake_back"
CANCEL_ACTION = "intake_cancel"
ANSWER_ACTION = "answer"
TITLE = "Raise a concern"

# Slack's own limits (https://docs.slack.dev/reference/block-kit): checkboxes and radio buttons hold 10 options,
# option text 75 characters, plain text inputs 3,000 characters, section text 3,000.
GROUP_SIZE = 10
OPTION_TEXT = 75
INPUT_MAX = 3000
SECTION_TEXT = 3000

_BLOCK_PREFIX = "q"
EMERGENCY_HEADER = ":rotating_light: Call 999 now"
SAVED_NOTE = (
    "Every answer is saved when you press Next. Close this form at any time and carry on later from the app's "
    "Home tab. If a child is in immediate danger, call 999."
)


@dataclass(frozen=True)
class StepView:
    """A drawn step: the view, and which question (if any) its inputs answer."""

    view: dict[str, Any]
    question_id: str | None


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=False)


def _split(text: str, size: int) -> list[str]:
    """Cut long text on line or word boundaries into pieces Slack accepts."""
    pieces: list[str] = []
    rest = text
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        if cut < size // 2:
            cut = rest.rfind(" ", 0, size)
        if cut < size // 2:
            cut = size
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _sections(text: str) -> list[Block]:
    return [SectionBlock(text=_plain(piece)) for piece in _split(text, SECTION_TEXT)]


def _option(choice: Choice) -> Option:
    """An option whose label fits Slack's 75 characters: the rest of a long label goes in its description."""
    label = choice.label
    if len(label) <= OPTION_TEXT:
        return Option(value=choice.value, text=_plain(label))
    head, tail = _split(label, OPTION_TEXT - 1)[0], ""
    tail = label[len(head) :].strip()
    if len(tail) > OPTION_TEXT:
        tail = tail[: OPTION_TEXT - 1].rstrip() + "…"
    return Option(value=choice.value, text=_plain(head), description=_plain(tail))


def block_id(question_id: str, part: int = 0) -> str:
    return f"{_BLOCK_PREFIX}:{question_id}:{part}"


def question_of_block(block: str) -> str | None:
    """The question id inside a block id; question ids may hold colons themselves ("indicators:neglect:1")."""
    prefix, _, rest = block.partition(":")
    qid, _, part = rest.rpartition(":")
    return qid if prefix == _BLOCK_PREFIX and qid and part.isdigit() else None


def _input_blocks(reply: Reply, prefill: str | None) -> list[Block]:
    assert reply.question_id is not None
    qid = reply.question_id
    optional = bool(reply.hints.get("optional"))
    hint = _plain(reply.help[:2000]) if reply.help else None
    label = _plain(reply.text[:2000])

    if reply.input == "multi":
        groups = [reply.choices[i : i + GROUP_SIZE] for i in range(0, len(reply.choices), GROUP_SIZE)]
        blocks: list[Block] = []
        for n, group in enumerate(groups):
            blocks.append(
                InputBlock(
                    block_id=block_id(qid, n),
                    label=label
                    if n == 0
                    else _plain(f"More options ({n * GROUP_SIZE + 1} to {n * GROUP_SIZE + len(group)})"),
                    hint=hint if n == len(groups) - 1 else None,
                    # Several groups make one answer: none of them may insist on a tick of its own.
                    optional=optional or len(groups) > 1,
                    element=CheckboxesElement(action_id=ANSWER_ACTION, options=[_option(c) for c in group]),
                )
            )
        return blocks

    if reply.input == "choice":
        options = [_option(c) for c in reply.choices]
        element: Any
        if len(options) <= GROUP_SIZE:
            element = RadioButtonsElement(action_id=ANSWER_ACTION, options=options)
        else:
            element = StaticSelectElement(action_id=ANSWER_ACTION, options=options, placeholder=_plain("Choose one"))
        return [InputBlock(block_id=block_id(qid), label=label, hint=hint, optional=optional, element=element)]

    if reply.input == "date":
        element = DatePickerElement(action_id=ANSWER_ACTION, placeholder=_plain("Pick a date"))
        return [InputBlock(block_id=block_id(qid), label=label, hint=hint, optional=optional, element=element)]

    max_length = min(int(reply.hints.get("max_length") or INPUT_MAX), INPUT_MAX)
    if reply.hints.get("kind") == "email":
        element = EmailInputElement(action_id=ANSWER_ACTION, initial_value=prefill)
    else:
        element = PlainTextInputElement(
            action_id=ANSWER_ACTION,
            multiline=max_length > 500,
            max_length=max_length,
            initial_value=prefill[:max_length] if prefill else None,
        )
    if optional and hint is None:
        hint = _plain("Leave this empty if you do not know.")
    return [InputBlock(block_id=block_id(qid), label=label, hint=hint, optional=optional, element=element)]


def _is_emergency(reply: Reply) -> bool:
    return reply.input == "none" and bool(reply.hints.get("emergency") or reply.question_id == "immediate_danger")


def _notice_blocks(reply: Reply) -> list[Block]:
    if _is_emergency(reply):
        return [HeaderBlock(text=_plain(EMERGENCY_HEADER)), *_sections(reply.text), DividerBlock()]
    return _sections(reply.text)


def _asking(replies: Sequence[Reply]) -> Reply | None:
    last = replies[-1] if replies else None
    if last is not None and last.question_id and last.input != "none":
        return last
    return None


def step_view(
    draft_id: str,
    replies: Sequence[Reply],
    *,
    first_question: str,
    prefill: str | None = None,
    opening: bool = False,
) -> StepView:
    """One view for one step: notices first (the 999 advice above all), then the question, then Back.

    `opening`: the replies open (or resume) a conversation; the chat greeting, written for typed chats, is left out
    of a fresh form, but a "welcome back" before a later question is kept.

    slack_sdk checks Slack's limits while it turns a view into JSON, which costs more than the rest of a step, so
    the JSON of a step that shows nobody's answers is kept and reused; a view with answers in it (the review, a
    change, remembered details, a suggested answer) is built every time and never kept.
    """
    if prefill is not None or any(_shows_answers(r) for r in replies):
        view, question_id = _build_view(replies, first_question, opening, prefill)
        return StepView({**view.to_dict(), "private_metadata": draft_id}, question_id)
    # Error replies are left out of the key as they are out of the view (errors go under the field, see
    # errors_for): a message quoting what the person typed must not be kept.
    key = (tuple(json.dumps(r.to_dict(), sort_keys=True) for r in replies if not r.error), first_question, opening)
    with _GENERIC_VIEWS_LOCK:
        known = _GENERIC_VIEWS.get(key)
    if known is None:
        view, question_id = _build_view(replies, first_question, opening)
        known = (json.dumps(view.to_dict()), question_id)
        with _GENERIC_VIEWS_LOCK:
            _GENERIC_VIEWS[key] = known
    view_json, question_id = known
    # Kept as text and parsed afresh (several times cheaper than copy.deepcopy), so no caller shares a dict.
    return StepView({**json.loads(view_json), "private_metadata": draft_id}, question_id)


# The views most used lately (cachetools is not thread-safe on its own: bolt's listeners run in several threads).
_GENERIC_VIEWS: LRUCache[tuple[Any, ...], tuple[str, str | None]] = LRUCache(maxsize=512)
_GENERIC_VIEWS_LOCK = threading.Lock()


def _shows_answers(reply: Reply) -> bool:
    return "current" in reply.hints or reply.hints.get("kind") in ("review", "confirm_profile")


def _build_view(
    replies: Sequence[Reply], first_question: str, opening: bool, prefill: str | None = None
) -> tuple[View, str | None]:
    question = _asking(replies)
    first_step = question is not None and question.question_id == first_question
    notices = [r for r in replies if r is not question and not r.error]
    if opening and first_step:
        notices = [r for r in notices if _is_emergency(r)]
    blocks: list[Block] = []
    for reply in notices:
        blocks.extend(_notice_blocks(reply))

    if question is None:
        # The conversation has finished (submitted, cancelled, closed): nothing to submit, only Close.
        blocks = blocks or _sections("This request has finished.")
        view = View(
            type="modal",
            callback_id=CALLBACK_ID,
            title=_plain(TITLE),
            close=_plain("Close"),
            blocks=blocks,
        )
        return view, None

    is_review = question.hints.get("kind") == "review"
    if is_review:
        blocks.extend(_sections(question.text))
    else:
        if first_step and not notices:
            blocks.append(SectionBlock(text=_plain("If a child is in immediate danger, call 999 now.")))
        blocks.extend(_input_blocks(question, prefill))

    buttons: list[ButtonElement] = []
    if not first_step:
        buttons.append(ButtonElement(action_id=BACK_ACTION, text=_plain("Back"), value=question.question_id))
    if is_review:
        buttons.append(
            ButtonElement(
                action_id=CANCEL_ACTION,
                text=_plain("Cancel this request"),
                value=question.question_id,
                style="danger",
                confirm=ConfirmObject(
                    title="Cancel this request?",
                    text="Nothing will be sent to the hub and your answers will be discarded.",
                    confirm="Cancel request",
                    deny="Keep it",
                ),
            )
        )
    if buttons:
        blocks.append(ActionsBlock(block_id="nav", elements=buttons))
    blocks.append(ContextBlock(elements=[_plain(SAVED_NOTE)]))

    view = View(
        type="modal",
        callback_id=CALLBACK_ID,
        title=_plain(TITLE),
        submit=_plain("Submit" if is_review else "Next"),
        close=_plain("Save and close"),
        blocks=blocks,
    )
    return view, question.question_id


class UnexpectedView(ValueError):
    """The submitted view does not hold one answer to one question (an old or tampered view)."""
