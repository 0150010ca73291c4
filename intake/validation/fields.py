"""Marshmallow fields for each kind of answer: each turns what a person typed (or the stored value) into one clean
value, or raises ValidationError with a message that says what to do.

Every field is idempotent on its own output (loading a stored answer gives the same answer back), which is what lets
the request schema re-check a whole stored draft at submission.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
from marshmallow import ValidationError, fields, validate

from intake.conversation.turn import Choice

_YES = {"yes", "y", "yeah", "yep", "true", "yes please"}
_NO = {"no", "n", "nope", "false", "no thanks"}
_SKIP = {"skip", "don't know", "dont know", "do not know", "unknown", "not known", "none", "n/a", "na", "-"}
_NONE_OF_THESE = {"none", "none of these", "no", "n/a", "nothing", "skip", "none of them"}
# Royal Mail format, including the GIR 0AA oddity; the space is optional when typed.
_POSTCODE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$", re.I)
_POSSIBLE = phonenumbers.ValidationResult.IS_POSSIBLE
# C0 control characters other than tab and newline: PostgreSQL cannot store NUL, and none of them is meaningful.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE_FORMATS = (
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%d %m %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
)
# A due date more than a couple of weeks past means the baby has probably been born.
DUE_DATE_PAST_DAYS = 14
# About ten months: a pregnancy is around 40 weeks, so anything further ahead is a typing slip.
DUE_DATE_AHEAD_DAYS = 300


def clean_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError("Please type your answer as text.")
    return _CONTROL.sub("", value).strip()


def is_skip(text: str) -> bool:
    return text.casefold().rstrip(".!") in _SKIP


def pick(choices: Sequence[Choice], raw: str) -> str | None:
    """A choice by its value, its label, its number in the list, or the unique label that starts with the text."""
    wanted = raw.strip().strip(".").casefold()
    if not wanted:
        return None
    for number, c in enumerate(choices, start=1):
        if wanted in (c.value.casefold(), c.label.casefold(), str(number)):
            return c.value
    starts = [c.value for c in choices if c.label.casefold().startswith(wanted)]
    return starts[0] if len(starts) == 1 else None


def _options(choices: Sequence[Choice]) -> str:
    if len(choices) > 6:
        return "one of the options in the list (you can type its number)"
    return "one of: " + ", ".join(f"'{c.label}'" for c in choices)


class YesNo(fields.Field):
    """Yes or no; True/False as stored, or the words people type."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        typed = clean_text(value)
        text = typed.casefold().rstrip(".!")
        if text in _YES or text == "1":
            return True
        if text in _NO or text == "2":
            return False
        said = f"I did not understand '{typed[:40]}'. " if typed else ""
        raise ValidationError(f"{said}Please answer Yes or No.")


