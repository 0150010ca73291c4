"""UK phone numbers (intake.validation.fields.UkPhone, on phonenumbers): the usual ways of writing one are taken as
typed, anything that cannot be a UK number is refused with a message saying what to type."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from intake.validation.fields import UkPhone

TAKEN = [
    "01632 960123",
    "01632960999",
    "(01632) 960-123",
    "+44 1632 960123",
    "+44 (0)1632 960123",
    "0044 1632 960123",
    "441632960123",
    "07700 900123",
    "+447700900123",
    "01632.960.123",
]
REFUSED = ["12345", "0123", "999", "01632 9601234567", "+1 202 555 0100", "+33 1 23 45 67 89", "not a number", "0" * 30]


@pytest.mark.parametrize("typed", TAKEN)
def test_a_uk_number_is_taken_as_typed(typed: str) -> None:
    assert UkPhone().deserialize(typed) == typed


@pytest.mark.parametrize("typed", REFUSED)
def test_anything_else_is_refused_with_what_to_type(typed: str) -> None:
    with pytest.raises(ValidationError, match="Type it with the area code, like 01632 960123"):
        UkPhone().deserialize(typed)


def test_skip_when_the_number_may_be_left_out() -> None:
    assert UkPhone(allow_none=True).deserialize("skip") is None
