"""Conversation transcripts: the exchange written as bot and person lines, replayed against the intake service.

    bot: First, is the child in immediate danger     the next reply contains this text
    bot+: Postcode: FY1 1AA                          the same reply (its text or an option) also contains this
    you: no                                          the person types this
    you [pick]: given                                the person presses one button (a choice value)
    you [tick]: neglect, physical_harm               the person ticks these boxes (choice values; empty: none)

Every bot reply must be matched in order before the person speaks again, so nothing the bot says goes unread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from intake.conversation.turn import Inbound, Reply
from intake.service import IntakeService, StepResult


@dataclass
class Chat:
    service: IntakeService
    now: Any  # a callable returning the current time (the FakeClock)
    user: str = "transcript-user"
    channel: str = "webchat"
    draft_id: str | None = None
    pending: list[Reply] = field(default_factory=list)
    last: StepResult | None = None
    said: list[str] = field(default_factory=list)

    def open(self) -> Chat:
        self.last = self.service.open_conversation(self.channel, self.user, self.now())
        self.draft_id = self.last.draft_id
        self.pending = list(self.last.replies)
        return self

    def play(self, script: str) -> StepResult:
        if self.draft_id is None:
            self.open()
        for number, raw in enumerate(script.strip().splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            who, _, text = line.partition(":")
            text = text.strip()
            if who == "bot+":
                assert self.said, f"line {number}: 'bot+' continues a bot line"
                assert text in self.said[-1], f"line {number}: expected {text!r} in the bot's reply:\n{self.said[-1]}"
                continue
            if who == "bot":
                assert self.pending, f"line {number}: expected the bot to say {text!r}, but it said nothing more"
                reply = self.pending.pop(0)
                # What the person sees: the text, then the options they can press or tick.
                self.said.append("\n".join([reply.text, *(c.label for c in reply.choices)]))
                assert text in reply.text, f"line {number}: expected {text!r} in the bot's reply:\n{reply.text}"
                continue
            assert who.startswith("you"), f"line {number}: start lines with 'bot:' or 'you:'"
            assert not self.pending, f"line {number}: the bot's reply was not checked: {self.pending[0].text!r}"
            if who == "you [pick]":
                inbound = Inbound(choice=text)
            elif who == "you [tick]":
                inbound = Inbound(choices=tuple(v.strip() for v in text.split(",") if v.strip()))
            else:
                inbound = Inbound(text=text)
            assert self.draft_id is not None
            self.last = self.service.handle(self.draft_id, inbound, self.now())
            self.pending = list(self.last.replies)
        assert self.last is not None
        return self.last


def at(when: datetime) -> Any:
    return lambda: when


GREETING = """
bot: Hello. I will help you raise a concern
bot: First, is the child in immediate danger right now?
"""

# The neglect account every main path uses: the catalogue's own words for "Clothing regularly unwashed..." (ne_07)
# and "Food, supervision and warmth are erratic..." (ne_08), with when it happened, so it is not asked again.
NEGLECT_TEXT = (
    "Synthetic test concern: Sam's clothing is regularly unwashed and hygiene problems are noticed by others. "
    "Food and warmth are erratic at home. It has happened every day this week."
)

CONCERN_FIRST = f"""
bot: What has happened? In your own words
you: {NEGLECT_TEXT}
"""

ABOUT_YOU = """
bot: About you. What is your full name?
you: Alex Example
bot: What is your role?
you: Designated safeguarding lead
bot: Which kind of organisation do you work for?
you: school
bot: What is the name of your organisation or team?
you: Example Primary School
bot: What phone number can the hub reach you on today?
you: 01632 960123
bot: What is your work email address?
you: alex@example.org
bot: I have sent a six-digit code to alex@example.org
bot: Please type the six-digit code from the email
you: 246813
"""

CHILD_SAM = """
bot: About the child. What is the child's full name?
you: Sam Testchild
bot: What is the child's date of birth?
you: 14/03/2016
bot: What is the child's gender?
you: girl
bot: What is the child's home address, with the postcode
you: 1 Test Street, Blackpool FY1 1AA
bot: I have put Example Primary School as the school or setting
bot: Which of these apply?
you: none of these
bot: Who does the child live with?
you: both_parents
bot: Who are the parents or carers
you: Jo Testparent (mother), 01632 960555
"""

NO_SPECIALS = """
bot: Do any of these apply?
you [tick]: none
"""

CONSENT_GIVEN = """
bot: Have you talked to the parents or carers about this request for support, and do they agree?
you [pick]: given
"""
