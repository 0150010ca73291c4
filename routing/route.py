"""Routes: where a concern goes once its level is known, and what the referrer is told to do next.

Place in the flow: the engine picks one route per decision; the store keeps its id and the hub shows its
label. Route texts live in the council's rules file so a council can reword them without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass

EMERGENCY = "emergency"
HUB_CHILD_PROTECTION = "hub_child_protection"
HUB_CHILD_IN_NEED = "hub_child_in_need"
HUB_ALLOCATED_WORKER = "hub_allocated_worker"
EARLY_HELP_INTENSIVE = "early_help_intensive"
EARLY_HELP_UNIVERSAL_PLUS = "early_help_universal_plus"
UNIVERSAL_SIGNPOST = "universal_signpost"
LADO = "lado"
POLICE_FGM = "police_fgm"
PRIVATE_FOSTERING = "private_fostering"


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
