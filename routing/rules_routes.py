"""Reading the routes sections: where a concern goes (routes and their next steps), the special routes checked
before any level (999, LADO, FGM, private fostering), and which route each level leads to.

Place in the flow: load_rules() reads these after the catalogue; the engine picks one route per decision from
what they produce.
"""

from __future__ import annotations

from collections.abc import Mapping

from routing.facts import REFERRER_ROLES, boolean_fields
from routing.indicator import Indicator
from routing.level_of_need import LEVELS
from routing.route import RouteInfo
from routing.rules_checker import ID, Checker
from routing.rules_yaml import YamlMap
from routing.special_route import SpecialRoute

_ROUTE_KEYS = {"level", "label", "next_steps", "timescale", "needs_consent", "phone_first"}
_SPECIAL_KEYS = {"id", "route", "fact", "text"}
_SPECIAL_OPTIONAL = {
    "child_protection", "under_age_years", "not_applicable_text", "roles", "other_roles_text", "indicators",
}  # fmt: skip


def read_routes(check: Checker, doc: YamlMap) -> dict[str, RouteInfo]:
    m = check.mapping(doc, "routes", "the file") or YamlMap()
    out = {}
    for ident, body in m.items():
        where = f"route '{ident}'"
        if not isinstance(ident, str) or not ID.match(ident) or not isinstance(body, YamlMap):
            check.err(m.lines[ident], f"{where} must be a lower_case id with a mapping of details")
            continue
        check.keys(body, where, _ROUTE_KEYS)
        level = None if body.get("level") is None else check.level(body, "level", where)
        out[ident] = RouteInfo(
            id=ident,
            level=level,
            label=check.text(body, "label", where) or "",
            next_steps=check.template(body, "next_steps", where) or "",
            timescale=check.template(body, "timescale", where) or "",
            needs_consent=check.flag(body, "needs_consent", where),
            phone_first=check.flag(body, "phone_first", where),
        )
    return out


def read_specials(
    check: Checker, doc: YamlMap, routes: Mapping[str, RouteInfo], indicators: Mapping[str, Indicator]
) -> tuple[SpecialRoute, ...]:
    out = []
    facts = boolean_fields()
    for _, m, ident in check.listed(doc, "special_routes", "special route"):
        where = f"special route '{ident}'"
        check.keys(m, where, _SPECIAL_KEYS, _SPECIAL_OPTIONAL)
        route, fact = check.text(m, "route", where), check.text(m, "fact", where)
        if route is not None and route not in routes:
            check.err(m.lines["route"], f"{where} refers to unknown route '{route}'")
        if fact is not None and fact not in facts:
            check.err(m.lines["fact"], f"{where} refers to unknown fact '{fact}'")
        if "under_age_years" in m and "not_applicable_text" not in m:
            check.err(m.line, f"{where} gives under_age_years without not_applicable_text")
        if "roles" in m and "other_roles_text" not in m:
            check.err(m.line, f"{where} gives roles without other_roles_text")
        out.append(
            SpecialRoute(
                id=ident,
                route=route or "",
                fact=fact or "",
                text=check.template(m, "text", where) or "",
                child_protection=check.flag(m, "child_protection", where),
                under_age_years=check.years(m, "under_age_years", where),
                not_applicable_text=check.template(m, "not_applicable_text", where) or "",
                roles=check.words(m, "roles", where, REFERRER_ROLES, "referrer role"),
                other_roles_text=check.template(m, "other_roles_text", where) or "",
                indicators=check.words(m, "indicators", where, indicators, "indicator"),
            )
        )
    return tuple(out)


def read_route_choices(
    check: Checker, doc: YamlMap, routes: Mapping[str, RouteInfo]
) -> tuple[dict[int, str], str, str]:
    """level_routes, child_protection_route and allocated_worker_route."""
    m = check.mapping(doc, "level_routes", "the file") or YamlMap()
    level_routes: dict[int, str] = {}
    for key in sorted(set(LEVELS) - set(m)):
        check.err(m.line, f"level_routes is missing level {key}")
    for key in m:
        route = check.text(m, key, "level_routes")
        if key not in LEVELS:
            check.err(m.lines[key], f"level_routes has level {key!r}; levels are 1-4")
        elif route is not None and route not in routes:
            check.err(m.lines[key], f"level_routes: level {key} refers to unknown route '{route}'")
        else:
            level_routes[key] = route or ""
    chosen = []
    for key in ("child_protection_route", "allocated_worker_route"):
        route = check.text(doc, key, "the file")
        if route is not None and route not in routes:
            check.err(doc.lines[key], f"{key} refers to unknown route '{route}'")
        chosen.append(route or "")
    return level_routes, chosen[0], chosen[1]
