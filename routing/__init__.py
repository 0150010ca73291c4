"""Threshold routing: a council's levels-of-need rules as data, and a pure engine that applies them.

Place in the flow: chat -> intake -> **routing** -> store -> hub. No Flask, no database, no clock, no network:
only the standard library and PyYAML, so the same decision can be replayed anywhere.
"""

from routing.decision import Decision, Reason
from routing.engine import evaluate
from routing.facts import Facts
from routing.indicator import Category, Indicator
from routing.replay import ReplayReport, compare
from routing.route import RouteInfo
from routing.rules_file import RulesError, default_rules_path, load_rules
from routing.ruleset import RuleSet
from routing.suggest import Suggestion, suggest_indicators

__all__ = [
    "Category",
    "Decision",
    "Facts",
    "Indicator",
    "Reason",
    "ReplayReport",
    "RouteInfo",
    "RuleSet",
    "RulesError",
    "Suggestion",
    "compare",
    "default_rules_path",
    "evaluate",
    "load_rules",
    "suggest_indicators",
]
