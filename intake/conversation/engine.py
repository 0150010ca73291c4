"""The guided conversation as a pure state machine: `advance(flow, state, inbound, now) -> Turn`.

No database, no chat platform, no clock of its own: the caller loads the draft state, passes what the person did
and the current time, saves the new state, and shows the replies. The same engine runs in Slack, Teams and the
browser chat; richer adapters draw one step at a time from `current_question`.

The state is plain JSON: answers keyed by step id, the history of steps answered (for `back`), the current step,
the remembered referrer profile, and which step is being changed from the review. Which questions apply is always
worked out again from the answers (`plan`), so changing one answer re-routes the rest of the conversation.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from intake.conversation.question import DERIVED, Question, load_questions
from intake.conversation.turn import CANCELLED, CLOSED, SUBMIT, Choice, Inbound, Reply, Turn
from intake.validation import AnswerError, RequestProblem, load_answer, validate_request
from intake.validation.request import whole_years
from intake.working_day import LONDON, hub_is_open
from routing import RuleSet

CARRY_ON = "carry_on_after_emergency"
ADULT = "adult_next"
REVIEW = "review"
PROFILE_CONFIRM = "referrer_confirm"
INDICATOR_PAGE_SIZE = 10  # Slack allows at most ten checkbox options in one block.
STATE_FORMAT = 2

_COMMANDS = {
    "back": "back",
    "go back": "back",
    "previous": "back",
    "help": "help",
    "?": "help",
    "cancel": "cancel",
    "start again": "restart",
    "restart": "restart",
    "start over": "restart",
    "change": "change",
    "edit": "change",
}
_CHANGE = re.compile(r"^(?:change|edit)\s+(.+)$", re.I)
_GENERAL_HELP = (
    "Answer the question below. You can also type 'back' to go to the previous question, 'change' and a question's "
    "number or name to change an answer (for example 'change postcode'), 'start again', or 'cancel' to stop "
    "without sending anything. If a child is in immediate danger, call 999 now."
)


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

    @cached_property
    def plan_inputs(self) -> tuple[str, ...]:
        """The answers `plan` reads: those its conditions test, and those the indicator pages depend on."""
        keys: set[str] = {"concern_categories", *_AGE_FROM}
        for q in self.questions:
            keys |= _condition_keys(q.ask_if)
        return tuple(sorted(keys - set(DERIVED)))

    @cached_property
    def plans(self) -> dict[tuple[Any, ...], tuple[Question, ...]]:
        """Plans already worked out, by their inputs: every step works out the plan two or three times."""
        return {}

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


# -- ages ------------------------------------------------------------------------------------------------------------


def child_age(answers: Mapping[str, Any], today: date) -> int | None:
    """Whole years, from the date of birth or else the estimate; None for an unborn baby or when unknown."""
    if answers.get("child_unborn"):
        return None
    dob = answers.get("child_dob")
    if dob:
        return max(0, whole_years(date.fromisoformat(dob), today))
    estimate = answers.get("child_age_estimate")
    return int(estimate) if isinstance(estimate, int | float) and not isinstance(estimate, bool) else None


def child_age_years(answers: Mapping[str, Any], today: date) -> float | None:
    """Age in years with the fraction since the last birthday, as the routing rules weigh babies in months."""
    if answers.get("child_unborn"):
        return None
    dob = answers.get("child_dob")
    if not dob:
        whole = child_age(answers, today)
        return None if whole is None else float(whole)
    born = date.fromisoformat(dob)
    years = max(0, whole_years(born, today))
    last = _add_years(born, years)
    following = _add_years(born, years + 1)
    fraction = (today - last).days / max(1, (following - last).days)
    return round(years + min(max(fraction, 0.0), 0.999), 3)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# -- which questions apply -------------------------------------------------------------------------------------------

# The answers `child_age` reads: only these can change the derived age that later conditions test.
_AGE_FROM = frozenset({"child_unborn", "child_dob", "child_age_estimate"})


def plan(flow: Flow, state: Mapping[str, Any], today: date) -> list[Question]:
    """The steps that apply to this conversation, in order, given the answers so far.

    Conditions only see answers to steps that themselves apply, so an answer left behind by a change (a disability
    answered before the person said the baby is unborn) cannot switch later questions on.
    """
    answers = state.get("answers", {})
    key = (today, bool(state.get("profile")), *(_hashable(answers.get(k, _UNANSWERED)) for k in flow.plan_inputs))
    try:
        known = flow.plans.get(key)
    except TypeError:  # an answer of an unexpected shape cannot key the cache: work the plan out afresh
        return _work_out_plan(flow, state, today)
    if known is None:
        known = tuple(_work_out_plan(flow, state, today))
        if len(flow.plans) >= _PLANS_KEPT:
            flow.plans.clear()
        flow.plans[key] = known
    return list(known)


_UNANSWERED = object()
_PLANS_KEPT = 4096


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _condition_keys(conditions: Mapping[str, Any]) -> set[str]:
    keys: set[str] = set()
    for key, wanted in conditions.items():
        if key == "any":
            for group in wanted:
                keys |= _condition_keys(group)
        else:
            keys.add(key)
    return keys


def _work_out_plan(flow: Flow, state: Mapping[str, Any], today: date) -> list[Question]:
    answers = state.get("answers", {})
    values: dict[str, Any] = {"has_profile": bool(state.get("profile"))}
    steps: list[Question] = []
    for q in flow.questions:
        if not q.applies(values):
            continue
        if q.kind == "indicators":
            steps.extend(_indicator_pages(flow, q, values, today))
            continue
        steps.append(q)
        if q.id in answers:
            values[q.id] = answers[q.id]
            if q.id in _AGE_FROM:
                age = child_age(values, today)
                if age is None:
                    values.pop("child_age", None)
                else:
                    values["child_age"] = age
    return steps


def _indicator_pages(flow: Flow, q: Question, values: Mapping[str, Any], today: date) -> list[Question]:
    """One page per chosen category (at most ten signs each), each sign shown once, in the rules' order."""
    chosen = list(values.get("concern_categories") or [])
    if not chosen:
        return []
    unborn = bool(values.get("child_unborn"))
    offered = flow.rules.indicators_for(chosen, child_age_years(values, today), unborn)
    groups = [c for c in flow.rules.categories if c.id in chosen or (unborn and c.id == "pre_birth")]
    shown: set[str] = set()
    pages: list[Question] = []
    for category in groups:
        mine = [i for i in offered if category.id in i.categories and i.id not in shown]
        shown.update(i.id for i in mine)
        chunks = [mine[n : n + INDICATOR_PAGE_SIZE] for n in range(0, len(mine), INDICATOR_PAGE_SIZE)]
        for number, chunk in enumerate(chunks, start=1):
            choices = tuple(Choice(i.id, i.text) for i in chunk)
            pages.append(q.page_of(category.id, category.label, number, len(chunks), choices))
    return pages


