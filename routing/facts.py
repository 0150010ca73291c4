"""Facts: what the intake learned about one child, reduced to what the threshold rules need.

Place in the flow: chat -> intake builds Facts -> **routing** evaluates them -> the store keeps
facts.to_dict() beside the decision, so a later rules file can replay the same facts (see replay.py). No
names, no free text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

CONSENT_STATES: tuple[str, ...] = ("given", "refused", "not_sought_risk", "not_asked")
REFERRER_ROLES: tuple[str, ...] = (
    "teacher",
    "health",
    "social_care",
    "police",
    "early_years",
    "other",
    "unknown",
)
# Care leavers and AWAKEN's work reach 24; anything older is a typing slip, not a child.
MAX_AGE_YEARS = 25.0


@dataclass(frozen=True)
class Facts:
    indicators: frozenset[str] = field(default_factory=frozenset)
    immediate_danger: bool = False
    child_age_years: float | None = None
    unborn: bool = False
    consent: str = "not_asked"
    allegation_against_professional: bool = False
    fgm_known: bool = False
    private_fostering: bool = False
    existing_social_worker: bool = False
    early_help_plan_not_working: bool = False
    # Not yet rolling, crawling, cruising or walking, or immobile through disability: bruising protocols apply
    # to these children whatever their age.
    non_mobile: bool = False
    # A child telling someone they are being harmed goes straight to child protection (primer §3 precedence
    # 5).
    child_disclosed_harm: bool = False
    # A learning disability (or significant learning needs) makes any exploitation sign a child protection
    # concern, as for a child of 13 or under (CSE screening tools).
    learning_disability: bool = False
    # The FGM reporting duty is personal to teachers and health and social care professionals, not to police.
    referrer_role: str = "unknown"

    def __post_init__(self) -> None:
        # Accept any iterable of ids from callers but keep the frozen, hashable form.
        if not isinstance(self.indicators, frozenset):
            object.__setattr__(self, "indicators", frozenset(_indicator_ids(self.indicators)))
        problems = _problems(self)
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Facts:
        """Build Facts from JSON data; unknown keys or wrong types raise ValueError naming the field."""
        if not isinstance(data, Mapping):
            raise ValueError(f"facts must be a JSON object, not {type(data).__name__}")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(map(repr, unknown))}; expected some of {', '.join(known)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name == "indicators":
                values[name] = frozenset(_indicator_ids(value))
            elif name == "child_age_years":
                if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                    raise ValueError(f"child_age_years: expected a number of years or null, got {value!r}")
                values[name] = None if value is None else float(value)
            elif name in ("consent", "referrer_role"):
                if not isinstance(value, str):
                    raise ValueError(f"{name}: expected a string, got {value!r}")
                values[name] = value
            else:
                if not isinstance(value, bool):
                    raise ValueError(f"{name}: expected true or false, got {value!r}")
                values[name] = value
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["indicators"] = sorted(self.indicators)
        return out


def boolean_fields() -> tuple[str, ...]:
    """The yes/no facts a rules file may name in `fact:` (checked when the rules load)."""
    return tuple(f.name for f in fields(Facts) if f.type in ("bool", bool))


def _indicator_ids(value: object) -> Iterable[str]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f"indicators: expected a list of indicator ids, got {value!r}")
    ids = list(value)
    for item in ids:
        if not isinstance(item, str):
            raise ValueError(f"indicators: expected indicator ids as strings, got {item!r}")
    return ids


def _problems(facts: Facts) -> list[str]:
    problems = []
    for name in boolean_fields():
        if not isinstance(getattr(facts, name), bool):
            problems.append(f"{name}: expected true or false, got {getattr(facts, name)!r}")
    age = facts.child_age_years
    if age is not None:
        if isinstance(age, bool) or not isinstance(age, int | float) or not math.isfinite(age):
            problems.append(f"child_age_years: expected a number of years or null, got {age!r}")
        elif not 0 <= age <= MAX_AGE_YEARS:
            problems.append(f"child_age_years: expected 0 to {MAX_AGE_YEARS:g}, got {age!r}")
        elif facts.unborn is True:
            problems.append("child_age_years: must be null when unborn is true")
    if facts.consent not in CONSENT_STATES:
        problems.append(f"consent: expected one of {', '.join(CONSENT_STATES)}, got {facts.consent!r}")
    if facts.referrer_role not in REFERRER_ROLES:
        problems.append(f"referrer_role: expected one of {', '.join(REFERRER_ROLES)}, got {facts.referrer_role!r}")
    return problems
