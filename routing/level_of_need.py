"""Levels of need and the Assessment Framework domains that every threshold document shares.

Place in the flow: chat -> intake -> **routing decision** -> store. The intake asks about indicators; each
indicator sits at one of these four levels and in one of these three domains. The names of the levels come
from the council's rules file (pan-Lancashire: Universal, Universal Plus, Intensive, Specialist); the numbers
do not.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS: tuple[int, ...] = (1, 2, 3, 4)
SPECIALIST = 4

# The three Assessment Framework domains are national (Working Together), so they are fixed here; each
# council's file still names their sub-domains.
DOMAINS: tuple[str, ...] = ("child_development", "parenting_capacity", "family_environment")


@dataclass(frozen=True)
class LevelInfo:
    number: int
    name: str
    summary: str


@dataclass(frozen=True)
class Domain:
    id: str
    label: str
    subdomains: tuple[str, ...]