class OneOf(fields.Field):
    def __init__(self, *, choices: Sequence[Choice], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = tuple(choices)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = clean_text(value)
        found = pick(self.choices, text)
        if found is None:
            said = f"I did not understand '{text[:40]}'. " if text else ""
            raise ValidationError(f"{said}Please choose {_options(self.choices)}.")
        return found


class ManyOf(fields.Field):
    """Several choices: a list of values, or typed numbers or labels separated by commas."""

    def __init__(self, *, choices: Sequence[Choice], at_least_one: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = tuple(choices)
        self.at_least_one = at_least_one

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        if isinstance(value, list | tuple):
            picked = [clean_text(v) for v in value]
        else:
            text = clean_text(value)
            if text.casefold().rstrip(".!") in _NONE_OF_THESE:
                # A list with its own "None of these" (a checklist) takes it as that choice.
                picked = ["none"] if any(c.value == "none" for c in self.choices) else []
            elif re.fullmatch(r"[\d\s,;]+", text):
                picked = re.findall(r"\d+", text)
            else:
                picked = [p.strip() for p in re.split(r"[,;\n]+", text) if p.strip()]
        values: list[str] = []
        for p in picked:
            found = pick(self.choices, p)
            if found is None:
                raise ValidationError(
                    f"'{p[:40]}' is not one of the options. Choose from the list, or type their numbers separated "
                    "by commas, for example 1, 3."
                )
            if found not in values:
                values.append(found)
        if not values and self.at_least_one:
            raise ValidationError("Please choose at least one option from the list.")
        return values


class FreeText(fields.Field):
    """Text kept as typed (outer spaces and control characters aside), within length limits."""

    def __init__(self, *, min_length: int = 1, max_length: int = 500, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min_length = min_length
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = clean_text(value)
        if self.allow_none and is_skip(text):
            return None
        if not text:
            raise ValidationError("Please type an answer." + (" Or type 'skip'." if self.allow_none else ""))
        if len(text) < self.min_length:
            raise ValidationError(f"Please tell us a little more: at least {self.min_length} characters.")
        if len(text) > self.max_length:
            raise ValidationError(
                f"That is {len(text)} characters; the most this answer can take is {self.max_length}. "
                "Please shorten it and send it again."
            )
        return text


class UkPostcode(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = clean_text(value)
        if self.allow_none and is_skip(text):
            return None
        if not _POSTCODE.match(text):
            tail = ", or type 'skip' if you do not know it" if self.allow_none else ""
            raise ValidationError(f"That does not look like a UK postcode. Type it like FY1 1AA{tail}.")
        compact = text.replace(" ", "").upper()
        return f"{compact[:-3]} {compact[-3:]}"


class UkPhone(fields.Field):
    """A UK number in any of the usual forms (01632 960123, +44 (0)1632 960123, 0044 1632 960123), with a length the
    UK numbering plan allows (Google's libphonenumber, `phonenumbers`). Whether the number is in service is not
    checked: libphonenumber calls Ofcom's drama ranges (01632 960xxx, 07700 900xxx) unallocated, and they are what
    tests and demonstrations use. Kept as typed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = clean_text(value)
        if self.allow_none and is_skip(text):
            return None
        try:
            number = phonenumbers.parse(text, "GB") if len(text) <= 25 else None
        except phonenumbers.NumberParseException:
            number = None
        possible = number is not None and phonenumbers.is_possible_number_with_reason(number) == _POSSIBLE
        if not possible or number is None or number.country_code != 44:
            raise ValidationError(
                "That does not look like a UK phone number. Type it with the area code, like 01632 960123, "
                "or a mobile like 07700 900123."
            )
        return text


class WorkEmail(fields.Field):
    _check = validate.Email(error="That does not look like an email address. Type it like name@school.example.org.")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = clean_text(value)
        if self.allow_none and is_skip(text):
            return None
        if len(text) > 254:
            raise ValidationError("That email address is too long. Type your work email, like name@example.org.")
        return self._check(text)


def parse_date(text: str) -> date:
    text = re.sub(r"\s+", " ", text.strip().replace(",", " "))
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError("Please give the date as day/month/year, for example 14/03/2015.")


class PastDate(fields.Field):
    """A date that has happened: a date of birth. Stored as ISO yyyy-mm-dd."""

    def __init__(self, *, today: date, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.today = today

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = clean_text(value)
        if self.allow_none and is_skip(text):
            return None
        when = parse_date(text)
        if when > self.today:
            raise ValidationError(
                "That date is in the future. Please check it and type it again as day/month/year. "
                "For an unborn baby, type 'back' and answer Yes to the unborn baby question."
            )
        if when.year < 1900:
            raise ValidationError("Please check the year and type the date again, as day/month/year.")
        return when.isoformat()


class DueDate(fields.Field):
    """An expected due date: from two weeks ago (an overdue baby) to about ten months ahead."""

    def __init__(self, *, today: date, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.today = today

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        when = parse_date(clean_text(value))
        if when < self.today - timedelta(days=DUE_DATE_PAST_DAYS):
            raise ValidationError(
                "That due date has passed. If the baby has been born, type 'back' and answer No to the unborn "
                "baby question; otherwise check the date and type it again as day/month/year."
            )
        if when > self.today + timedelta(days=DUE_DATE_AHEAD_DAYS):
            raise ValidationError(
                "That is more than ten months away. Please check the due date and type it again as day/month/year."
            )
        return when.isoformat()


class WholeNumber(fields.Field):
    """A number such as an age: '9', '9 years' or 'about 9' all give 9."""

    def __init__(self, *, minimum: float | None = None, maximum: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = clean_text(value)
            if self.allow_none and is_skip(text):
                return None
            found = re.fullmatch(
                r"(?:about|around|roughly|approx\.?|approximately|~)?\s*(\d{1,3})(?:\s*\w+)?", text, re.I
            )
            if not found:
                raise ValidationError("Please type a number, for example 7.")
            number = int(found.group(1))
        low = self.minimum if self.minimum is not None else 0
        if number < low or (self.maximum is not None and number > self.maximum):
            top = f" to {self.maximum:g}" if self.maximum is not None else " or more"
            raise ValidationError(f"Please type a whole number from {low:g}{top}.")
        return number
