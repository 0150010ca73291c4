"""The guided conversation as a pure state machine: `advance(flow, state, inbound, now) -> Turn`.

No database, no chat platform, no clock of its own: the caller loads the draft state, passes what the person did
and the current time, saves the new state, and shows the replies. The same engine runs in Slack, Teams and the
browser chat.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from intake.conversation.answer import AnswerError, parse
from intake.conversation.question import Question, load_questions
from intake.conversation.turn import CANCELLED, CLOSED, SUBMIT, Choice, Inbound, Reply, Turn
from intake.working_day import LONDON, hub_is_open
from routing import RuleSet

CARRY_ON = "carry_on_after_emergency"
_COMMANDS = {"cancel", "help", "back", "start again", "restart"}


@dataclass(frozen=True)
class Flow:
    """Everything the conversation needs that is not the person's answers."""

    questions: tuple[Question, ...]
    rules: RuleSet
    hub_urgent_phone: str
    emergency_duty_team_phone: str

    @classmethod
    def build(cls, rules: RuleSet, hub_urgent_phone: str = "", emergency_duty_team_phone: str = "") -> Flow:
        contacts = rules.contacts
        return cls(
            questions=load_questions(),
            rules=rules,
            hub_urgent_phone=hub_urgent_phone or contacts.hub_urgent_phone,
            emergency_duty_team_phone=emergency_duty_team_phone or contacts.emergency_duty_team_phone,
        )

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


def child_age_years(answers: dict[str, Any], today: date) -> float | None:
    dob = answers.get("child_dob")
    if not dob:
        return None
    born = date.fromisoformat(dob)
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return float(years)


def choices_for(flow: Flow, question: Question, answers: dict[str, Any], today: date) -> tuple[Choice, ...]:
    if question.kind == "categories":
        return tuple(Choice(c.id, c.label) for c in flow.rules.categories)
    if question.kind == "indicators":
        found = flow.rules.indicators_for(
            answers.get("concern_categories", []),
            child_age_years(answers, today),
            bool(answers.get("child_unborn")),
        )
        return tuple(Choice(i.id, i.text) for i in found)
    if question.kind == "review":
        return (Choice("submit", "Submit"), Choice("cancel", "Cancel this request"))
    return question.choices


