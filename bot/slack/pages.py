"""The guided intake as a Slack modal, one section per view: the section forms the conversation is waiting on drawn
as one view with all their fields, and a submitted view read back as {question id: answer}.

Place in the flow: Slack sends a `view_submission` -> `answers_from_view` -> IntakeService.handle_page -> the
section API -> `page_view` draws the next page (or `errors_for` puts each message under its own field). The view
carries only the draft id (`private_metadata`); the answers live in the database, saved after every view. Views are
built with `slack_sdk.models`, so Slack's limits (24-character title, 100 blocks, 10 checkbox options, 75-character
options, 3,000-character text) are checked before anything is sent. A person's own words are only ever shown as
`plain_text`, or escaped where a text is mrkdwn, so nobody can ping a channel or forge a link through a concern.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping, Sequence
from datetime import date
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
    EmailInputElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.modal import (
    ANSWER_ACTION,
    BACK_ACTION,
    CALLBACK_ID,
    CANCEL_ACTION,
    GROUP_SIZE,
    INPUT_MAX,
    SAVED_NOTE,
    SECTION_TEXT,
    TITLE,
    UnexpectedView,
    _notice_blocks,
    _option,
    _plain,
    _split,
    block_id,
    question_of_block,
)
from intake.conversation.question import SECTION_TITLES
from intake.conversation.sections import SectionForm
from intake.conversation.turn import Reply

CHANGE_ACTION = "intake_change"
# A view without fields answers a control question (the review's Submit): its block says which, and with what.
_CONTROL_PREFIX = "control"
MAX_BLOCKS = 100
LABEL_MAX = 2000
HEADER_MAX = 150
CONDITIONAL_HINT = "Answer this if it applies to this child (you will be told if it is needed)."
NEEDED_HINT = "Needed to send the request (leave it for now if the child is in immediate danger)."
CALL_999 = "If a child is in immediate danger, call 999 now."
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters, escaped: "<!channel>" or "<https://x|y>" typed by a person stays text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def part_of(section: str) -> str:
    names = [s for s in SECTION_TITLES if s != "safety"]
    if section not in names:
        return ""
    return f"Part {names.index(section) + 1} of {len(names)}"


def back_value(forms: Sequence[SectionForm], revisit: str | None) -> str:
    return f"revisit:{revisit}" if revisit else f"at:{forms[0].section}"


def parse_back_value(value: str) -> tuple[str, bool]:
    kind, _, section = value.partition(":")
    return section, kind == "revisit"


def _choice_value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return None if value is None else str(value)


def _initial_options(options: list[Option], wanted: Any) -> list[Option] | None:
    values = {_choice_value(v) for v in wanted} if isinstance(wanted, list | tuple) else {_choice_value(wanted)}
    picked = [o for o in options if o.value in values]
    return picked or None


def _label(reply: Reply) -> Any:
    return _plain(reply.text[:LABEL_MAX])


def _field(reply: Reply, prefill: Any, after_safety: bool = False) -> list[Block]:
    """One question's input blocks, filled in with `prefill` (a stored answer) when there is one.

    `after_safety`: the field shares a page with a safety question. Slack refuses to send a form with a required
    field empty, and a person whose child is in danger must reach the 999 advice without filling anything else in:
    such fields are optional to Slack, and the conversation says which it needs when the answer was "no"."""
    assert reply.question_id is not None
    qid = reply.question_id
    conditional = bool(reply.hints.get("conditional"))
    required_later = after_safety and not reply.hints.get("optional") and not conditional
    optional = bool(reply.hints.get("optional")) or conditional or after_safety
    help_text = reply.help or ""
    if conditional:
        help_text = f"{CONDITIONAL_HINT} {help_text}".strip()
    elif required_later:
        help_text = f"{NEEDED_HINT} {help_text}".strip()
    hint = _plain(help_text[:LABEL_MAX]) if help_text else None
    if reply.input == "multi":
        groups = [reply.choices[i : i + GROUP_SIZE] for i in range(0, len(reply.choices), GROUP_SIZE)]
        blocks: list[Block] = []
        for n, group in enumerate(groups):
            options = [_option(c) for c in group]
            label = (
                _label(reply)
                if n == 0
                else _plain(f"More options ({n * GROUP_SIZE + 1} to {n * GROUP_SIZE + len(group)})")
            )
            initial = _initial_options(options, prefill) if prefill is not None else None
            blocks.append(
                InputBlock(
                    block_id=block_id(qid, n),
                    label=label,
                    hint=hint if n == len(groups) - 1 else None,
                    # Several groups make one answer: none of them may insist on a tick of its own.
                    optional=optional or len(groups) > 1,
                    element=CheckboxesElement(action_id=ANSWER_ACTION, options=options, initial_options=initial),
                )
            )
        return blocks
    element: Any
    if reply.input == "choice":
        options = [_option(c) for c in reply.choices]
        initial = _initial_options(options, prefill) if prefill is not None else None
        first = initial[0] if initial else None
        if len(options) <= GROUP_SIZE:
            element = RadioButtonsElement(action_id=ANSWER_ACTION, options=options, initial_option=first)
        else:
            element = StaticSelectElement(
                action_id=ANSWER_ACTION, options=options, placeholder=_plain("Choose one"), initial_option=first
            )
    elif reply.input == "date":
        initial_date = prefill if isinstance(prefill, str) and _ISO_DATE.match(prefill) else None
        if isinstance(prefill, date):
            initial_date = prefill.isoformat()
        element = DatePickerElement(
            action_id=ANSWER_ACTION, placeholder=_plain("Pick a date"), initial_date=initial_date
        )
    else:
        max_length = min(int(reply.hints.get("max_length") or INPUT_MAX), INPUT_MAX)
        text = None if prefill is None or isinstance(prefill, list | dict) else str(prefill)[:max_length]
        if reply.hints.get("kind") == "email":
            element = EmailInputElement(action_id=ANSWER_ACTION, initial_value=text or None)
        else:
            element = PlainTextInputElement(
                action_id=ANSWER_ACTION, multiline=max_length > 500, max_length=max_length, initial_value=text or None
            )
        if optional and hint is None:
            hint = _plain("Leave this empty if you do not know.")
    return [InputBlock(block_id=block_id(qid), label=_label(reply), hint=hint, optional=optional, element=element)]


def _review_blocks(text: str) -> list[Block]:
    """The answers read back, in mrkdwn so they keep their layout, every character a person typed escaped."""
    return [
        SectionBlock(text=MarkdownTextObject(text=escape_mrkdwn(piece), verbatim=True))
        for piece in _split(text, SECTION_TEXT - 200)  # escaping may lengthen a piece a little
    ]


def _form_blocks(form: SectionForm, after_safety: bool = False, room: int = MAX_BLOCKS) -> list[Block]:
    """The form's header and fields, whole questions only, at most `room` blocks: a question that does not fit
    comes on the next page (its answer is still missing), never half of its checkboxes."""
    blocks: list[Block] = [HeaderBlock(text=_plain(form.title[:HEADER_MAX]))]
    part = part_of(form.section)
    if part:
        blocks.append(ContextBlock(elements=[_plain(part)]))
    if any(r.hints.get("role") == "emergency_check" for r in form.questions):
        blocks.append(SectionBlock(text=_plain(CALL_999)))
    for reply in form.questions:
        if reply.hints.get("kind") == "review":
            blocks.extend(_review_blocks(reply.text))
            blocks.append(
                ContextBlock(
                    block_id=f"{_CONTROL_PREFIX}:{reply.question_id}:submit",
                    elements=[_plain("Press Submit to send this to the hub.")],
                )
            )
        else:
            field = _field(reply, form.prefills.get(reply.question_id or ""), after_safety)
            if len(blocks) + len(field) > room:
                break
            blocks.extend(field)
    return blocks


def is_review(forms: Sequence[SectionForm]) -> bool:
    return any(r.hints.get("kind") == "review" for f in forms for r in f.questions)


def _shows_answers(forms: Sequence[SectionForm]) -> bool:
    return any(
        f.prefills or r.hints.get("kind") in ("review", "confirm_profile") or "current" in r.hints
        for f in forms
        for r in f.questions
    )


# The pages most used lately, as JSON, for pages that show nobody's answers: slack_sdk checks Slack's limits while
# it turns a view into JSON, which costs more than the rest of a page (cachetools is not thread-safe on its own).
_PAGES: LRUCache[str, str] = LRUCache(maxsize=512)
_PAGES_LOCK = threading.Lock()


def page_view(
    draft_id: str,
    forms: Sequence[SectionForm],
    notices: Sequence[Reply] = (),
    *,
    revisit: str | None = None,
    back: bool = True,
    changeable: Sequence[str] = (),
) -> dict[str, Any]:
    """One view for one page (see `_page_view`); a page that shows nobody's answers is drawn once and reused."""
    # A notice marked private (a message that may quote what was typed) is never kept either.
    if _shows_answers(forms) or any(n.error or n.hints.get("private") for n in notices):
        return _page_view(draft_id, forms, notices, revisit=revisit, back=back, changeable=changeable)
    key = json.dumps(
        [[[r.to_dict() for r in f.questions], f.section, f.title] for f in forms]
        + [[n.to_dict() for n in notices], revisit, back, list(changeable)],
        sort_keys=True,
    )
    with _PAGES_LOCK:
        known = _PAGES.get(key)
    if known is None:
        view = _page_view("", forms, notices, revisit=revisit, back=back, changeable=changeable)
        known = json.dumps(view)
        with _PAGES_LOCK:
            _PAGES[key] = known
    # Parsed afresh each time (cheaper than a deep copy), so no caller shares a dict.
    return {**json.loads(known), "private_metadata": draft_id}


