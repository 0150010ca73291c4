"""Reading a council's rules file: YAML in, a checked RuleSet out, or RulesError naming file:line for every
fault.

Place in the flow: runs once at start-up (and in `flask rules check`); the engine never sees an unchecked
file. The YAML loader keeps each node's line so a council officer editing the file is told exactly where to
look.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from routing.combination import KINDS, CombinationRule
from routing.consent import ConsentGuidance, ConsentText
from routing.contacts import WEEKDAYS, Contacts
from routing.facts import CONSENT_STATES, REFERRER_ROLES, boolean_fields
from routing.indicator import Category, Indicator
from routing.level_of_need import DOMAINS, LEVELS, Domain, LevelInfo
from routing.route import RouteInfo
from routing.ruleset import RuleSet
from routing.special_route import SpecialRoute
from routing.timescales import Timescales

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_TOP = (
    "council", "sources", "levels", "domains", "categories", "indicators", "combination_rules",
    "special_routes", "routes", "level_routes", "child_protection_route", "allocated_worker_route",
    "consent", "contacts", "timescales",
)  # fmt: skip
_CONTACT_TEXT = tuple(f.name for f in fields(Contacts) if f.name != "hub_hours")
_KIND_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # kind -> (required keys beyond id/kind/text, optional keys)
    "cumulative": ({"level", "min_count", "min_domains", "raises_to"}, {"child_protection", "next_step"}),
    "vulnerability": ({"raises_to"}, {"categories", "indicators", "min_level", "under_age_years", "fact",
                                      "child_protection", "next_step"}),
    "flag": ({"fact", "raises_to"}, {"child_protection", "next_step"}),
    "step_up": ({"fact"}, {"min_level", "next_step"}),
    "pre_birth": ({"raises_to"}, {"min_level", "child_protection", "next_step"}),
    "parallel": ({"next_step"}, {"categories", "indicators", "min_level"}),
}  # fmt: skip


class RulesError(Exception):
    """The rules file cannot be used; `errors` lists every fault found, each as "file:line: what is wrong"."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: tuple[str, ...] = tuple(errors)
        super().__init__("\n".join(self.errors))


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
    return _Reader(file.name, str(file)).read(data, contacts or {})


# --- YAML that remembers lines ----------------------------------------------------------------------------


class _Map(dict):
    line: int = 1
    lines: dict[Any, int]


