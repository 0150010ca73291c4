"""The conversation a section at a time, for channels that show a form (a Slack modal, a Teams card) rather than
one question per message: `section_form` says which questions to show together now, `advance_form` applies what
came back.

Place in the flow: the same pure engine underneath. A form is the step the conversation is waiting for plus the
following unanswered questions of the same section that apply; each answer is applied in order through
`engine.answer`, so validation, side effects (the 999 advice, a confirmed profile) and re-planning are exactly
those of the question-by-question path, and `current_question` keeps working for adapters that walk one step at a
time. A bad answer never costs the good ones: every valid answer is kept and the Turn carries a message per
question that needs another try.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import takewhile
from typing import Any

from intake.conversation import engine
from intake.conversation.flow import Flow
from intake.conversation.plan import find, next_step, plan, reconcile
from intake.conversation.question import SECTION_TITLES, Question, conditions_hold
from intake.conversation.turn import CLOSED, Reply, Turn
from intake.conversation.wording import ask

# Questions that steer the conversation itself: each is shown on its own, never with other questions.
CONTROL_KINDS = ("confirm_profile", "review")
CONTROL_ROLES = ("emergency_check", "emergency_carry_on", "adult_check")


@dataclass(frozen=True)
class SectionForm:
    """The questions to show together now, each drawn as `current_question` draws it (choices resolved, hints)."""

    section: str
    title: str
    step: int  # the first question's place among the section's steps that apply now (1-based)
    steps: int
    questions: tuple[Reply, ...]
    # question id -> the stored answer to show filled in (an answer being changed, or a remembered detail).
    prefills: dict[str, Any] = field(default_factory=dict)

    @property
    def progress(self) -> str:
        return f"{self.title}, step {self.step} of {self.steps}"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.question_id or "" for r in self.questions)


def is_control(question: Question) -> bool:
    return question.kind in CONTROL_KINDS or question.role in CONTROL_ROLES


def section_form(flow: Flow, state: Mapping[str, Any], now: datetime, *, conditional: bool = False) -> SectionForm:
    """The form for where the conversation is: the waiting step plus the following unanswered questions of its
    section that apply now, stopping before a control question (a control question is a form of its own).

    `conditional=True` also shows the section's later questions that depend only on answers in this same form (the
    child's first name, asked unless the baby is unborn): their Replies carry `hints["conditional"] = True`, and
    `advance_form` ignores an answer to one that turns out not to apply."""
    state = engine.normalise(state)
    today = engine.today_in_london(now)
    steps = plan(flow, state, today)
    current = engine.waiting_for(steps, state)
    answers = state["answers"]
    chosen: list[Question] = [current]
    if not is_control(current):
        start = steps.index(current) + 1
        pending = {current.id}
        later = list(takewhile(lambda q: q.section == current.section, steps[start:]))
        shown = {q.id for q in later}
        candidates = later
        if conditional:
            candidates = _with_conditional(flow, current, later, state, pending)
        for q in candidates:
            if q.section != current.section:
                break
            if is_control(q):
                break
            if q.id in answers:
                continue
            chosen.append(q)
            pending.add(q.id)
        extra = {q.id for q in chosen} - shown - {current.id}
    else:
        extra = set()
    replies = []
    for q in chosen:
        reply = ask(flow, q, state, steps)
        if q.id in extra:
            reply = Reply(
                text=reply.text,
                choices=reply.choices,
                input=reply.input,
                question_id=reply.question_id,
                help=reply.help,
                hints={**reply.hints, "conditional": True},
            )
        replies.append(reply)
    first = replies[0].hints
    return SectionForm(
        section=current.section,
        title=SECTION_TITLES.get(current.section, current.section),
        step=int(first.get("step", 1)),
        steps=int(first.get("steps", 1)),
        questions=tuple(replies),
        prefills=_prefills(chosen, state),
    )


def _with_conditional(
    flow: Flow, current: Question, later: list[Question], state: Mapping[str, Any], pending: set[str]
) -> list[Question]:
    """The section's later questions in questionnaire order: those that apply now, and those whose conditions could
    still hold once this form's unanswered questions are answered."""
    applying = {q.id: q for q in later}
    values = dict(state.get("answers", {}))
    values["has_profile"] = bool(state.get("profile"))
    values["channel"] = state.get("channel", "web")
    values["email_codes"] = "email_code" in flow.role_checks
    ids = [q.id for q in flow.questions]
    base = current.id.split(".", 1)[0]
    out: list[Question] = []
    undecided = set(pending)
    for q in flow.questions[ids.index(base) + 1 :]:
        if q.section != current.section:
            break
        if q.kind == "indicators":
            out.extend(page for page in later if page.id.startswith(f"{q.id}."))
        elif q.id in applying:
            out.append(applying[q.id])
            undecided.add(q.id)
        elif _could_hold(q.ask_if, values, undecided, flow):
            out.append(q)
            undecided.add(q.id)
    if base != current.id:  # the current step is an indicator page: the pages after it come first
        out = [page for page in later if page.id.startswith(f"{base}.")] + [q for q in out if q.kind != "indicators"]
    return out