def _page_view(
    draft_id: str,
    forms: Sequence[SectionForm],
    notices: Sequence[Reply] = (),
    *,
    revisit: str | None = None,
    back: bool = True,
    changeable: Sequence[str] = (),
) -> dict[str, Any]:
    """One view for one page: notices first (the 999 advice above all), then each form's fields, then Back (and,
    on the review, a Change button per section and Cancel)."""
    blocks: list[Block] = []
    for notice in notices:
        blocks.extend(_notice_blocks(notice))
    safety_first = len(forms) > 1 and forms[0].section == "safety"
    for n, form in enumerate(forms):
        room = MAX_BLOCKS - len(blocks) - 3  # Back/Cancel, the review's Change buttons, the saved note
        if room < 3:
            break
        blocks.extend(_form_blocks(form, after_safety=safety_first and n > 0, room=room))
    review = is_review(forms)
    buttons: list[ButtonElement] = []
    if back:
        buttons.append(ButtonElement(action_id=BACK_ACTION, text=_plain("Back"), value=back_value(forms, revisit)))
    if review:
        buttons.append(
            ButtonElement(
                action_id=CANCEL_ACTION,
                text=_plain("Cancel this request"),
                value=next(r.question_id for f in forms for r in f.questions if r.hints.get("kind") == "review") or "",
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
    if review and changeable:
        change = [
            ButtonElement(
                action_id=f"{CHANGE_ACTION}:{section}",
                text=_plain(f"Change: {SECTION_TITLES.get(section, section)}"[:75]),
                value=f"revisit:{section}",
            )
            for section in changeable[:5]
        ]
        blocks.append(ActionsBlock(block_id="change", elements=change))
    blocks.append(ContextBlock(elements=[_plain(SAVED_NOTE)]))
    view = View(
        type="modal",
        callback_id=CALLBACK_ID,
        title=_plain(TITLE),
        submit=_plain("Submit" if review else "Next"),
        close=_plain("Save and close"),
        blocks=blocks,
        private_metadata=draft_id or None,
    )
    return view.to_dict()


def errors_for(errors: Mapping[str, str], view: Mapping[str, Any]) -> dict[str, str]:
    """Each message under the first block of its own question (Slack's `errors` response, keyed by block id)."""
    shown = {b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"}
    out: dict[str, str] = {}
    for qid, message in errors.items():
        block = block_id(qid, 0)
        if block in shown:
            out[block] = message[:LABEL_MAX]
    return out


def answers_from_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """What the person filled in, by question id: text, a choice's value, a list of ticked values, or a date."""
    values = ((view.get("state") or {}).get("values")) or {}
    answers: dict[str, Any] = {}

    def part(block: str) -> int:
        return int(block.rsplit(":", 1)[-1]) if question_of_block(block) else -1

    for block in sorted(values, key=part):
        qid = question_of_block(block)
        if qid is None:
            continue
        element = (values[block] or {}).get(ANSWER_ACTION) or {}
        kind = element.get("type")
        if kind in ("checkboxes", "multi_static_select"):
            picked = answers.setdefault(qid, [])
            if not isinstance(picked, list):
                raise UnexpectedView("a question answered twice in one view")
            picked.extend(str(o.get("value")) for o in element.get("selected_options") or [])
        elif kind in ("radio_buttons", "static_select"):
            option = element.get("selected_option")
            answers[qid] = str(option["value"]) if option else ""
        elif kind == "datepicker":
            answers[qid] = element.get("selected_date") or ""
        elif kind in ("plain_text_input", "email_text_input", "number_input"):
            answers[qid] = (element.get("value") or "").strip()
        else:
            raise UnexpectedView(f"unexpected element {kind!r}")
    for b in view.get("blocks") or []:
        kind, _, rest = str(b.get("block_id") or "").partition(":")
        qid, _, value = rest.rpartition(":")
        if kind == _CONTROL_PREFIX and qid and value:
            answers.setdefault(qid, value)
    return answers
