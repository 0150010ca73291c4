"""The guided conversation as a pure state machine: `advance(flow, state, inbound, now) -> Turn`.

No database, no chat platform, no clock of its own: the caller loads the draft state, passes what the person did
and the current time, saves the new state, and shows the replies. The same engine runs in Slack, Teams and the
browser chat; richer adapters draw one step at a time from `current_question`.

The state is plain JSON: answers keyed by step id, the history of steps answered (for `back`), the current step,
the remembered referrer profile, and which step is being changed from the review. Which questions apply is worked
out again from the answers (`plan`), so changing one answer re-routes the rest of the conversation.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from intake.conversation import fills
from intake.conversation.commands import GENERAL_HELP, command_of
from intake.conversation.flow import Flow
from intake.conversation.plan import choices_for, effective_answers, find, next_step, plan, reconcile
from intake.conversation.question import CHANNELS, Question
from intake.conversation.turn import CANCELLED, CLOSED, SUBMIT, Inbound, Reply, Turn
from intake.conversation.wording import ask, emergency_reply, review_items, review_text
from intake.validation import AnswerError, RequestProblem, load_answer, validate_request
from intake.working_day import LONDON

__all__ = ["LONDON", "Flow", "Turn", "advance", "command_of", "current_question", "start", "submission_problems"]

STATE_FORMAT = 2


def today_in_london(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def start(flow: Flow, now: datetime, profile: Mapping[str, Any] | None = None, *, channel: str = "web") -> Turn:
    """A new conversation. A remembered referrer's details are shown for confirmation rather than asked again.
    `channel` (web, slack or teams) is kept in the state; questions may ask_if on it."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
    state: dict[str, Any] = {
        "format": STATE_FORMAT,
        "answers": {},
        "history": [],
        "step": None,
        "status": "open",
        "profile": dict(profile or {}),
        "offered": {},
        "changing": None,
        "filled": {},
        "channel": channel,
    }
    steps = plan(flow, state, today_in_london(now))
    first = next_step(steps, state["answers"])
    state["step"] = first.id
    greeting = Reply(
        text="Hello. I will help you raise a concern about a child with the hub. I ask one question at a time and "
        "save every answer as you go. Type 'help' at any point, 'back' to go back, or 'cancel' to stop."
    )
    return Turn(state=state, replies=(greeting, ask(flow, first, state, steps)))


def current_question(flow: Flow, state: Mapping[str, Any], now: datetime) -> Reply:
    """The question the conversation is waiting for, with its choices resolved, for adapters that draw one step
    per modal or card. `hints` carries the metadata: kind, section, label, optional, min/max length, page."""
    steps = plan(flow, state, today_in_london(now))
    return ask(flow, waiting_for(steps, state), state, steps)


def flow_question(flow: Flow, state: Mapping[str, Any], key: str, today: date) -> Question:
    found = find(plan(flow, state, today), key)
    return found if found is not None else flow.question(key)


def waiting_for(steps: list[Question], state: Mapping[str, Any]) -> Question:
    answers = state.get("answers", {})
    step = state.get("step")
    question = find(steps, step) if step else None
    if question is None or (question.id in answers and state.get("changing") != question.id):
        question = next_step(steps, answers)
    return question


