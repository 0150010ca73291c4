"""facts_from_answers: the learning-disability fact the exploitation rules need, read from the disability answers."""

from __future__ import annotations

from datetime import date

import pytest

from intake.request_facts import facts_from_answers


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ("Has a learning disability", True),
        ("MLD, EHCP in place", True),
        ("severe learning difficulties", True),
        ("global developmental delay", True),
        ("Down's syndrome", True),
        ("autism", False),
        ("mild asthma", False),
        (None, False),
    ],
)
def test_learning_disability_comes_from_the_disability_details(details: str | None, expected: bool) -> None:
    answers = {"child_disability": True, "child_disability_details": details, "child_age_estimate": 15}
    assert facts_from_answers(answers, date(2026, 12, 8)).learning_disability is expected


def test_no_disability_means_no_learning_disability() -> None:
    answers = {"child_disability": False, "child_disability_details": "learning disability"}
    assert facts_from_answers(answers, date(2026, 12, 8)).learning_disability is False