def effective_answers(flow: Flow, state: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The answers to the steps that apply now (answers left behind by a change are ignored)."""
    answers = state.get("answers", {})
    return {q.id: answers[q.id] for q in plan(flow, state, today) if q.id in answers}


def choices_for(flow: Flow, question: Question, answers: Mapping[str, Any], today: date) -> tuple[Choice, ...]:
    if question.kind == "categories":
        # Pre-birth signs are always offered for an unborn baby, and never apply to a child already born.
        unborn = bool(answers.get("child_unborn"))
        return tuple(Choice(c.id, c.label) for c in flow.rules.categories if c.id != "pre_birth" or unborn)
    return question.choices


def _find(flow: Flow, state: Mapping[str, Any], key: str, today: date) -> Question | None:
    for q in plan(flow, state, today):
        if q.id == key:
            return q
    return None


def _next_step(flow: Flow, state: Mapping[str, Any], today: date) -> Question:
    answers = state["answers"]
    for q in plan(flow, state, today):
        if q.id not in answers:
            return q
    raise RuntimeError("no question left")  # pragma: no cover - the review is always last and never answered


def _reconcile(flow: Flow, state: dict[str, Any], today: date) -> None:
    """Forget indicator pages whose list of signs changed (another category or age), so they are asked again."""
    offered = state.setdefault("offered", {})
    for q in plan(flow, state, today):
        if q.kind != "indicators" or q.id not in state["answers"]:
            continue
        if offered.get(q.id) != [c.value for c in q.choices]:
            state["answers"].pop(q.id, None)
            offered.pop(q.id, None)


# -- what the bot says -----------------------------------------------------------------------------------------------


def _today(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def display_answer(flow: Flow, question: Question, value: Any, answers: Mapping[str, Any], today: date) -> str:
    if value is None or value == []:
        return "None" if question.input == "multi" else "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    labels = {c.value: c.label for c in choices_for(flow, question, answers, today)}
    if isinstance(value, list):
        return "; ".join(labels.get(v, v) for v in value)
    if question.kind in ("date", "due_date"):
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return labels.get(str(value), str(value))


def review_items(flow: Flow, state: Mapping[str, Any], today: date) -> list[tuple[int, Question, str]]:
    """The numbered answers shown back at review; the numbers are what `change 3` refers to."""
    answers = state.get("answers", {})
    items = []
    for q in plan(flow, state, today):
        if q.review and q.id in answers:
            items.append((len(items) + 1, q, display_answer(flow, q, answers[q.id], answers, today)))
    return items


def review_text(flow: Flow, answers_or_state: Mapping[str, Any], today: date) -> str:
    state = answers_or_state if "answers" in answers_or_state else {"answers": answers_or_state}
    return "\n".join(f"{n}. {q.short}: {shown}" for n, q, shown in review_items(flow, state, today))


def _profile_text(flow: Flow, profile: Mapping[str, Any], today: date) -> str:
    lines = []
    for q in flow.questions:
        if q.section == "about_you" and q.id in profile:
            lines.append(f"- {q.short}: {display_answer(flow, q, profile[q.id], profile, today)}")
    return "\n".join(lines)


def _ask(flow: Flow, question: Question, state: Mapping[str, Any], today: date) -> Reply:
    answers = state.get("answers", {})
    text = question.prompt
    if question.kind == "review":
        text = f"{question.prompt}\n\n{review_text(flow, state, today)}"
    elif question.kind == "confirm_profile":
        text = f"{question.prompt}\n\n{_profile_text(flow, state.get('profile') or {}, today)}"
    hints: dict[str, Any] = {
        "kind": question.kind,
        "section": question.section,
        "label": question.short,
        "optional": question.optional,
        "min_length": question.min_length,
        "max_length": question.max_length,
    }
    if question.min_value is not None or question.max_value is not None:
        hints.update(min=question.min_value, max=question.max_value)
    if question.category:
        hints.update(category=question.category, page=question.page, pages=question.pages)
    if state.get("changing") == question.id and question.id in answers:
        current = display_answer(flow, question, answers[question.id], answers, today)
        text += f"\n\nYour answer now: {current}. Send the new answer, or type 'back' to keep it."
        hints["current"] = current
    profile = state.get("profile") or {}
    if question.section == "about_you" and question.id in profile and question.id not in answers:
        current = display_answer(flow, question, profile[question.id], profile, today)
        text += f"\n\nLast time you said: {current}. Type 'same' to keep it."
        hints["current"] = current
    return Reply(
        text=text,
        choices=choices_for(flow, question, answers, today),
        input=question.input,
        question_id=question.id,
        help=question.help,
        hints=hints,
    )


def current_question(flow: Flow, state: Mapping[str, Any], now: datetime) -> Reply:
    """The question the conversation is waiting for, with its choices resolved, for adapters that draw one step
    per modal or card. `hints` carries the metadata: kind, section, label, optional, min/max length, page."""
    return _step_reply(flow, state, _today(now))


def _step_reply(flow: Flow, state: Mapping[str, Any], today: date) -> Reply:
    step = state.get("step")
    question = _find(flow, state, step, today) if step else None
    if question is None or (question.id in state.get("answers", {}) and state.get("changing") != question.id):
        question = _next_step(flow, state, today)
    return _ask(flow, question, state, today)


def emergency_reply(flow: Flow, now: datetime) -> Reply:
    contacts = flow.rules.contacts
    hub, edt = flow.hub_urgent_phone, flow.emergency_duty_team_phone
    if hub_is_open(now, contacts.hub_hours):
        then = f"Then phone the {contacts.hub_name} urgent line on {hub}."
    else:
        then = f"Then, because the hub is closed now, phone the emergency duty team on {edt}."
    return Reply(
        text=f"Call 999 now. {then} Do not wait for this chat. Tell the police if the child needs protecting "
        f"straight away.\n\nThe hub's urgent line is {hub} when the hub is open ({contacts.hours_text()}); at "
        f"other times phone the emergency duty team on {edt}.",
        question_id="immediate_danger",
        hints={"emergency": True, "hub_urgent_phone": hub, "emergency_duty_team_phone": edt},
    )


# -- the state machine -----------------------------------------------------------------------------------------------


def start(flow: Flow, now: datetime, profile: Mapping[str, Any] | None = None) -> Turn:
    """A new conversation. A remembered referrer's details are shown for confirmation rather than asked again."""
    state: dict[str, Any] = {
        "format": STATE_FORMAT,
        "answers": {},
        "history": [],
        "step": None,
        "status": "open",
        "profile": dict(profile or {}),
        "offered": {},
        "changing": None,
    }
    today = _today(now)
    first = _next_step(flow, state, today)
    state["step"] = first.id
    greeting = Reply(
        text="Hello. I will help you raise a concern about a child with the hub. I ask one question at a time and "
        "save every answer as you go. Type 'help' at any point, 'back' to go back, or 'cancel' to stop."
    )
    return Turn(state=state, replies=(greeting, _ask(flow, first, state, today)))


def _own_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped state (dicts, lists, scalars): `advance` must never change the caller's state,
    and copy.deepcopy's generality (memo, reductions) cost more than the rest of a step's conversation logic."""
    if isinstance(value, dict):
        return {key: _own_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_own_copy(item) for item in value]
    return value if isinstance(value, str | int | float | bool | None) else copy.deepcopy(value)


def _normalise(state: Mapping[str, Any]) -> dict[str, Any]:
    state = _own_copy(dict(state))
    state.setdefault("answers", {})
    state.setdefault("history", [])
    state.setdefault("status", "open")
    state.setdefault("profile", {})
    state.setdefault("offered", {})
    state.setdefault("changing", None)
    return state


def _raw(inbound: Inbound) -> Any:
    if inbound.choices is not None:
        return list(inbound.choices)
    if inbound.choice is not None:
        return inbound.choice
    return inbound.text if inbound.text is not None else ""


def command_of(inbound: Inbound) -> tuple[str, str] | None:
    if inbound.command:
        word = inbound.command.strip().casefold()
        match = _CHANGE.match(word)
        if match:
            return "change", match.group(1)
        return (_COMMANDS[word], "") if word in _COMMANDS else None
    if inbound.text is None or inbound.choice is not None or inbound.choices is not None:
        return None
    text = inbound.text.strip()
    word = text.casefold().rstrip(".!")
    if word in _COMMANDS:
        return _COMMANDS[word], ""
    match = _CHANGE.match(text)
    if match and len(text) <= 80:
        return "change", match.group(1).strip()
    return None


def advance(flow: Flow, state: Mapping[str, Any], inbound: Inbound, now: datetime) -> Turn:
    """Apply one thing the person did and say what comes next."""
    state = _normalise(state)
    today = _today(now)
    if state["status"] != "open":
        return Turn(
            state=state,
            replies=(Reply(text="This conversation has finished. Start a new one to raise another concern."),),
            action=CLOSED,
        )
    question = _find(flow, state, state.get("step") or "", today)
    if question is None or (question.id in state["answers"] and state["changing"] != question.id):
        question = _next_step(flow, state, today)
        state["step"] = question.id

    command = command_of(inbound)
    if command is not None:
        name, argument = command
        turn = _command(flow, state, name, argument, question, now, today)
        if turn is not None:
            return turn

    if inbound.question_id and inbound.question_id != question.id:
        # A stale card or modal (answered elsewhere already): never apply its answer to a different question.
        return Turn(
            state=state,
            replies=(
                Reply(text="That question has already been answered. Here is where you are now."),
                _ask(flow, question, state, today),
            ),
        )
    return _answer(flow, state, question, inbound, now, today)


def _answer(
    flow: Flow, state: dict[str, Any], question: Question, inbound: Inbound, now: datetime, today: date
) -> Turn:
    raw = _raw(inbound)
    profile = state["profile"]
    if (
        question.section == "about_you"
        and question.id in profile
        and isinstance(raw, str)
        and raw.strip().casefold() == "same"
    ):
        raw = profile[question.id]
    try:
        value = load_answer(question, raw, choices_for(flow, question, state["answers"], today), today)
    except AnswerError as err:
        return Turn(state=state, replies=(Reply(text=str(err), error=True), _ask(flow, question, state, today)))

    if question.kind == "review":
        if value == "cancel":
            return _cancel(state)
        return _submit(flow, state, today)

    replies: list[Reply] = []
    answers = state["answers"]
    answers[question.id] = value
    if question.kind == "indicators":
        state["offered"][question.id] = [c.value for c in question.choices]
    if state["changing"] == question.id:
        state["changing"] = None
    elif question.id not in state["history"]:
        state["history"].append(question.id)

    if question.id == "immediate_danger" and value is True:
        replies.append(emergency_reply(flow, now))
        answers.pop(CARRY_ON, None)
    elif question.id == CARRY_ON and value is False:
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
        for key in [k for k in answers if k.startswith("referrer_") and k != PROFILE_CONFIRM]:
            answers.pop(key)
        if value == "yes":
            answers.update({k: v for k, v in profile.items() if k.startswith("referrer_")})
    elif question.id == ADULT:
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
        for key in ("child_dob", "child_age_estimate", ADULT):
            answers.pop(key, None)
            if key in state["history"]:
                state["history"].remove(key)
        state["step"] = "child_dob"
        return Turn(state=state, replies=(_ask(flow, flow.question("child_dob"), state, today),))

    _reconcile(flow, state, today)
    return _move_on(flow, state, replies, today)


def _move_on(flow: Flow, state: dict[str, Any], replies: list[Reply], today: date) -> Turn:
    nxt = _next_step(flow, state, today)
    state["step"] = nxt.id
    replies.append(_ask(flow, nxt, state, today))
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
    choices = [(q, choices_for(flow, q, answers, today)) for q in steps]
    return validate_request(choices, answers, today)


def reask(flow: Flow, state: Mapping[str, Any], problem: RequestProblem, today: date) -> Turn:
    """Send the person back to the answer that stops the request being submitted, saying why."""
    state = _normalise(state)
    state["status"] = "open"
    question = _find(flow, state, problem.key, today) or _next_step(flow, state, today)
    state["answers"].pop(question.id, None)
    state["changing"] = None
    state["step"] = question.id
    return Turn(
        state=state,
        replies=(
            Reply(text=f"Before this can be sent: {problem.message}", error=True),
            _ask(flow, question, state, today),
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


def _match_change(flow: Flow, state: Mapping[str, Any], target: str, today: date) -> list[Question]:
    items = review_items(flow, state, today)
    wanted = target.strip().strip("'\"").casefold()
    if wanted.isdigit():
        return [q for n, q, _ in items if n == int(wanted)]
    exact = [q for _, q, _ in items if wanted in (q.id.casefold(), q.short.casefold(), q.id.replace("_", " "))]
    if exact:
        return exact[:1]
    words = wanted.split()
    return [q for _, q, _ in items if all(w in f"{q.short} {q.id.replace('_', ' ')}".casefold() for w in words)]


def _command(
    flow: Flow,
    state: dict[str, Any],
    command: str,
    argument: str,
    question: Question,
    now: datetime,
    today: date,
) -> Turn | None:
    """Run a command; None means it was not one after all (free text that happens to start with 'change')."""
    if command == "cancel":
        return _cancel(state)
    if command == "restart":
        turn = start(flow, now, state["profile"])
        return Turn(state=turn.state, replies=(Reply(text="Starting again. Nothing has been sent."), *turn.replies[1:]))
    if command == "help":
        tip = question.help or _GENERAL_HELP
        if question.help:
            tip = f"{tip}\n\n{_GENERAL_HELP}"
        return Turn(state=state, replies=(Reply(text=tip), _ask(flow, question, state, today)))
    if command == "change":
        return _change(flow, state, argument, question, today)
    return _back(flow, state, question, today)


def _change(flow: Flow, state: dict[str, Any], argument: str, question: Question, today: date) -> Turn | None:
    listing = review_text(flow, state, today)
    if not argument:
        if not listing:
            text = "There are no answers to change yet."
        else:
            text = f"Which answer? Type 'change' and its number or name, for example 'change 2'.\n\n{listing}"
        return Turn(state=state, replies=(Reply(text=text), _ask(flow, question, state, today)))
    found = _match_change(flow, state, argument, today)
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
        return Turn(state=state, replies=(Reply(text=text, error=True), _ask(flow, question, state, today)))
    target = found[0]
    state["changing"] = target.id
    state["step"] = target.id
    return Turn(state=state, replies=(_ask(flow, target, state, today),))


def _back(flow: Flow, state: dict[str, Any], question: Question, today: date) -> Turn:
    if state["changing"]:
        state["changing"] = None
        nxt = _next_step(flow, state, today)
        state["step"] = nxt.id
        return Turn(state=state, replies=(Reply(text="Kept your answer."), _ask(flow, nxt, state, today)))
    in_plan = {q.id for q in plan(flow, state, today)}
    while state["history"]:
        previous = state["history"].pop()
        if previous in in_plan and previous in state["answers"]:
            state["answers"].pop(previous)
            state["offered"].pop(previous, None)
            state["step"] = previous
            return Turn(state=state, replies=(_ask(flow, flow_question(flow, state, previous, today), state, today),))
    return Turn(state=state, replies=(Reply(text="This is the first question."), _ask(flow, question, state, today)))


def flow_question(flow: Flow, state: Mapping[str, Any], key: str, today: date) -> Question:
    found = _find(flow, state, key, today)
    return found if found is not None else flow.question(key)
