"""Reading the combination_rules section: how several indicators, the child's age and yes/no facts lift a
level (kinds explained in routing/combination.py).

Place in the flow: load_rules() reads these after the indicators, which they name by id or category; the
engine applies them in file order.
"""

from __future__ import annotations

from collections.abc import Mapping

from routing.combination import KINDS, CombinationRule
from routing.facts import boolean_fields
from routing.indicator import Category, Indicator
from routing.rules_checker import Checker
from routing.rules_yaml import YamlMap

KIND_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # kind -> (required keys beyond id/kind/text, optional keys)
    "cumulative": ({"level", "min_count", "min_domains", "raises_to"}, {"child_protection", "next_step"}),
    "vulnerability": ({"raises_to"}, {"categories", "indicators", "min_level", "under_age_years", "fact",
                                      "child_protection", "next_step"}),
    "flag": ({"fact", "raises_to"}, {"child_protection", "next_step"}),
    "step_up": ({"fact"}, {"min_level", "next_step"}),
    "pre_birth": ({"raises_to"}, {"min_level", "child_protection", "next_step"}),
    "parallel": ({"next_step"}, {"categories", "indicators", "min_level", "fact"}),
    "together": ({"min_count", "raises_to"}, {"categories", "indicators", "requires", "min_level", "under_age_years",
                                             "fact", "child_protection", "next_step"}),
}  # fmt: skip


def read_rules(
    check: Checker, doc: YamlMap, indicators: Mapping[str, Indicator], categories: Mapping[str, Category]
) -> tuple[CombinationRule, ...]:
    out = []
    facts = boolean_fields()
    for _, m, ident in check.listed(doc, "combination_rules", "rule"):
        where = f"rule '{ident}'"
        kind = m.get("kind")
        if kind not in KINDS:
            check.err(m.lines.get("kind", m.line), f"{where} has kind {kind!r}; kinds are {', '.join(KINDS)}")
            continue
        required, optional = KIND_KEYS[kind]
        check.keys(m, where, required | {"id", "kind", "text"}, optional | {"unless"})
        if kind in ("vulnerability", "parallel", "together") and not ({"categories", "indicators"} & set(m)):
            check.err(m.line, f"{where} must name categories or indicators")
        if kind == "vulnerability" and not ({"under_age_years", "fact"} & set(m)):
            check.err(m.line, f"{where} must give under_age_years or fact (who is vulnerable)")
        fact = check.text(m, "fact", where)
        if fact is not None and fact not in facts:
            check.err(m.lines["fact"], f"{where} refers to unknown fact '{fact}'; facts are {', '.join(facts)}")
        out.append(
            CombinationRule(
                id=ident,
                kind=kind,
                text=check.template(m, "text", where) or "",
                next_step=check.template(m, "next_step", where),
                level=check.level(m, "level", where),
                min_count=check.whole(m, "min_count", where, low=1) or 0,
                min_domains=check.whole(m, "min_domains", where, low=1) or 0,
                raises_to=check.level(m, "raises_to", where),
                child_protection=check.flag(m, "child_protection", where),
                fact=fact,
                under_age_years=check.years(m, "under_age_years", where),
                categories=check.words(m, "categories", where, categories, "category"),
                indicators=check.words(m, "indicators", where, indicators, "indicator"),
                min_level=check.level(m, "min_level", where) or 1,
                requires=check.words(m, "requires", where, indicators, "indicator"),
                unless=check.words(m, "unless", where, indicators, "indicator"),
            )
        )
    return tuple(out)
