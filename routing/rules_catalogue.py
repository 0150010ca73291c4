"""Reading the catalogue sections: sources, levels, domains, concern categories and the indicators of need.

Place in the flow: load_rules() reads these after contacts; the indicators they produce are what the intake
offers as choices and what combination rules, special routes and keywords refer to by id.
"""

from __future__ import annotations

from collections.abc import Mapping

from routing.indicator import Category, Indicator
from routing.level_of_need import DOMAINS, LEVELS, Domain, LevelInfo
from routing.rules_checker import Checker
from routing.rules_yaml import YamlMap

_INDICATOR_KEYS = {"id", "level", "domain", "subdomain", "categories", "text", "source"}
_INDICATOR_OPTIONAL = {"min_age_years", "max_age_years", "pre_birth", "child_protection"}


def read_sources(check: Checker, doc: YamlMap) -> dict[str, str]:
    m = check.mapping(doc, "sources", "the file") or YamlMap()
    return {k: v for k in m if (v := check.text(m, k, "sources")) is not None}


def read_levels(check: Checker, doc: YamlMap) -> dict[int, LevelInfo]:
    m = check.mapping(doc, "levels", "the file") or YamlMap()
    out: dict[int, LevelInfo] = {}
    for key in sorted(set(LEVELS) - set(m)):
        check.err(m.line, f"levels is missing level {key}")
    for key, body in m.items():
        if key not in LEVELS:
            check.err(m.lines[key], f"levels has level {key!r}; levels are 1-4")
        elif not isinstance(body, YamlMap):
            check.err(m.lines[key], f"level {key} must be a mapping with name and summary")
        else:
            check.keys(body, f"level {key}", {"name", "summary"})
            name, summary = check.text(body, "name", f"level {key}"), check.text(body, "summary", f"level {key}")
            out[key] = LevelInfo(key, name or "", summary or "")
    return out


def read_domains(check: Checker, doc: YamlMap) -> dict[str, Domain]:
    m = check.mapping(doc, "domains", "the file") or YamlMap()
    out: dict[str, Domain] = {}
    for key in [d for d in DOMAINS if d not in m]:
        check.err(m.line, f"domains is missing '{key}'")
    for key, body in m.items():
        if key not in DOMAINS:
            check.err(m.lines[key], f"unknown domain '{key}'; domains are {', '.join(DOMAINS)}")
        elif not isinstance(body, YamlMap):
            check.err(m.lines[key], f"domain '{key}' must be a mapping with label and subdomains")
        else:
            check.keys(body, f"domain '{key}'", {"label", "subdomains"})
            subs = check.sequence(body, "subdomains", f"domain '{key}'") or ()
            out[key] = Domain(key, check.text(body, "label", f"domain '{key}'") or "", tuple(map(str, subs)))
    return out


def read_categories(check: Checker, doc: YamlMap) -> dict[str, Category]:
    out = {}
    for _, m, ident in check.listed(doc, "categories", "category"):
        where = f"category '{ident}'"
        check.keys(m, where, {"id", "label", "help"})
        out[ident] = Category(ident, check.text(m, "label", where) or "", check.text(m, "help", where) or "")
    return out


def read_indicators(
    check: Checker,
    doc: YamlMap,
    sources: Mapping[str, str],
    domains: Mapping[str, Domain],
    categories: Mapping[str, Category],
) -> dict[str, Indicator]:
    out = {}
    for _, m, ident in check.listed(doc, "indicators", "indicator"):
        where = f"indicator '{ident}'"
        check.keys(m, where, _INDICATOR_KEYS, _INDICATOR_OPTIONAL)
        level = check.level(m, "level", where)
        domain, subdomain = check.text(m, "domain", where), check.text(m, "subdomain", where)
        if domain is not None and domain not in domains:
            check.err(m.lines["domain"], f"{where} refers to unknown domain '{domain}'")
        elif domain is not None and subdomain is not None and subdomain not in domains[domain].subdomains:
            check.err(m.lines["subdomain"], f"{where} refers to unknown subdomain '{subdomain}' of {domain}")
        cats = check.words(m, "categories", where, categories, "category")
        source = check.text(m, "source", where)
        if source is not None and source not in sources:
            check.err(m.lines["source"], f"{where} refers to unknown source '{source}'")
        low, high = check.years(m, "min_age_years", where), check.years(m, "max_age_years", where)
        if low is not None and high is not None and low >= high:
            check.err(m.lines["max_age_years"], f"{where}: max_age_years {high:g} is not above min_age_years {low:g}")
        protection = check.flag(m, "child_protection", where)
        if protection and level is not None and level != 4:
            check.err(m.lines["child_protection"], f"{where}: child_protection applies only at level 4")
        out[ident] = Indicator(
            id=ident,
            domain=domain or "",
            subdomain=subdomain or "",
            level=level or 0,
            text=check.text(m, "text", where) or "",
            categories=cats,
            min_age_years=low,
            max_age_years=high,
            pre_birth=check.flag(m, "pre_birth", where),
            child_protection=protection,
            source=sources.get(source or "", ""),
        )
    return out