class _Seq(list):
    line: int = 1
    lines: list[int]


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: bytes) -> None:
        super().__init__(stream)
        self.faults: list[tuple[int, str]] = []


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line, out.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int):
            loader.faults.append((line, "keys must be words or numbers, not a list or mapping"))
            continue
        if key in out:
            loader.faults.append((line, f"duplicate key {key!r} (first at line {out.lines[key]})"))
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.lines = node.start_mark.line + 1, [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


# --- checking -----------------------------------------------------------------------------------------------


class _Reader:
    """Checks one file, collecting every error before giving up, and builds the RuleSet when there are
    none."""

    def __init__(self, name: str, source_path: str) -> None:
        self.name = name
        self.source_path = source_path
        self.errors: list[str] = []
        self.placeholders: dict[str, str] = {}

    def err(self, line: int, message: str) -> None:
        self.errors.append(f"{self.name}:{line}: {message}")

    # Accessors: return the value when present and of the right type; otherwise record an error, return None.

    def keys(self, m: _Map, where: str, required: set[str], optional: set[str] = frozenset()) -> None:
        for key in sorted(required - set(m)):
            self.err(m.line, f"{where} is missing '{key}'")
        for key in sorted(set(m) - required - optional, key=str):
            self.err(m.lines[key], f"{where} has unknown key '{key}'")

    def value(self, m: _Map, key: str, where: str, kind: type | tuple[type, ...], expect: str) -> Any:
        if key not in m:
            return None
        v = m[key]
        if isinstance(v, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            v = object()  # YAML's yes/no are not numbers or words here
        if not isinstance(v, kind) or (isinstance(v, str) and not v.strip()):
            self.err(m.lines[key], f"{where}: '{key}' must be {expect}, got {m[key]!r}")
            return None
        return v

    def text(self, m: _Map, key: str, where: str) -> str | None:
        return self.value(m, key, where, str, "some text")

    def flag(self, m: _Map, key: str, where: str) -> bool:
        return bool(self.value(m, key, where, bool, "true or false"))

    def whole(self, m: _Map, key: str, where: str, low: int = 0) -> int | None:
        v = self.value(m, key, where, int, f"a whole number from {low}")
        if v is not None and v < low:
            self.err(m.lines[key], f"{where}: '{key}' must be a whole number from {low}, got {v}")
            return None
        return v

    def level(self, m: _Map, key: str, where: str) -> int | None:
        v = self.value(m, key, where, int, "a level 1-4")
        if v is not None and v not in LEVELS:
            self.err(m.lines[key], f"{where} has {key} {v}; levels are 1-4")
            return None
        return v

    def years(self, m: _Map, key: str, where: str) -> float | None:
        v = self.value(m, key, where, (int, float), "a number of years")
        if v is not None and not 0 <= v <= 25:
            self.err(m.lines[key], f"{where}: '{key}' must be between 0 and 25 years, got {v}")
            return None
        return None if v is None else float(v)

    def mapping(self, m: _Map, key: str, where: str) -> _Map | None:
        return self.value(m, key, where, _Map, "a mapping (key: value lines)")

    def sequence(self, m: _Map, key: str, where: str) -> _Seq | None:
        return self.value(m, key, where, _Seq, "a list")

    def words(self, m: _Map, key: str, where: str, known: Mapping[str, Any] | Sequence[str], what: str) -> tuple:
        seq = self.sequence(m, key, where)
        out = []
        for i, item in enumerate(seq or ()):
            if item not in known:
                self.err(seq.lines[i], f"{where} refers to unknown {what} {item!r}")
            else:
                out.append(item)
        return tuple(out)

    def template(self, m: _Map, key: str, where: str) -> str | None:
        raw = self.text(m, key, where)
        if raw is None:
            return None
        try:
            names = [field for _, field, _, _ in string.Formatter().parse(raw) if field is not None]
        except ValueError as exc:
            self.err(m.lines[key], f"{where}: '{key}' has a stray brace ({exc}); write {{{{ or }}}} for a brace")
            return None
        unknown = [n for n in names if n not in self.placeholders]
        if unknown:
            known = ", ".join(sorted(self.placeholders))
            self.err(m.lines[key], f"{where}: '{key}' uses unknown placeholder {{{unknown[0]}}}; known: {known}")
            return None
        return raw.format_map(self.placeholders)

    # Sections, in dependency order.

    def read(self, data: bytes, contact_overrides: Mapping[str, str]) -> RuleSet:
        try:
            loader = _Loader(data)  # the reader rejects control characters here, before parsing starts
            doc = loader.get_single_data()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise RulesError([f"{self.name}:{mark.line + 1}: not valid YAML: {exc.problem}"]) from exc
        except yaml.YAMLError as exc:
            raise RulesError([f"{self.name}:1: not valid YAML: {exc}"]) from exc
        for line, message in loader.faults:
            self.err(line, message)
        if not isinstance(doc, _Map):
            self.err(1, "the file must be a mapping of sections (council:, indicators:, ...)")
            raise RulesError(self.errors)
        self.keys(doc, "the file", set(_TOP))
        unknown_override = sorted(set(contact_overrides) - set(_CONTACT_TEXT))
        if unknown_override:
            raise RulesError([f"{self.name}: contact override(s) {unknown_override} are not contact fields"])

        council = self.mapping(doc, "council", "the file") or _Map()
        self.keys(council, "council", {"id", "name", "edition"}, {"threshold_document"})
        council_id, council_name = self.text(council, "id", "council"), self.text(council, "name", "council")
        edition = self.text(council, "edition", "council")
        contacts = self.read_contacts(doc, contact_overrides)
        timescales = self.read_timescales(doc)
        sources = self.read_sources(doc)
        levels = self.read_levels(doc)
        domains = self.read_domains(doc)
        categories = self.read_categories(doc)
        indicators = self.read_indicators(doc, sources, domains, categories)
        routes = self.read_routes(doc)
        rules = self.read_rules(doc, indicators, categories)
        specials = self.read_specials(doc, routes)
        level_routes, cp_route, worker_route = self.read_route_choices(doc, routes)
        consent = self.read_consent(doc)
        if self.errors:
            raise RulesError(self.errors)
        digest = hashlib.sha256(data).hexdigest()[:12]
        return RuleSet(
            council_id=council_id,
            council_name=council_name,
            version=f"{council_id}-{edition}+sha256:{digest}",
            source_path=self.source_path,
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
        )

    def read_contacts(self, doc: _Map, overrides: Mapping[str, str]) -> Contacts | None:
        m = self.mapping(doc, "contacts", "the file") or _Map()
        self.keys(m, "contacts", set(_CONTACT_TEXT) | {"hub_hours"})
        for key, value in overrides.items():
            m[key] = value
            m.lines.setdefault(key, m.line)
        values = {key: self.text(m, key, "contacts") for key in _CONTACT_TEXT}
        hours: dict[int, tuple[str, str]] = {}
        table = self.mapping(m, "hub_hours", "contacts") or _Map()
        for day, span in table.items():
            line = table.lines[day]
            if day not in WEEKDAYS:
                self.err(line, f"hub_hours: {day!r} is not a weekday name ({', '.join(WEEKDAYS)})")
            elif (
                not isinstance(span, list)
                or len(span) != 2
                or not all(isinstance(t, str) and _TIME.match(t) for t in span)
            ):
                self.err(line, f'hub_hours: {day} must be ["HH:MM", "HH:MM"] in quotes, got {span!r}')
            elif span[0] >= span[1]:
                self.err(line, f"hub_hours: {day} opens at {span[0]} but closes at {span[1]}")
            else:
                hours[WEEKDAYS.index(day)] = (span[0], span[1])
        if any(v is None for v in values.values()):
            return None
        contacts = Contacts(**values, hub_hours=dict(sorted(hours.items())))
        self.placeholders.update(values)
        self.placeholders["hub_hours"] = contacts.hours_text()
        return contacts

    def read_timescales(self, doc: _Map) -> Timescales | None:
        m = self.mapping(doc, "timescales", "the file") or _Map()
        names = [f.name for f in fields(Timescales)]
        self.keys(m, "timescales", set(names))
        values = {n: self.whole(m, n, "timescales") for n in names}
        self.placeholders.update({n: str(v) for n, v in values.items() if v is not None})
        return None if None in values.values() else Timescales(**values)

    def read_sources(self, doc: _Map) -> dict[str, str]:
        m = self.mapping(doc, "sources", "the file") or _Map()
        return {k: v for k in m if (v := self.text(m, k, "sources")) is not None}

    def read_levels(self, doc: _Map) -> dict[int, LevelInfo]:
        m = self.mapping(doc, "levels", "the file") or _Map()
        out: dict[int, LevelInfo] = {}
        for key in sorted(set(LEVELS) - set(m)):
            self.err(m.line, f"levels is missing level {key}")
        for key, body in m.items():
            if key not in LEVELS:
                self.err(m.lines[key], f"levels has level {key!r}; levels are 1-4")
            elif not isinstance(body, _Map):
                self.err(m.lines[key], f"level {key} must be a mapping with name and summary")
            else:
                self.keys(body, f"level {key}", {"name", "summary"})
                name, summary = (
                    self.text(body, "name", f"level {key}"),
                    self.text(body, "summary", f"level {key}"),
                )
                out[key] = LevelInfo(key, name or "", summary or "")
        return out

    def read_domains(self, doc: _Map) -> dict[str, Domain]:
        m = self.mapping(doc, "domains", "the file") or _Map()
        out: dict[str, Domain] = {}
        for key in [d for d in DOMAINS if d not in m]:
            self.err(m.line, f"domains is missing '{key}'")
        for key, body in m.items():
            if key not in DOMAINS:
                self.err(m.lines[key], f"unknown domain '{key}'; domains are {', '.join(DOMAINS)}")
            elif not isinstance(body, _Map):
                self.err(m.lines[key], f"domain '{key}' must be a mapping with label and subdomains")
            else:
                self.keys(body, f"domain '{key}'", {"label", "subdomains"})
                subs = self.sequence(body, "subdomains", f"domain '{key}'") or ()
                out[key] = Domain(key, self.text(body, "label", f"domain '{key}'") or "", tuple(map(str, subs)))
        return out

    def listed(self, doc: _Map, key: str, what: str) -> list[tuple[int, _Map, str]]:
        """Items of a list section, each a mapping with a unique, well-formed id: (line, mapping, id)."""
        seq = self.sequence(doc, key, "the file") or _Seq()
        seen: dict[str, int] = {}
        out = []
        for i, item in enumerate(seq):
            line = seq.lines[i]
            if not isinstance(item, _Map):
                self.err(line, f"{key} entries must be mappings, got {item!r}")
                continue
            ident = item.get("id")
            if not isinstance(ident, str) or not _ID.match(ident):
                self.err(line, f"{what} id {ident!r} must be lower_case_with_underscores")
            elif ident in seen:
                self.err(line, f"duplicate {what} id '{ident}' (first at line {seen[ident]})")
            else:
                seen[ident] = line
                out.append((line, item, ident))
        return out

    def read_categories(self, doc: _Map) -> dict[str, Category]:
        out = {}
        for _, m, ident in self.listed(doc, "categories", "category"):
            where = f"category '{ident}'"
            self.keys(m, where, {"id", "label", "help"})
            out[ident] = Category(ident, self.text(m, "label", where) or "", self.text(m, "help", where) or "")
        return out

    def read_indicators(
        self,
        doc: _Map,
        sources: Mapping[str, str],
        domains: Mapping[str, Domain],
        categories: Mapping[str, Category],
    ) -> dict[str, Indicator]:
        out = {}
        required = {"id", "level", "domain", "subdomain", "categories", "text", "source"}
        optional = {"min_age_years", "max_age_years", "pre_birth", "child_protection"}
        for _, m, ident in self.listed(doc, "indicators", "indicator"):
            where = f"indicator '{ident}'"
            self.keys(m, where, required, optional)
            level = self.level(m, "level", where)
            domain, subdomain = self.text(m, "domain", where), self.text(m, "subdomain", where)
            if domain is not None and domain not in domains:
                self.err(m.lines["domain"], f"{where} refers to unknown domain '{domain}'")
            elif domain is not None and subdomain is not None and subdomain not in domains[domain].subdomains:
                self.err(m.lines["subdomain"], f"{where} refers to unknown subdomain '{subdomain}' of {domain}")
            cats = self.words(m, "categories", where, categories, "category")
            source = self.text(m, "source", where)
            if source is not None and source not in sources:
                self.err(m.lines["source"], f"{where} refers to unknown source '{source}'")
            low, high = self.years(m, "min_age_years", where), self.years(m, "max_age_years", where)
            if low is not None and high is not None and low >= high:
                self.err(
                    m.lines["max_age_years"],
                    f"{where}: max_age_years {high:g} is not above min_age_years {low:g}",
                )
            protection = self.flag(m, "child_protection", where)
            if protection and level is not None and level != 4:
                self.err(m.lines["child_protection"], f"{where}: child_protection applies only at level 4")
            out[ident] = Indicator(
                id=ident,
                domain=domain or "",
                subdomain=subdomain or "",
                level=level or 0,
                text=self.text(m, "text", where) or "",
                categories=cats,
                min_age_years=low,
                max_age_years=high,
                pre_birth=self.flag(m, "pre_birth", where),
                child_protection=protection,
                source=sources.get(source or "", ""),
            )
        return out

    def read_routes(self, doc: _Map) -> dict[str, RouteInfo]:
        m = self.mapping(doc, "routes", "the file") or _Map()
        out = {}
        for ident, body in m.items():
            where = f"route '{ident}'"
            if not isinstance(ident, str) or not _ID.match(ident) or not isinstance(body, _Map):
                self.err(m.lines[ident], f"{where} must be a lower_case id with a mapping of details")
                continue
            self.keys(body, where, {"level", "label", "next_steps", "timescale", "needs_consent", "phone_first"})
            level = None if body.get("level") is None else self.level(body, "level", where)
            out[ident] = RouteInfo(
                id=ident,
                level=level,
                label=self.text(body, "label", where) or "",
                next_steps=self.template(body, "next_steps", where) or "",
                timescale=self.template(body, "timescale", where) or "",
                needs_consent=self.flag(body, "needs_consent", where),
                phone_first=self.flag(body, "phone_first", where),
            )
        return out

    def read_rules(
        self, doc: _Map, indicators: Mapping[str, Indicator], categories: Mapping[str, Category]
    ) -> tuple[CombinationRule, ...]:
        out = []
        facts = boolean_fields()
        for _, m, ident in self.listed(doc, "combination_rules", "rule"):
            where = f"rule '{ident}'"
            kind = m.get("kind")
            if kind not in KINDS:
                self.err(m.lines.get("kind", m.line), f"{where} has kind {kind!r}; kinds are {', '.join(KINDS)}")
                continue
            required, optional = _KIND_KEYS[kind]
            self.keys(m, where, required | {"id", "kind", "text"}, optional)
            if kind in ("vulnerability", "parallel") and not ({"categories", "indicators"} & set(m)):
                self.err(m.line, f"{where} must name categories or indicators")
            if kind == "vulnerability" and not ({"under_age_years", "fact"} & set(m)):
                self.err(m.line, f"{where} must give under_age_years or fact (who is vulnerable)")
            fact = self.text(m, "fact", where)
            if fact is not None and fact not in facts:
                self.err(m.lines["fact"], f"{where} refers to unknown fact '{fact}'; facts are {', '.join(facts)}")
            out.append(
                CombinationRule(
                    id=ident,
                    kind=kind,
                    text=self.template(m, "text", where) or "",
                    next_step=self.template(m, "next_step", where),
                    level=self.level(m, "level", where),
                    min_count=self.whole(m, "min_count", where, low=1) or 0,
                    min_domains=self.whole(m, "min_domains", where, low=1) or 0,
                    raises_to=self.level(m, "raises_to", where),
                    child_protection=self.flag(m, "child_protection", where),
                    fact=fact,
                    under_age_years=self.years(m, "under_age_years", where),
                    categories=self.words(m, "categories", where, categories, "category"),
                    indicators=self.words(m, "indicators", where, indicators, "indicator"),
                    min_level=self.level(m, "min_level", where) or 1,
                )
            )
        return tuple(out)

    def read_specials(self, doc: _Map, routes: Mapping[str, RouteInfo]) -> tuple[SpecialRoute, ...]:
        out = []
        facts = boolean_fields()
        required = {"id", "route", "fact", "text"}
        optional = {"child_protection", "under_age_years", "not_applicable_text", "roles", "other_roles_text"}
        for _, m, ident in self.listed(doc, "special_routes", "special route"):
            where = f"special route '{ident}'"
            self.keys(m, where, required, optional)
            route, fact = self.text(m, "route", where), self.text(m, "fact", where)
            if route is not None and route not in routes:
                self.err(m.lines["route"], f"{where} refers to unknown route '{route}'")
            if fact is not None and fact not in facts:
                self.err(m.lines["fact"], f"{where} refers to unknown fact '{fact}'")
            if "under_age_years" in m and "not_applicable_text" not in m:
                self.err(m.line, f"{where} gives under_age_years without not_applicable_text")
            if "roles" in m and "other_roles_text" not in m:
                self.err(m.line, f"{where} gives roles without other_roles_text")
            out.append(
                SpecialRoute(
                    id=ident,
                    route=route or "",
                    fact=fact or "",
                    text=self.template(m, "text", where) or "",
                    child_protection=self.flag(m, "child_protection", where),
                    under_age_years=self.years(m, "under_age_years", where),
                    not_applicable_text=self.template(m, "not_applicable_text", where) or "",
                    roles=self.words(m, "roles", where, REFERRER_ROLES, "referrer role"),
                    other_roles_text=self.template(m, "other_roles_text", where) or "",
                )
            )
        return tuple(out)

    def read_route_choices(self, doc: _Map, routes: Mapping[str, RouteInfo]) -> tuple[dict[int, str], str, str]:
        m = self.mapping(doc, "level_routes", "the file") or _Map()
        level_routes: dict[int, str] = {}
        for key in sorted(set(LEVELS) - set(m)):
            self.err(m.line, f"level_routes is missing level {key}")
        for key in m:
            route = self.text(m, key, "level_routes")
            if key not in LEVELS:
                self.err(m.lines[key], f"level_routes has level {key!r}; levels are 1-4")
            elif route is not None and route not in routes:
                self.err(m.lines[key], f"level_routes: level {key} refers to unknown route '{route}'")
            else:
                level_routes[key] = route or ""
        chosen = []
        for key in ("child_protection_route", "allocated_worker_route"):
            route = self.text(doc, key, "the file")
            if route is not None and route not in routes:
                self.err(doc.lines[key], f"{key} refers to unknown route '{route}'")
            chosen.append(route or "")
        return level_routes, chosen[0], chosen[1]

    def read_consent(self, doc: _Map) -> ConsentGuidance:
        m = self.mapping(doc, "consent", "the file") or _Map()
        self.keys(m, "consent", {"when_needed", "when_not_needed"})
        tables: dict[str, dict[str, ConsentText]] = {}
        for part in ("when_needed", "when_not_needed"):
            table = self.mapping(m, part, "consent") or _Map()
            self.keys(table, f"consent {part}", set(CONSENT_STATES))
            tables[part] = {}
            for state in CONSENT_STATES:
                body = self.mapping(table, state, f"consent {part}")
                if body is not None:
                    where = f"consent {part} {state}"
                    self.keys(body, where, {"reason"}, {"next_step"})
                    text = self.template(body, "reason", where) or ""
                    tables[part][state] = ConsentText(text, self.template(body, "next_step", where))
        return ConsentGuidance(tables["when_needed"], tables["when_not_needed"])
