"""Consent guidance: what a decision says about the family's consent, for routes that need it and those that
don't.

Place in the flow: the engine adds one consent reason (and maybe a next step) to every decision. Early help
(levels 2-3) is voluntary and needs consent; significant-harm concerns are shared without it; the reason for
not seeking consent is always recorded (information-sharing golden rule 7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ConsentText:
    reason: str
    next_step: str | None = None


@dataclass(frozen=True)
class ConsentGuidance:
    # consent state ("given", "refused", ...) -> text, one table for routes that need consent and one for the
    # rest
    when_needed: Mapping[str, ConsentText]
    when_not_needed: Mapping[str, ConsentText]

    def text_for(self, needed: bool, state: str) -> ConsentText:
        return (self.when_needed if needed else self.when_not_needed)[state]
