"""The browser chat's email-code step: send a code to the work email just given, check the code typed, send a new
one on request, and let a browser that confirmed the same address in the last EMAIL_VERIFIED_DAYS straight past.

Place in the flow: questions.yaml has a question with role `email_code`, asked only in the browser chat (and only
when the app wires this step, `email_codes` in ask_if). The intake service calls `before` when a draft waits for
that question and `after` on each turn, inside its transaction; the engine calls `check` (the Flow's role check for
`email_code`), which accepts the step only once this module has marked the current address confirmed in the state.
The immediate-danger question and its 999 advice come first in the questionnaire, before any code, and someone who
said a child is in danger may type 'skip' (the hub then sees the email was not confirmed).

State kept on the draft: `email_confirmed` {email, at, by: code|remembered}, `email_code_sent` {email, at} and
`email_code_skipped` (the address). Never the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from intake.conversation import engine
from intake.conversation.commands import command_of
from intake.conversation.turn import Inbound, Reply, Turn
from intake.verification.email_code import CodePolicy, TooManyCodes, check_code, normal_email, remembered, send_code

ROLE = "email_code"
CONFIRMED = "email_confirmed"
SENT = "email_code_sent"
SKIPPED = "email_code_skipped"
RESEND = frozenset({"send a new code", "send new code", "new code", "resend", "send again", "resend code"})
SKIP = "skip"
# What the code question's answer is recorded as (the code itself is never kept).
DONE_ANSWER = "confirmed"
SKIPPED_ANSWER = "skipped"


def email_question_id(flow: engine.Flow) -> str | None:
    """The work-email question (the only `email` kind in questions.yaml)."""
    return next((q.id for q in flow.questions if q.kind == "email"), None)


def current_email(flow: engine.Flow, state: Mapping[str, Any]) -> str | None:
    key = email_question_id(flow)
    value = state.get("answers", {}).get(key) if key else None
    return normal_email(value) if isinstance(value, str) and value.strip() else None


def confirmed_at(flow: engine.Flow, state: Mapping[str, Any]) -> datetime | None:
    """When the address the request carries was confirmed (by code, or by this browser earlier), or None."""
    email, confirmed = current_email(flow, state), state.get(CONFIRMED) or {}
    if email and confirmed.get("email") == email and confirmed.get("at"):
        return datetime.fromisoformat(confirmed["at"])
    return None


def _in_danger(flow: engine.Flow, state: Mapping[str, Any]) -> bool:
    return state.get("answers", {}).get(flow.roles["emergency_check"]) is True


@dataclass
class EmailCodeStep:
    policy: CodePolicy
    # Set once the Flow exists: the Flow holds this step's `check` (app/__init__.py builds both).
    _flow: engine.Flow | None = None

    @property
    def flow(self) -> engine.Flow:
        assert self._flow is not None, "EmailCodeStep.flow is set when the app builds the Flow"
        return self._flow

    @flow.setter
    def flow(self, flow: engine.Flow) -> None:
        self._flow = flow

    # -- the engine's role check ---------------------------------------------------------------------------------

    def check(self, state: Mapping[str, Any], value: Any, now: datetime) -> str | None:
        if confirmed_at(self.flow, state) is not None:
            return None
        email = current_email(self.flow, state)
        if value == SKIPPED_ANSWER and email and state.get(SKIPPED) == email:
            return None
        return "Type the six-digit code from the email I sent you, or 'send a new code'."

    # -- the service's calls -------------------------------------------------------------------------------------

    def involved(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
        """Whether a step from `before` to `after` touches the address or its code (the service then takes its
        transactional path, where `before` and `after` run)."""
        keys = {self.flow.role_id(ROLE), email_question_id(self.flow)} - {None}
        return bool(keys) and (before.get("step") in keys or after.get("step") in keys)

    def waiting(self, state: Mapping[str, Any]) -> bool:
        qid = self.flow.role_id(ROLE)
        return bool(qid) and state.get("status", "open") == "open" and state.get("step") == qid

    def before(
        self, s: Session, state: dict[str, Any], inbound: Inbound, token: str, now: datetime
    ) -> Turn | Inbound | None:
        """For a draft waiting for the code: a Turn to answer with (wrong code, a new code sent), the Inbound to
        advance with instead of what was typed (the code accepted or skipped), or None to advance as usual."""
        qid = self.flow.role_id(ROLE)
        email = current_email(self.flow, state)
        if not self.waiting(state) or email is None or command_of(inbound) is not None:
            return None
        typed = (inbound.text if inbound.text is not None else inbound.choice or "").strip()
        word = typed.casefold().rstrip(".!")
        if word in RESEND:
            return self._ask_again(state, self._send(s, state, email, token, now, again=True), now)
        if word == SKIP and _in_danger(self.flow, state):
            state[SKIPPED] = email
            return Inbound(text=SKIPPED_ANSWER, question_id=qid)
        problem = check_code(s, self.policy, token, email, typed, now)
        if problem:
            return self._ask_again(state, Reply(text=problem, error=True), now)
        state[CONFIRMED] = {"email": email, "at": now.isoformat(), "by": "code"}
        return Inbound(text=DONE_ANSWER, question_id=qid)

    def after(self, s: Session, turn: Turn, token: str, now: datetime) -> Turn:
        """After a turn: an address changed since it was confirmed is asked about again; on arriving at the code
        question, a remembered browser goes straight past and anyone else is sent a code."""
        state, qid = turn.state, self.flow.role_id(ROLE)
        if not qid or state.get("status", "open") != "open" or turn.action is not None:
            return turn
        replies = list(turn.replies)
        answers = state.get("answers", {})
        # Never a step to go 'back' to: the code is used up, and a remembered browser would pass it again at once.
        if qid in state.get("history", []):
            state["history"].remove(qid)
        if qid in answers and self.check(state, answers[qid], now) is not None:
            answers.pop(qid)
            state["changing"], state["step"] = None, qid
            replies = [r for r in replies if r.question_id is None] + [engine.current_question(self.flow, state, now)]
        email = current_email(self.flow, state)
        if not self.waiting(state) or email is None:
            return Turn(state, tuple(replies), turn.action, turn.errors)
        when = remembered(s, self.policy, token, email, now)
        if when is not None:
            state[CONFIRMED] = {"email": email, "at": when.isoformat(), "by": "remembered"}
            moved = engine.advance(self.flow, state, Inbound(text=DONE_ANSWER, question_id=qid), now)
            if qid in moved.state.get("history", []):
                moved.state["history"].remove(qid)
            note = Reply(
                text=f"This browser confirmed {email} with a code in the last {self.policy.remember_days} days, so "
                "there is no need for another."
            )
            return Turn(moved.state, (*[r for r in replies if r.question_id is None], note, *moved.replies))
        if (state.get(SENT) or {}).get("email") != email:
            sent = self._send(s, state, email, token, now, again=False)
            replies = [r for r in replies if r.question_id is None] + [sent] + [r for r in replies if r.question_id]
        return Turn(state, tuple(replies), turn.action, turn.errors)

    # -- helpers -------------------------------------------------------------------------------------------------

    def _send(self, s: Session, state: dict[str, Any], email: str, token: str, now: datetime, again: bool) -> Reply:
        try:
            sent = send_code(s, self.policy, token, email, now)
        except TooManyCodes as err:
            return Reply(text=str(err), error=True)
        state[SENT] = {"email": email, "at": now.isoformat(), "row": sent.row_id}
        text = (
            f"I have sent {'a new' if again else 'a six-digit'} code to {email} so the hub knows the address is "
            f"yours. It works for {self.policy.minutes} minutes."
        )
        if _in_danger(self.flow, state):
            text += " If a child is in immediate danger and the code does not come, type 'skip'."
        return Reply(text=text)

    def _ask_again(self, state: dict[str, Any], reply: Reply, now: datetime) -> Turn:
        return Turn(state, (reply, engine.current_question(self.flow, state, now)))
