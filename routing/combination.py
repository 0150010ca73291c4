"""Combination rules: how several indicators, the child's age and a few yes/no facts lift a level.

Place in the flow: after the highest indicator level is known, the engine applies these rules in file order.
They are data (ids, thresholds) so a council can tune them and replay old requests to see what a change would
do.

Kinds:
  cumulative     `min_count`+ indicators at `level` across `min_domains`+ domains -> `raises_to`
  vulnerability  an indicator matching the selector, for a child under `under_age_years` or with `fact` true
  flag           `fact` true -> `raises_to`
  step_up        `fact` true and the level is at least `min_level` -> one level higher (at most 4)
  pre_birth      unborn and the level is at least `min_level` -> `raises_to`
  parallel       an indicator matching the selector (or `fact` true) adds a reason and a next step (another
                 referral alongside)
  together       `min_count`+ indicators matching the selector, with every indicator in `requires` chosen too, and
                 (when `under_age_years` or `fact` is given) for a child under that age or with that fact -> `raises_to`
                 (several exploitation signs together; an older partner together with gifts, control or secrecy)

Any rule may name `unless` indicators: when one of them is chosen the rule does not apply (the neglect tool's
next step is not given when its result is already known).

Level-1 indicators describe strengths or no additional need: no rule ever selects or counts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.indicator import Indicator

KINDS: tuple[str, ...] = ("cumulative", "vulnerability", "flag", "step_up", "pre_birth", "parallel", "together")


@dataclass(frozen=True)
class CombinationRule:
    id: str
    kind: str
    text: str
    next_step: str | None = None
    level: int | None = None
    min_count: int = 0
    min_domains: int = 0
    raises_to: int | None = None
    child_protection: bool = False
    fact: str | None = None
    under_age_years: float | None = None
    categories: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    min_level: int = 1
    requires: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    def selects(self, indicator: Indicator) -> bool:
        """True when the indicator is named, or shares a category, and is at least min_level (and above level 1:
        a strength is never a reason for a rule to fire)."""
        named = indicator.id in self.indicators or bool(set(indicator.categories) & set(self.categories))
        return named and indicator.level >= max(self.min_level, 2)
