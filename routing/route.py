"""Routes: where a concern goes once its level is known, and what the referrer is told to do next.

Place in the flow: the engine picks one route per decision; the store keeps its id and the hub shows its
label. Route texts live in the council's rules file so a council can reword them without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RouteInfo:
    id: str
    # For special routes this is the least level the situation implies (emergency is 4); None leaves the level
    # to the indicators (an allegation against a professional says nothing by itself about the child's needs).
    level: int | None
    label: str
    next_steps: str
    timescale: str
    needs_consent: bool
    phone_first: bool
