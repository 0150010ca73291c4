"""Words and ids several channels show, from one place: what a stored code is called (referring agency, route, level,
hub outcome, status), how a time is written, the id of the hub's Claim button in Slack and Teams, and the guard
that stops a spreadsheet running a cell as a formula. Slack, Teams, the hub's pages and the dashboard all read them
here, so a label cannot say one thing in one channel and another elsewhere.

Where the words come from: agencies are questions.yaml's `referrer_agency` choices (what the referrer picked from),
routes and levels the council's rules file, outcomes the hub's own list (intake.triage.OUTCOMES). `Labels.of` reads
them once when the app starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from intake.store.support_request import AWAITING_DECISION, DECIDED, IN_TRIAGE
from intake.triage import OUTCOMES
from intake.working_day import LONDON

# The hub channel's Claim button: Slack's action id and Teams' Action.Execute verb.
SLACK_CLAIM_ACTION = "hub_claim"
# Offered to someone who clicks Claim on a request another worker holds: taking it over is explicit (and audited).
SLACK_TAKE_OVER_ACTION = "hub_take_over"
SLACK_OPEN_ACTION = "hub_open"
TEAMS_CLAIM_VERB = "claim"

STATUSES: dict[str, str] = {
    AWAITING_DECISION: "Waiting for a decision",
    IN_TRIAGE: "In triage",
    DECIDED: "Decided",
}

# A cell that starts with one of these could run as a formula in Excel or LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would take for a formula gets a leading apostrophe, which it shows as plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def when(at: datetime | str | None, missing: str = "") -> str:
    """An instant as the hub reads it: London time, 'Tue 24 Nov 2026 10:00'. Takes ISO text (from a payload) too."""
    if at is None or at == "":
        return missing
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            return at
    return at.astimezone(LONDON).strftime("%a %d %b %Y %H:%M")


class _Choice(Protocol):
    value: str
    label: str


@dataclass(frozen=True)
class Labels:
    """Human names for the codes stored on requests; an unknown code shows as itself."""

    agencies: Mapping[str, str] = field(default_factory=dict)
    routes: Mapping[str, str] = field(default_factory=dict)
    levels: Mapping[int, str] = field(default_factory=dict)
    outcomes: Mapping[str, str] = field(default_factory=lambda: dict(OUTCOMES))
    statuses: Mapping[str, str] = field(default_factory=lambda: dict(STATUSES))

    @classmethod
    def of(cls, agency_choices: list[_Choice], rules: Any) -> Labels:
        """From the referrer_agency question's choices and the rules file (its routes' labels, its levels' names)."""
        return cls(
            agencies={c.value: c.label for c in agency_choices},
            routes={code: info.label for code, info in rules.routes.items()},
            levels={n: info.name for n, info in rules.levels.items()},
        )

    def agency(self, code: str | None) -> str:
        return self.agencies.get(code, code) if code else "Not given"

    def route(self, code: str | None) -> str:
        return self.routes.get(code, code) if code else "Not given"

    def outcome(self, code: str | None) -> str:
        return self.outcomes.get(code, code) if code else "Not decided yet"

    def level(self, level: int) -> str:
        name = self.levels.get(level)
        return f"{level} {name}" if name else str(level)

    def status(self, code: str | None) -> str:
        return self.statuses.get(code, code) if code else ""
