"""From a finished conversation's answers to the facts the routing engine decides on."""

from __future__ import annotations

from datetime import date
from typing import Any

from intake.conversation.engine import child_age_years
from routing import Facts


def facts_from_answers(answers: dict[str, Any], today: date) -> Facts:
    return Facts.from_dict(
        {
            "indicators": sorted(answers.get("indicators") or []),
            "immediate_danger": bool(answers.get("immediate_danger")),
            "child_age_years": child_age_years(answers, today),
            "unborn": bool(answers.get("child_unborn")),
            "consent": answers.get("consent") or "not_asked",
            "allegation_against_professional": bool(answers.get("allegation_against_professional")),
            "fgm_known": bool(answers.get("fgm_known")),
            "private_fostering": bool(answers.get("private_fostering")),
            "existing_social_worker": bool(answers.get("existing_social_worker")),
        }
    )
