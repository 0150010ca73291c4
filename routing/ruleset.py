"""RuleSet: one council's threshold rules, loaded and checked, ready for the engine.

Place in the flow: load_rules() builds it from the council's YAML once; the intake asks indicators_for() which
questions to show; evaluate() reads it to make decisions. Immutable in practice, so it can be cached and
shared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from routing.combination import CombinationRule
from routing.consent import ConsentGuidance
from routing.contacts import Contacts
from routing.indicator import Category, Indicator
from routing.level_of_need import Domain, LevelInfo
from routing.route import RouteInfo
from routing.special_route import SpecialRoute
from routing.timescales import Timescales


# eq=False: identity is enough, and dict fields would make the generated __hash__ fail.
@dataclass(frozen=True, eq=False)
class RuleSet:
    council_id: str
    council_name: str
    version: str
    source_path: str
    levels: Mapping[int, LevelInfo]
    domains: Mapping[str, Domain]
    categories: tuple[Category, ...]
    indicators: dict[str, Indicator]
    sources: Mapping[str, str]
    combination_rules: tuple[CombinationRule, ...]
    special_routes: tuple[SpecialRoute, ...]
    routes: dict[str, RouteInfo]
    level_routes: Mapping[int, str]
    child_protection_route: str
    allocated_worker_route: str
    consent: ConsentGuidance
    contacts: Contacts
    timescales: Timescales
    # indicator id -> the words practitioners use for it (lower case), for the suggester; may be empty.
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def indicators_for(self, categories: Iterable[str], age_years: float | None, unborn: bool) -> list[Indicator]:
        """The indicators the intake should ask about, in catalogue order.

        For an unborn baby: those marked pre_birth in the chosen categories, plus every pre-birth category one
        (a midwife may not think to pick "pre-birth"). Otherwise: the chosen categories, within age limits.
        """
        wanted = set(categories)
        if unborn:
            wanted.add("pre_birth")
            return [i for i in self.indicators.values() if i.pre_birth and wanted & set(i.categories)]
        return [i for i in self.indicators.values() if wanted & set(i.categories) and i.fits_age(age_years)]

    def counts(self) -> dict[str, int]:
        return {
            "indicators": len(self.indicators),
            "categories": len(self.categories),
            "combination_rules": len(self.combination_rules),
            "special_routes": len(self.special_routes),
            "routes": len(self.routes),
        }
