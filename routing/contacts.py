"""Who to phone and when the hub is open: contact details a decision's next steps quote.

Place in the flow: rendered into route texts when the rules load. The numbers in the shipped file are
fictional (Ofcom's drama range); the app passes the real ones from its environment to
load_rules(contacts=...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Contacts:
    hub_name: str
    hub_urgent_phone: str
    hub_advice_phone: str
    emergency_duty_team_phone: str
    lado_phone: str
    hub_email: str
    portal: str
    police_non_emergency: str = "101"
    # weekday (0 = Monday) -> ("09:00", "17:00"); a missing day means the hub is closed and the EDT covers it.
    hub_hours: Mapping[int, tuple[str, str]] = field(default_factory=dict)

    def hours_text(self) -> str:
        """Opening hours in words, neighbouring days with equal hours grouped ('Monday to Thursday ...')."""
        groups: list[tuple[int, int, tuple[str, str]]] = []
        for day in sorted(self.hub_hours):
            hours = self.hub_hours[day]
            if groups and groups[-1][2] == hours and groups[-1][1] == day - 1:
                groups[-1] = (groups[-1][0], day, hours)
            else:
                groups.append((day, day, hours))
        parts = []
        for first, last, (opens, closes) in groups:
            days = WEEKDAYS[first].title()
            if last != first:
                days += " to " + WEEKDAYS[last].title()
            parts.append(f"{days} {opens}-{closes}")
        return "; ".join(parts)
