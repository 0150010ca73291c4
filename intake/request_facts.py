"""From a finished conversation's answers to the facts the routing engine decides on.

Every fact the rules can use is asked for somewhere in questions.yaml; this is the one place that maps the
answers (in the words of the conversation) onto the routing vocabulary (routing.Facts).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from intake.conversation.ages import child_age_years
from routing import Facts

# The referrer's agency decides which personal duties apply (the FGM reporting duty is personal to teachers and
# health and social care professionals).
AGENCY_ROLES = {
    "school": "teacher",
    "early_years": "early_years",
    "police": "police",
    "health_visiting": "health",
    "midwifery": "health",
    "gp": "health",
    "hospital": "health",
    "mental_health": "health",
    "substance_misuse": "health",
    "childrens_social_care": "social_care",
    "adult_social_care": "social_care",
}


# What referrers write for a learning disability in the disability details answer; the rules treat any
# exploitation sign for such a child as child protection (CSE screening tools), so err towards matching.
_LEARNING_DISABILITY = re.compile(
    r"learning (disab|difficult)|intellectual disab|global (developmental )?delay|down'?s? syndrome|\b(p?m|s)?ld\b",
    re.IGNORECASE,
)


def learning_disability(answers: dict[str, Any]) -> bool:
    details = answers.get("child_disability_details")
    if answers.get("child_disability") is not True or not isinstance(details, str):
        return False
    return bool(_LEARNING_DISABILITY.search(details))


def consent_state(answers: dict[str, Any]) -> str:
    if answers.get("spoken_to_parents") is True:
        return answers.get("consent") or "not_asked"
    if answers.get("spoken_to_parents") is False:
        return answers.get("consent_not_sought") or "not_asked"
    return answers.get("consent") or "not_asked"


def indicator_ids(answers: dict[str, Any]) -> list[str]:
    picked: set[str] = set()
    for key, value in answers.items():
        signs = key in ("indicators", "suggested_signs") or key.startswith("indicators.")
        if signs and isinstance(value, list):
            picked.update(v for v in value if v not in ("none", "browse"))  # the lists' own "none" and "by area"
    return sorted(picked)


def facts_from_answers(answers: dict[str, Any], today: date) -> Facts:
    """`answers` are the effective answers (only the steps that apply)."""
    unborn = bool(answers.get("child_unborn"))
    agency = answers.get("referrer_agency")
    return Facts.from_dict(
        {
            "indicators": indicator_ids(answers),
            "immediate_danger": bool(answers.get("immediate_danger")),
            "child_age_years": child_age_years(
                unborn, answers.get("child_dob"), answers.get("child_age_estimate"), today
            ),
            "unborn": unborn,
            "consent": consent_state(answers),
            "allegation_against_professional": bool(answers.get("allegation_against_professional")),
            "fgm_known": bool(answers.get("fgm_known")),
            "private_fostering": answers.get("child_lives_with") == "non_relative"
            and bool(answers.get("private_fostering_28_days")),
            "existing_social_worker": answers.get("existing_support") == "social_worker",
            "early_help_plan_not_working": bool(answers.get("early_help_plan_not_working")),
            "non_mobile": bool(answers.get("child_non_mobile")),
            "child_disclosed_harm": bool(answers.get("child_disclosed_harm")),
            "learning_disability": learning_disability(answers),
            "referrer_role": AGENCY_ROLES.get(agency, "other") if agency else "unknown",
        }
    )
