"""Reading a council's rules file: YAML in, a checked RuleSet out, or RulesError naming file:line for every
fault.

Place in the flow: runs once at start-up (and in `earlyhelp rules check`); the engine never sees an unchecked
file. This module only orders the work: rules_yaml parses keeping lines, rules_checker collects faults, and
one reader per subject checks each section (rules_contacts, rules_catalogue, rules_routes,
rules_combinations, rules_consent, rules_keywords).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from routing.rules_catalogue import read_categories, read_domains, read_indicators, read_levels, read_sources
from routing.rules_checker import Checker
from routing.rules_combinations import read_rules
from routing.rules_consent import read_consent
from routing.rules_contacts import CONTACT_TEXT, read_contacts, read_timescales
from routing.rules_error import RulesError
from routing.rules_keywords import read_keywords
from routing.rules_routes import read_route_choices, read_routes, read_specials
from routing.rules_yaml import YamlMap, parse
from routing.ruleset import RuleSet

__all__ = ["RulesError", "default_rules_path", "load_rules"]

_TOP = (
    "council", "sources", "levels", "domains", "categories", "indicators", "combination_rules",
    "special_routes", "routes", "level_routes", "child_protection_route", "allocated_worker_route",
    "consent", "contacts", "timescales",
)  # fmt: skip
_TOP_OPTIONAL = {"keywords"}


def default_rules_path() -> Path:
    return Path(__file__).parent / "councils" / "blackpool.yaml"


def load_rules(path: str | Path | None = None, *, contacts: Mapping[str, str] | None = None) -> RuleSet:
    """Load and check a council's rules. `contacts` replaces contact details (e.g. real numbers from the
    environment) before texts are rendered; it does not change `version`, which hashes the file's bytes."""
    file = Path(path) if path is not None else default_rules_path()
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise RulesError([f"{file.name}: cannot read the file ({exc.strerror})"]) from exc
    return _read(data, file.name, str(file), contacts or {})


def _read(data: bytes, name: str, source_path: str, contact_overrides: Mapping[str, str]) -> RuleSet:
    check = Checker(name)
    doc, faults = parse(data, name)
    for line, message in faults:
        check.err(line, message)
    if not isinstance(doc, YamlMap):
        check.err(1, "the file must be a mapping of sections (council:, indicators:, ...)")
        raise RulesError(check.errors)
    check.keys(doc, "the file", set(_TOP), _TOP_OPTIONAL)
    unknown_override = sorted(set(contact_overrides) - set(CONTACT_TEXT))
    if unknown_override:
        raise RulesError([f"{name}: contact override(s) {unknown_override} are not contact fields"])

    council = check.mapping(doc, "council", "the file") or YamlMap()
    check.keys(council, "council", {"id", "name", "edition"}, {"threshold_document"})
    council_id, council_name = check.text(council, "id", "council"), check.text(council, "name", "council")
    edition = check.text(council, "edition", "council")
    contacts = read_contacts(check, doc, contact_overrides)
    timescales = read_timescales(check, doc)
    sources = read_sources(check, doc)
    levels = read_levels(check, doc)
    domains = read_domains(check, doc)
    categories = read_categories(check, doc)
    indicators = read_indicators(check, doc, sources, domains, categories)
    keywords = read_keywords(check, doc, indicators)
    routes = read_routes(check, doc)
    rules = read_rules(check, doc, indicators, categories)
    specials = read_specials(check, doc, routes, indicators)
    level_routes, cp_route, worker_route = read_route_choices(check, doc, routes)
    consent = read_consent(check, doc)
    if check.errors:
        raise RulesError(check.errors)
    digest = hashlib.sha256(data).hexdigest()[:12]
    return RuleSet(
        council_id=council_id,
        council_name=council_name,
        version=f"{council_id}-{edition}+sha256:{digest}",
        source_path=source_path,
        levels=levels,
        domains=domains,
        categories=tuple(categories.values()),
        indicators=indicators,
        sources=sources,
        combination_rules=rules,
        special_routes=specials,
        routes=routes,
        level_routes=level_routes,
        child_protection_route=cp_route,
        allocated_worker_route=worker_route,
        consent=consent,
        contacts=contacts,
        timescales=timescales,
        keywords=keywords,
    )