def _today(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def _next_question(flow: Flow, state: dict[str, Any], today: date) -> Question | None:
    answers = state["answers"]
    for q in flow.questions:
        if q.id in answers or not q.applies(answers):
            continue
        # An indicator list with nothing to pick from is not worth a question.
        if q.kind == "indicators" and not choices_for(flow, q, answers, today):
            answers[q.id] = []
            continue
        return q
    return None


def _ask(flow: Flow, question: Question, answers: dict[str, Any], today: date) -> Reply:
    text = question.prompt
    if question.kind == "review":
        text = f"{question.prompt}\n\n{review_text(flow, answers, today)}"
    return Reply(
        text=text,
        choices=choices_for(flow, question, answers, today),
        input=question.input,
        question_id=question.id,
        help=question.help,
        hints={"optional": question.optional, "max_length": question.max_length, "kind": question.kind},
    )


def display_answer(flow: Flow, question: Question, value: Any, answers: dict[str, Any], today: date) -> str:
    if value is None or value == []:
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    labels = {c.value: c.label for c in choices_for(flow, question, answers, today)}
    if isinstance(value, list):
        return "; ".join(labels.get(v, v) for v in value)
    if question.kind == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return labels.get(str(value), str(value))


def review_text(flow: Flow, answers: dict[str, Any], today: date) -> str:
    lines = []
    for q in flow.questions:
        if q.kind == "review" or q.id not in answers or not q.applies(answers):
            continue
        short = q.prompt.split("?")[0].split(". ")[-1]
        lines.append(f"- {short}: {display_answer(flow, q, answers[q.id], answers, today)}")
    return "\n".join(lines)


def emergency_reply(flow: Flow, now: datetime) -> Reply:
    contacts = flow.rules.contacts
    if hub_is_open(now, contacts.hub_hours):
        then = f"then phone the {contacts.hub_name} urgent line on {flow.hub_urgent_phone}"
    else:
        then = f"then, because the hub is closed now, phone the emergency duty team on {flow.emergency_duty_team_phone}"
    return Reply(
        text=f"Call 999 now, {then}. Do not wait for this chat. Tell the police if the child needs protecting "
        "straight away.",
        question_id="immediate_danger",
    )


def start(flow: Flow, now: datetime, profile: dict[str, str] | None = None) -> Turn:
    """A new conversation. A remembered referrer's details are filled in, so they are not asked again."""
    state: dict[str, Any] = {"answers": dict(profile or {}), "history": [], "step": None, "status": "open"}
    first = flow.questions[0]
    state["step"] = first.id
    greeting = Reply(
        text="Hello. I will help you raise a concern about a child with the hub. I ask one question at a time and "
        "save every answer as you go. Type 'help' at any point, 'back' to go back, or 'cancel' to stop."
    )
    return Turn(state=state, replies=(greeting, _ask(flow, first, state["answers"], _today(now))))


def _step_reply(flow: Flow, state: dict[str, Any], today: date) -> Reply:
    if state["step"] == CARRY_ON:
        return _carry_on_question()
    return _ask(flow, flow.question(state["step"]), state["answers"], today)


def _carry_on_question() -> Reply:
    return Reply(
        text="When you have made those calls, would you like to record the details here for the hub?",
        choices=(Choice("yes", "Yes, record the details"), Choice("no", "No, I have finished")),
        input="choice",
        question_id=CARRY_ON,
    )


def _move_on(flow: Flow, state: dict[str, Any], replies: list[Reply], today: date) -> Turn:
    nxt = _next_question(flow, state, today)
    if nxt is None:  # pragma: no cover - the review question is always last and never answered
        raise RuntimeError("no question left")
    state["step"] = nxt.id
    replies.append(_ask(flow, nxt, state["answers"], today))
    return Turn(state=state, replies=tuple(replies))


def advance(flow: Flow, state: dict[str, Any], inbound: Inbound, now: datetime) -> Turn:
    """Apply one thing the person did and say what comes next."""
    state = copy.deepcopy(state)
    today = _today(now)
    if state.get("status") != "open":
        return Turn(
            state=state,
            replies=(Reply(text="This conversation has finished. Start a new one to raise another concern."),),
            action=CLOSED,
        )
    command = (inbound.text or "").strip().casefold() if inbound.choice is None else ""
    if command in _COMMANDS:
        return _command(flow, state, command, now, today)

    step = state["step"]
    if step == CARRY_ON:
        try:
            carry_on = parse(
                Question(id=CARRY_ON, kind="yes_no", prompt=""), inbound, _carry_on_question().choices, today
            )
        except AnswerError as err:
            return Turn(state=state, replies=(Reply(text=str(err), error=True), _carry_on_question()))
        if not carry_on:
            state["status"] = "closed"
            return Turn(
                state=state,
                replies=(
                    Reply(
                        text="Thank you. The details of your call are with the hub "
                        "and the police. You can close this chat."
                    ),
                ),
                action=CLOSED,
            )
        state["history"].append(step)
        return _move_on(flow, state, [], today)

    question = flow.question(step)
    choices = choices_for(flow, question, state["answers"], today)
    try:
        value = parse(question, inbound, choices, today)
    except AnswerError as err:
        return Turn(
            state=state,
            replies=(Reply(text=str(err), error=True), _ask(flow, question, state["answers"], today)),
        )

    if question.kind == "review":
        if value == "cancel":
            state["status"] = "cancelled"
            return Turn(
                state=state,
                replies=(Reply(text="Cancelled. Nothing was sent to the hub."),),
                action=CANCELLED,
            )
        state["status"] = "submitting"
        return Turn(state=state, replies=(), action=SUBMIT)

    state["answers"][question.id] = value
    state["history"].append(question.id)
    replies: list[Reply] = []

    if question.id == "immediate_danger" and value is True:
        state["step"] = CARRY_ON
        return Turn(state=state, replies=(emergency_reply(flow, now), _carry_on_question()))

    if question.id == "child_dob":
        age = child_age_years(state["answers"], today)
        if age is not None and age >= 18:
            state["status"] = "closed"
            return Turn(
                state=state,
                replies=(
                    Reply(
                        text="This person is 18 or over, so the children's hub cannot "
                        "take the request. Please contact adult social care, or "
                        "phone the hub's advice line if you are unsure."
                    ),
                ),
                action=CLOSED,
            )
    return _move_on(flow, state, replies, today)


def _command(flow: Flow, state: dict[str, Any], command: str, now: datetime, today: date) -> Turn:
    if command == "cancel":
        state["status"] = "cancelled"
        return Turn(
            state=state,
            replies=(Reply(text="Cancelled. Nothing was sent to the hub, and your answers have been discarded."),),
            action=CANCELLED,
        )
    if command in ("start again", "restart"):
        keep = {k: v for k, v in state["answers"].items() if k.startswith("referrer_")}
        turn = start(flow, now, keep)
        return Turn(state=turn.state, replies=(Reply(text="Starting again."), *turn.replies[1:]))
    if command == "help":
        current = _step_reply(flow, state, today)
        tip = current.help or "Answer the question below, or type 'back', 'cancel' or 'start again'."
        return Turn(state=state, replies=(Reply(text=tip), current))
    # back
    if not state["history"]:
        return Turn(state=state, replies=(Reply(text="This is the first question."), _step_reply(flow, state, today)))
    previous = state["history"].pop()
    state["answers"].pop(previous, None)
    state["step"] = previous
    return Turn(state=state, replies=(_step_reply(flow, state, today),))
