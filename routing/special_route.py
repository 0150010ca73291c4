"""Special routes: situations checked before any level, because the law or local procedure says who must be
told and how fast (999, the LADO, the police for known FGM, private fostering notification).

Place in the flow: the engine looks at these first; a special route decides `route`, while the indicators
still decide whether the hub must also be contacted (the child-protection signal is never dropped).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpecialRoute:
    id: str
    route: str
    fact: str
    text: str
    # The situation itself suggests significant harm (immediate danger, known FGM): level 4 and the CP route.
    child_protection: bool = False
    # Only for children under this age (FGM duty and private fostering end at 18); unborn children never
    # qualify.
    under_age_years: float | None = None
    not_applicable_text: str = ""
    # Referrer roles the duty falls on; others are told why the route does not apply to them. Empty =
    # everyone.
    roles: tuple[str, ...] = ()
    other_roles_text: str = ""
    # Indicators that mean the same situation as `fact` (FGM carried out; the LADO kinds of allegation), so the
    # route applies whichever way the referrer said it.
    indicators: tuple[str, ...] = ()

    def applies(self, fact: bool, chosen: frozenset[str]) -> bool:
        return fact or bool(chosen & set(self.indicators))
