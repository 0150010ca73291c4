"""Decision: the engine's answer for one request, with the reasons that explain it.

Place in the flow: routing -> **decision** -> the store keeps decision.to_dict() (with rules_version, so
anyone can see which rules made it) -> the bot shows next_steps to the referrer and the hub shows the reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    indicator_id: str | None = None
    rule_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text,
            "indicator_id": self.indicator_id,
            "rule_id": self.rule_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        _expect_keys("reason", data, {"code", "text", "indicator_id", "rule_id"}, optional={"indicator_id", "rule_id"})
        return cls(data["code"], data["text"], data.get("indicator_id"), data.get("rule_id"))


@dataclass(frozen=True)
class Decision:
    level: int
    route: str
    route_label: str
    reasons: tuple[Reason, ...]
    next_steps: str
    timescale: str
    consent_needed: bool
    phone_first: bool
    rules_version: str

    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "route": self.route,
            "route_label": self.route_label,
            "reasons": [r.to_dict() for r in self.reasons],
            "next_steps": self.next_steps,
            "timescale": self.timescale,
            "consent_needed": self.consent_needed,
            "phone_first": self.phone_first,
            "rules_version": self.rules_version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        names = {"level", "route", "route_label", "reasons", "next_steps", "timescale", "consent_needed"}
        names |= {"phone_first", "rules_version"}
        _expect_keys("decision", data, names)
        return cls(
            level=data["level"],
            route=data["route"],
            route_label=data["route_label"],
            reasons=tuple(Reason.from_dict(r) for r in data["reasons"]),
            next_steps=data["next_steps"],
            timescale=data["timescale"],
            consent_needed=data["consent_needed"],
            phone_first=data["phone_first"],
            rules_version=data["rules_version"],
        )


def _expect_keys(what: str, data: Mapping[str, Any], names: set[str], optional: frozenset | set = frozenset()) -> None:
    if not isinstance(data, Mapping):
        raise ValueError(f"{what}: expected an object, got {type(data).__name__}")
    missing = sorted(names - set(optional) - set(data))
    unknown = sorted(set(data) - names)
    if missing or unknown:
        raise ValueError(f"{what}: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}")
