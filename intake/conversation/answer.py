"""Turning what a person typed or picked into a clean answer, or a message that says what to do instead."""

from __future__ import annotations

import re
from datetime import date, datetime

from intake.conversation.question import Question
from intake.conversation.turn import Choice, Inbound

_YES = {"yes", "y", "yeah", "yep", "true"}
_NO = {"no", "n", "nope", "false"}
_SKIP = {"skip", "don't know", "dont know", "unknown", "not known"}
_NONE = {"none", "none of these", "no", "n/a"}
# Royal Mail format, including the GIR 0AA oddity; the space is optional when typed.
_POSTCODE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$", re.I)
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_PHONE = re.compile(r"^\+?[\d ()-]{10,16}$")


class AnswerError(ValueError):
    """The answer cannot be used; the message tells the person what to do."""


def parse_date(text: str) -> date:
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %m %Y", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise AnswerError("Please give the date as day/month/year, for example 14/03/2015.")


def _pick(choices: tuple[Choice, ...], raw: str) -> str | None:
    wanted = raw.strip().casefold()
    for number, c in enumerate(choices, start=1):
        if wanted in (c.value.casefold(), c.label.casefold(), str(number)):
            return c.value
    return None


def parse(question: Question, inbound: Inbound, choices: tuple[Choice, ...], today: date) -> object:
    """Return the answer value for `question`, or raise AnswerError with a message that says what to do."""
    kind = question.kind
    text = (inbound.text or "").strip()

    if kind in ("yes_no", "choice", "review"):
        raw = inbound.choice if inbound.choice is not None else text
        if kind == "yes_no" and raw.casefold() in _YES:
            return True
        if kind == "yes_no" and raw.casefold() in _NO:
            return False
        value = _pick(choices, raw)
        if value is None:
            labels = ", ".join(f"'{c.label}'" for c in choices)
            raise AnswerError(f"Please choose one of: {labels}.")
        if kind == "yes_no":
            return value == "yes"
        return value

    if kind in ("multi", "categories", "indicators"):
        if inbound.choices is not None:
            picked = list(inbound.choices)
        elif inbound.choice is not None:
            picked = [inbound.choice]
        elif text.casefold() in _NONE and question.optional:
            return []
        else:
            picked = [p for p in re.split(r"[,;\n]+", text) if p.strip()]
        values: list[str] = []
        for p in picked:
            value = _pick(choices, p)
            if value is None:
                raise AnswerError(
                    f"'{p.strip()[:40]}' is not one of the options. Choose from the list, or type their numbers "
                    "separated by commas, for example 1, 3."
                )
            if value not in values:
                values.append(value)
        if not values and not question.optional:
            raise AnswerError("Please choose at least one option.")
        return values

    if question.optional and text.casefold() in _SKIP:
        return None

    if kind == "date":
        when = parse_date(text)
        if not question.allow_future and when > today:
            raise AnswerError("That date is in the future. Please check it and type it again, as day/month/year.")
        if when.year < 1900:
            raise AnswerError("Please check the year and type the date again, as day/month/year.")
        return when.isoformat()

    if kind == "postcode":
        if not _POSTCODE.match(text):
            raise AnswerError("That does not look like a UK postcode. Type it like FY1 1AA, or 'skip'.")
        compact = text.replace(" ", "").upper()
        return f"{compact[:-3]} {compact[-3:]}"

    if kind == "email":
        if len(text) > 254 or not _EMAIL.match(text):
            raise AnswerError("That does not look like an email address. Type it like name@school.example.org.")
        return text

    if kind == "phone":
        if not _PHONE.match(text):
            raise AnswerError("That does not look like a phone number. Type it with the area code, like 01632 960123.")
        return text

    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise AnswerError("Please type a number, for example 7.") from None

    # Free text.
    if len(text) < question.min_length:
        if question.min_length <= 1:
            raise AnswerError("Please type an answer.")
        raise AnswerError(f"Please tell us a little more: at least {question.min_length} characters.")
    if len(text) > question.max_length:
        raise AnswerError(
            f"That is {len(text)} characters; the most this answer can take is {question.max_length}. "
            "Please shorten it."
        )
    return text
