"""Answers one answer gives to other questions, so nobody is asked what they have already said.

- A checklist ("Which of these apply?") answers the yes/no questions it folds in: ticked is Yes, not ticked is No;
  a ticked item with a follow-up (the language, who else lives there) leaves the follow-up to be asked.
- A choice can answer several questions at once (talked to the family, and they agree).
- The suggested signs answer the concern areas (the areas of the ticked signs), unless the person wants to look
  through the signs by area, when the areas are asked.
- Free text can hold another answer: a postcode in the address, a full name, when it happened in the account.

Place in the flow: the engine calls `apply` after storing an answer. What was filled is remembered in
`state["filled"]` (question id -> the question whose answer filled it): a filled answer is replaced when its source
is answered again, a follow-up is asked again when its item is ticked again, but an answer the person gave to the
question itself is never overwritten by something read out of free text.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from intake.conversation.flow import Flow
from intake.conversation.question import Question, conditions_hold
from intake.validation import AnswerError, load_answer

NONE = "none"  # a checklist's or the suggestions' "None of these"
BROWSE = "browse"  # the suggestions' "Look through all the signs by area"
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WHEN = re.compile(
    r"\b(today|tonight|yesterday|this (morning|afternoon|evening|week|term|half[- ]term|month|year)|"
    r"last (night|week|term|month|year|weekend|\w+day)|since|ago|every|daily|weekly|always|often|"
    r"regularly|repeatedly|again|twice|several times|\w+ times|\d+ times|most days|each (day|week)|"
    r"(mon|tues|wednes|thurs|fri|satur|sun)day|january|february|april|june|july|august|"
    r"september|october|november|december|\d{1,2}/\d{1,2}|\d{1,2}(st|nd|rd|th)?\s+\w+\s+\d{4}|"
    r"over the (last|past)|for (the last |the past )?(a|\d+|two|three|four|five|six|several|few) "
    r"(days|weeks|months|years)|for (days|weeks|months|years)|(at|over) the weekends?|at weekends|"
    r"(first|second|third|fourth|fifth|last|next) time|most (mornings|days|weeks|nights|evenings)|"
    r"all (week|night|day|term)|in the (summer|holidays?|morning|afternoon|evening|night)|at (break|lunch\w*)|"
    r"recently|frequent\w*|\d{1,2} ?(am|pm)|\d+ weeks)\b",
    re.I,
)


def apply(flow: Flow, question: Question, value: Any, state: dict[str, Any], today: date) -> None:
    """Fill what this answer also answers (see the module docstring). `question` is the one as asked (its choices
    resolved by the plan), so only items the person was shown fill anything."""
    filled: dict[str, str] = state.setdefault("filled", {})
    filled.pop(question.id, None)  # answered by the person: theirs now
    if question.fills:
        _choice_fills(question, value, state, filled)
    if question.kind == "suggestions":
        _suggestion_fills(flow, question, value, state, filled)
    for kind, targets in question.extracts:
        if isinstance(value, str):
            _extract(flow, question, kind, targets, value, state, filled, today)


def default_for(state: dict[str, Any], question: Question) -> bool:
    """In the browser chat, answer `question` (the next step) from an earlier answer when it takes one by default
    (the child's school is the teacher's own organisation). True when it did, for the engine to say so."""
    answers = state["answers"]
    if state.get("channel", "web") != "web" or question.default_from is None or question.id in answers:
        return False
    if answers.get(question.default_from) in (None, "") or not conditions_hold(question.default_if, answers):
        return False
    _set(state, state.setdefault("filled", {}), question.id, answers[question.default_from], question.default_from)
    return True


def _set(state: dict[str, Any], filled: dict[str, str], target: str, value: Any, source: str) -> None:
    state["answers"][target] = value
    filled[target] = source


def _clear(state: dict[str, Any], filled: dict[str, str], target: str, source: str) -> None:
    if filled.get(target) == source:
        state["answers"].pop(target, None)
        filled.pop(target)


def _choice_fills(question: Question, value: Any, state: dict[str, Any], filled: dict[str, str]) -> None:
    shown = {c.value for c in question.choices}
    picked = set(value) if isinstance(value, list) else {value}
    assigned: set[str] = set()
    # Items not chosen first, then chosen items from the last to the first, so the first chosen item wins.
    for fill in [f for f in question.fills if not f.chosen and f.when in shown and f.when not in picked]:
        _set(state, filled, fill.target, fill.value, question.id)
        assigned.add(fill.target)
    for fill in reversed([f for f in question.fills if f.chosen and f.when in shown and f.when in picked]):
        _set(state, filled, fill.target, fill.value, question.id)
        assigned.add(fill.target)
    for fill in question.fills:
        if fill.when in shown and fill.target not in assigned:
            _clear(state, filled, fill.target, question.id)  # a ticked follow-up: ask it


def categories_question(flow: Flow) -> str:
    return next((q.id for q in flow.questions if q.kind == "categories"), "")


def _suggestion_fills(
    flow: Flow, question: Question, value: Any, state: dict[str, Any], filled: dict[str, str]
) -> None:
    target = categories_question(flow)
    if not target:
        return
    picked = list(value) if isinstance(value, list) else []
    signs = [v for v in picked if v in flow.rules.indicators]
    if BROWSE in picked or NONE in picked or not signs:
        _clear(state, filled, target, question.id)
        return
    unborn = bool(state["answers"].get(flow.age_keys[0]))
    areas: list[str] = []
    for sign in signs:
        # The sign's first area the concern areas question offers (pre-birth only for an unborn baby).
        usable = [c for c in flow.rules.indicators[sign].categories if c != "pre_birth" or unborn]
        if usable and usable[0] not in areas:
            areas.append(usable[0])
    order = [c.id for c in flow.rules.categories]
    _set(state, filled, target, sorted(areas, key=order.index), question.id)


def _extract(
    flow: Flow,
    question: Question,
    kind: str,
    targets: tuple[str, ...],
    text: str,
    state: dict[str, Any],
    filled: dict[str, str],
    today: date,
) -> None:
    answers = state["answers"]
    free = [t for t in targets if t not in answers or filled.get(t) == question.id]
    if not free:
        return
    found: dict[str, str] = {}
    if kind == "postcode":
        match = _POSTCODE.search(text)
        if match:
            found[targets[0]] = f"{match.group(1)} {match.group(2)}"
    elif kind == "when":
        sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip() and _WHEN.search(s)]
        if sentences:
            found[targets[0]] = " ".join(sentences)[: flow.question(targets[0]).max_length]
    elif kind == "name":
        found.update(_name_parts(text, targets))
    for target in targets:
        if target not in free:
            continue
        if target not in found:
            _clear(state, filled, target, question.id)
            continue
        try:
            clean = load_answer(flow.question(target), found[target], (), today)
        except AnswerError:
            _clear(state, filled, target, question.id)
            continue
        _set(state, filled, target, clean, question.id)


def _name_parts(text: str, targets: tuple[str, ...]) -> dict[str, str]:
    """'Sam Testchild' -> first 'Sam', last 'Testchild'; 'Mary Ann Smith' -> 'Mary Ann', 'Smith'; one word is the
    first name only (the last name is then asked); 'unknown' is both."""
    first, last = targets
    words = text.split()
    if not words:
        return {}
    if text.strip().casefold().rstrip(".") in ("unknown", "not known", "don't know", "do not know"):
        return {first: "unknown", last: "unknown"}
    if len(words) == 1:
        return {first: words[0]}
    given, family = text.strip().rsplit(maxsplit=1)
    return {first: given, last: family}