def _own_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped state (dicts, lists, scalars): `advance` must never change the caller's state,
    and copy.deepcopy's generality (memo, reductions) cost more than the rest of a step's conversation logic."""
    if isinstance(value, dict):
        return {key: _own_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_own_copy(item) for item in value]
    return value if isinstance(value, str | int | float | bool | None) else copy.deepcopy(value)


def normalise(state: Mapping[str, Any]) -> dict[str, Any]:
    state = _own_copy(dict(state))
    state.setdefault("answers", {})
    state.setdefault("history", [])
    state.setdefault("status", "open")
    state.setdefault("profile", {})
    state.setdefault("offered", {})
    state.setdefault("changing", None)
    state.setdefault("filled", {})
    return state


def _raw(inbound: Inbound) -> Any:
    if inbound.choices is not None:
        return list(inbound.choices)
    if inbound.choice is not None:
        return inbound.choice
    return inbound.text if inbound.text is not None else ""


def advance(flow: Flow, state: Mapping[str, Any], inbound: Inbound, now: datetime) -> Turn:
    """Apply one thing the person did and say what comes next."""
    state = normalise(state)
    today = today_in_london(now)
    if state["status"] != "open":
        return Turn(
            state=state,
            replies=(Reply(text="This conversation has finished. Start a new one to raise another concern."),),
            action=CLOSED,
        )
    steps = plan(flow, state, today)
    question = waiting_for(steps, state)
    state["step"] = question.id

    command = command_of(inbound)
    if command is not None:
        name, argument = command
        turn = _command(flow, state, steps, name, argument, question, now)
        if turn is not None:
            return turn

    if inbound.question_id and inbound.question_id != question.id:
        # A stale card or modal (answered elsewhere already): never apply its answer to a different question.
        return Turn(
            state=state,
            replies=(
                Reply(text="That question has already been answered. Here is where you are now."),
                ask(flow, question, state, steps),
            ),
        )
    return answer(flow, state, steps, question, _raw(inbound), now, today)


def answer(
    flow: Flow,
    state: dict[str, Any],
    steps: list[Question],
    question: Question,
    raw: Any,
    now: datetime,
    today: date,
) -> Turn:
    """Apply one raw answer to `question` in `state` (already the engine's own copy) and say what comes next. An
    answer that cannot be used comes back as an error reply (first) and the question asked again, state unchanged.
    The section forms apply each of their answers through here too, so both paths validate alike."""
    profile = state["profile"]
    if (
        question.section == "about_you"
        and question.id in profile
        and isinstance(raw, str)
        and raw.strip().casefold() == "same"
    ):
        raw = profile[question.id]
    try:
        value = load_answer(question, raw, choices_for(flow, question, state["answers"]), today)
    except AnswerError as err:
        return Turn(state=state, replies=(Reply(text=str(err), error=True), ask(flow, question, state, steps)))
    check = flow.role_checks.get(question.role or "")
    problem = check(state, value, now) if check is not None else None
    if problem:
        return Turn(state=state, replies=(Reply(text=problem, error=True), ask(flow, question, state, steps)))

    if question.kind == "review":
        if value == "cancel":
            return _cancel(state)
        return _submit(flow, state, today)

    replies: list[Reply] = []
    answers = state["answers"]
    answers[question.id] = value
    if question.kind == "indicators":
        state["offered"][question.id] = [c.value for c in question.choices]
    fills.apply(flow, question, value, state, today)
    if state["changing"] == question.id:
        state["changing"] = None
    elif question.id not in state["history"]:
        state["history"].append(question.id)

    if question.role == "emergency_check" and value is True:
        replies.append(emergency_reply(flow, now))
        carry_on = flow.role_id("emergency_carry_on")
        if carry_on:
            answers.pop(carry_on, None)
    elif question.role == "emergency_carry_on" and value is False:
        state["status"] = "closed"
        return Turn(
            state=state,
            replies=(
                Reply(
                    text="Thank you. Keep a note of what you told the police and the hub. You can close this chat, "
                    "or start a new one later to record the details."
                ),
            ),
            action=CLOSED,
        )
    elif question.kind == "confirm_profile":
        mine = {q.id for q in flow.questions if q.section == "about_you" and q.kind != "confirm_profile"}
        for key in [k for k in answers if k in mine]:
            answers.pop(key)
        if value == "yes":
            answers.update({k: v for k, v in profile.items() if k in mine})
    elif question.role == "adult_check":
        if value == "finish":
            state["status"] = "closed"
            return Turn(
                state=state,
                replies=(
                    Reply(
                        text="Nothing has been sent. For someone aged 18 or over, contact adult social care; if "
                        "they are in danger, call 999."
                    ),
                ),
                action=CLOSED,
            )
        _, born, estimate = flow.age_keys
        for key in (born, estimate, question.id):
            answers.pop(key, None)
            if key in state["history"]:
                state["history"].remove(key)
        state["step"] = born
        return Turn(state=state, replies=(ask(flow, flow.question(born), state, plan(flow, state, today)),))

    steps = plan(flow, state, today)
    if reconcile(steps, state):
        steps = plan(flow, state, today)
    return _move_on(flow, state, steps, replies)


def _move_on(flow: Flow, state: dict[str, Any], steps: list[Question], replies: list[Reply]) -> Turn:
    nxt = next_step(steps, state["answers"])
    while fills.default_for(state, nxt):
        shown = state["answers"][nxt.id]
        replies.append(
            Reply(
                text=f"I have put {shown} as the {nxt.short.lower()}, from your details. If that is wrong, type "
                f"'change {nxt.short.lower()}' at the review.",
                hints={"filled": nxt.id},
            )
        )
        nxt = next_step(steps, state["answers"])
    state["step"] = nxt.id
    replies.append(ask(flow, nxt, state, steps))
    return Turn(state=state, replies=tuple(replies))


def submission_problems(
    flow: Flow, state: Mapping[str, Any], today: date
) -> tuple[dict[str, Any], list[RequestProblem]]:
    """The complete request's clean answers, or what is wrong with them (checked at review and at submission)."""
    steps = plan(flow, state, today)
    answers = effective_answers(flow, state, today)
    # Control questions (the age check, the profile confirmation) are not answers of the request; the request
    # schema catches what they guard (an adult, an emergency not carried on).
    missing = [q for q in steps if q.review and q.id not in answers]
    if missing:
        return {}, [RequestProblem(missing[0].id, "Please answer this question before submitting.")]
    choices = [(q, choices_for(flow, q, answers)) for q in steps]
    return validate_request(choices, answers, today)


def reask(flow: Flow, state: Mapping[str, Any], problem: RequestProblem, today: date) -> Turn:
    """Send the person back to the answer that stops the request being submitted, saying why."""
    state = normalise(state)
    state["status"] = "open"
    steps = plan(flow, state, today)
    question = find(steps, problem.key) or next_step(steps, state["answers"])
    state["answers"].pop(question.id, None)
    state["changing"] = None
    state["step"] = question.id
    steps = plan(flow, state, today)
    return Turn(
        state=state,
        replies=(
            Reply(text=f"Before this can be sent: {problem.message}", error=True),
            ask(flow, question, state, steps),
        ),
    )


def _submit(flow: Flow, state: dict[str, Any], today: date) -> Turn:
    _, problems = submission_problems(flow, state, today)
    if problems:
        return reask(flow, state, problems[0], today)
    state["status"] = "submitting"
    return Turn(state=state, replies=(), action=SUBMIT)


def _cancel(state: dict[str, Any]) -> Turn:
    state["status"] = "cancelled"
    return Turn(
        state=state,
        replies=(Reply(text="Cancelled. Nothing was sent to the hub, and your answers have been discarded."),),
        action=CANCELLED,
    )


# -- commands ----------------------------------------------------------------------------------------------------


def _command(
    flow: Flow,
    state: dict[str, Any],
    steps: list[Question],
    command: str,
    argument: str,
    question: Question,
    now: datetime,
) -> Turn | None:
    """Run a command; None means it was not one after all (free text that happens to start with 'change')."""
    if command == "cancel":
        return _cancel(state)
    if command == "restart":
        turn = start(flow, now, state["profile"], channel=state.get("channel", "web"))
        return Turn(state=turn.state, replies=(Reply(text="Starting again. Nothing has been sent."), *turn.replies[1:]))
    if command == "help":
        tip = question.help or GENERAL_HELP
        if question.help:
            tip = f"{tip}\n\n{GENERAL_HELP}"
        return Turn(state=state, replies=(Reply(text=tip), ask(flow, question, state, steps)))
    if command == "change":
        return _change(flow, state, steps, argument, question)
    return _back(flow, state, steps, question, today_in_london(now))


def _match_change(items: list[tuple[int, Question, str]], target: str) -> list[Question]:
    wanted = target.strip().strip("'\"").casefold()
    if wanted.isdigit():
        return [q for n, q, _ in items if n == int(wanted)]
    exact = [q for _, q, _ in items if wanted in (q.id.casefold(), q.short.casefold(), q.id.replace("_", " "))]
    if exact:
        return exact[:1]
    words = wanted.split()
    return [q for _, q, _ in items if all(w in f"{q.short} {q.id.replace('_', ' ')}".casefold() for w in words)]


def _change(flow: Flow, state: dict[str, Any], steps: list[Question], argument: str, question: Question) -> Turn | None:
    answers = state["answers"]
    listing = review_text(flow, steps, answers)
    if not argument:
        if not listing:
            text = "There are no answers to change yet."
        else:
            text = f"Which answer? Type 'change' and its number or name, for example 'change 2'.\n\n{listing}"
        return Turn(state=state, replies=(Reply(text=text), ask(flow, question, state, steps)))
    found = _match_change(review_items(flow, steps, answers), argument)
    if len(found) != 1:
        if question.input == "text" and question.kind == "text":
            return None  # free text such as "change in behaviour since September" is an answer, not a command
        if found:
            names = ", ".join(f"'{q.short}'" for q in found[:6])
            text = f"More than one answer matches '{argument[:40]}': {names}. Type 'change' and its number instead."
        else:
            text = (
                f"I could not find an answer called '{argument[:40]}'. Type 'change' and a number or name from "
                f"this list:\n\n{listing}"
                if listing
                else "There are no answers to change yet."
            )
        return Turn(state=state, replies=(Reply(text=text, error=True), ask(flow, question, state, steps)))
    target = found[0]
    state["changing"] = target.id
    state["step"] = target.id
    return Turn(state=state, replies=(ask(flow, target, state, steps),))


def _back(flow: Flow, state: dict[str, Any], steps: list[Question], question: Question, today: date) -> Turn:
    if state["changing"]:
        state["changing"] = None
        nxt = next_step(steps, state["answers"])
        state["step"] = nxt.id
        return Turn(state=state, replies=(Reply(text="Kept your answer."), ask(flow, nxt, state, steps)))
    in_plan = {q.id for q in steps}
    while state["history"]:
        previous = state["history"].pop()
        if previous in in_plan and previous in state["answers"]:
            state["answers"].pop(previous)
            state["offered"].pop(previous, None)
            state["step"] = previous
            steps = plan(flow, state, today)
            return Turn(state=state, replies=(ask(flow, flow_question(flow, state, previous, today), state, steps),))
    return Turn(state=state, replies=(Reply(text="This is the first question."), ask(flow, question, state, steps)))