def _could_hold(conditions: Mapping[str, Any], values: Mapping[str, Any], undecided: set[str], flow: Flow) -> bool:
    """Whether the conditions hold, taking any condition on a not-yet-given answer in the form as possibly true."""
    age_pending = bool(undecided & set(flow.age_keys))
    for key, wanted in conditions.items():
        if key == "any":
            if not any(_could_hold(group, values, undecided, flow) for group in wanted):
                return False
            continue
        if key == "all":
            if not all(_could_hold(group, values, undecided, flow) for group in wanted):
                return False
            continue
        if key in undecided or (key == "child_age" and age_pending):
            continue
        if not conditions_hold({key: wanted}, values):
            return False
    return True


def _prefills(questions: list[Question], state: Mapping[str, Any]) -> dict[str, Any]:
    answers = state.get("answers", {})
    profile = state.get("profile") or {}
    out: dict[str, Any] = {}
    for q in questions:
        if q.id in answers:
            out[q.id] = answers[q.id]
        elif q.section == "about_you" and q.id in profile:
            out[q.id] = profile[q.id]
        elif q.default_from and answers.get(q.default_from) and conditions_hold(q.default_if, answers):
            out[q.id] = answers[q.default_from]  # the teacher's own school, for the child's
    return out


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, list | tuple) and not raw)


def advance_form(flow: Flow, state: Mapping[str, Any], answers: Mapping[str, Any], now: datetime) -> Turn:
    """Apply a form's answers (question id -> what was entered) in the questionnaire's order, each validated as
    `advance` validates it. Every valid answer is kept; `Turn.errors` has the message for each that was not, and the
    conversation waits at the first of those. A blank optional field is a skip. An answer to a question that does
    not apply (any more) is ignored; a control question is applied only when the conversation is waiting for it."""
    state = engine.normalise(state)
    today = engine.today_in_london(now)
    if state["status"] != "open":
        return Turn(
            state=state,
            replies=(Reply(text="This conversation has finished. Start a new one to raise another concern."),),
            action=CLOSED,
        )
    order = {q.id: n for n, q in enumerate(plan(flow, state, today))}
    position = {q.id: n for n, q in enumerate(flow.questions)}

    def place(key: str) -> tuple[int, int]:
        base = key.split(".", 1)[0]
        return (order.get(key, len(order) + position.get(base, 0)), position.get(base, 0))

    errors: dict[str, str] = {}
    notes: list[Reply] = []
    for key in sorted(answers, key=place):
        steps = plan(flow, state, today)
        question = find(steps, key)
        if question is None:
            continue  # not asked now (an earlier answer in this form routed past it)
        waiting = engine.waiting_for(steps, state)
        if is_control(question) and (question.id != waiting.id or errors):
            continue
        raw = answers[key]
        if _blank(raw) and question.optional:
            raw = [] if question.input == "multi" else "skip"
        elif isinstance(raw, tuple):
            raw = list(raw)
        if raw is None:
            raw = ""
        turn = engine.answer(flow, state, steps, question, raw, now, today)
        if turn.replies and turn.replies[0].error:
            errors[question.id] = turn.replies[0].text
            continue
        state = turn.state
        if turn.action is not None:
            return Turn(state=state, replies=(*notes, *turn.replies), action=turn.action, errors=errors)
        notes.extend(r for r in turn.replies[:-1] if not r.error)
    steps = plan(flow, state, today)
    if reconcile(steps, state):
        steps = plan(flow, state, today)
    wrong = [q for q in steps if q.id in errors]
    if wrong:
        first = wrong[0]
        state["step"] = first.id
        replies = [Reply(text=errors[first.id], error=True, question_id=first.id), ask(flow, first, state, steps)]
        return Turn(state=state, replies=(*notes, *replies), errors=errors)
    nxt = next_step(steps, state["answers"])
    state["step"] = nxt.id
    return Turn(state=state, replies=(*notes, ask(flow, nxt, state, steps)), errors=errors)
