"""Replay: what would a new rules file have decided for requests already made?

Place in the flow: off to the side of chat -> intake -> routing -> store. `flask rules replay` reads stored
facts from the store and calls compare(), so a council sees how many decisions a threshold change would move
before it goes live. Pure: the caller supplies the items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from routing.engine import evaluate
from routing.facts import Facts
from routing.ruleset import RuleSet

MAX_EXAMPLES = 20


@dataclass(frozen=True)
class ReplayChange:
    reference: str
    old_level: int
    old_route: str
    new_level: int
    new_route: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "old_level": self.old_level,
            "old_route": self.old_route,
            "new_level": self.new_level,
            "new_route": self.new_route,
        }


@dataclass(frozen=True)
class ReplayReport:
    old_version: str
    new_version: str
    total: int = 0
    level_changed: int = 0
    route_changed: int = 0
    changed: int = 0
    # Level moves as "2->3": count, so a council sees at a glance whether a change raises or lowers
    # thresholds.
    level_moves: Mapping[str, int] = field(default_factory=dict)
    examples: tuple[ReplayChange, ...] = ()
    # Stored facts the current Facts type rejects (e.g. written by an older intake): reference -> why.
    invalid: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "total": self.total,
            "changed": self.changed,
            "level_changed": self.level_changed,
            "route_changed": self.route_changed,
            "level_moves": dict(self.level_moves),
            "examples": [e.to_dict() for e in self.examples],
            "invalid": dict(self.invalid),
        }


def compare(
    old_rules: RuleSet,
    new_rules: RuleSet,
    items: Iterable[tuple[str, Mapping[str, Any]]],
    max_examples: int = MAX_EXAMPLES,
) -> ReplayReport:
    total = level_changed = route_changed = changed = 0
    moves: dict[str, int] = {}
    examples: list[ReplayChange] = []
    invalid: dict[str, str] = {}
    for reference, facts_dict in items:
        try:
            facts = Facts.from_dict(facts_dict)
        except ValueError as exc:
            invalid[reference] = str(exc)
            continue
        total += 1
        old, new = evaluate(old_rules, facts), evaluate(new_rules, facts)
        level_changed += old.level != new.level
        route_changed += old.route != new.route
        if (old.level, old.route) == (new.level, new.route):
            continue
        changed += 1
        if old.level != new.level:
            move = f"{old.level}->{new.level}"
            moves[move] = moves.get(move, 0) + 1
        if len(examples) < max_examples:
            examples.append(ReplayChange(reference, old.level, old.route, new.level, new.route))
    return ReplayReport(
        old_version=old_rules.version,
        new_version=new_rules.version,
        total=total,
        level_changed=level_changed,
        route_changed=route_changed,
        changed=changed,
        level_moves=dict(sorted(moves.items())),
        examples=tuple(examples),
        invalid=invalid,
    )
