"""The rules file's checker: typed accessors that record "file:line: fault" instead of raising, so one run
lists every fault in a file.

Place in the flow: load_rules() makes one Checker per file; each section reader (rules_contacts,
rules_catalogue, rules_routes, rules_combinations, rules_keywords) pulls values through it and the loader
raises RulesError with the whole list at the end.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

from routing.level_of_need import LEVELS
from routing.rules_yaml import YamlMap, YamlSeq

ID = re.compile(r"^[a-z][a-z0-9_]*$")


class Checker:
    """Collects errors for one file. Accessors return the value when present and of the right type;
    otherwise they record an error and return None."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.errors: list[str] = []
        # Contact details and timescales, filled in as those sections are read, for {placeholders} in texts.
        self.placeholders: dict[str, str] = {}

    def err(self, line: int, message: str) -> None:
        self.errors.append(f"{self.name}:{line}: {message}")

    def keys(self, m: YamlMap, where: str, required: set[str], optional: set[str] = frozenset()) -> None:
        for key in sorted(required - set(m)):
            self.err(m.line, f"{where} is missing '{key}'")
        for key in sorted(set(m) - required - optional, key=str):
            self.err(m.lines[key], f"{where} has unknown key '{key}'")

    def value(self, m: YamlMap, key: str, where: str, kind: type | tuple[type, ...], expect: str) -> Any:
        if key not in m:
            return None
        v = m[key]
        if isinstance(v, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            v = object()  # YAML's yes/no are not numbers or words here
        if not isinstance(v, kind) or (isinstance(v, str) and not v.strip()):
            self.err(m.lines[key], f"{where}: '{key}' must be {expect}, got {m[key]!r}")
            return None
        return v

    def text(self, m: YamlMap, key: str, where: str) -> str | None:
        return self.value(m, key, where, str, "some text")

    def flag(self, m: YamlMap, key: str, where: str) -> bool:
        return bool(self.value(m, key, where, bool, "true or false"))

    def whole(self, m: YamlMap, key: str, where: str, low: int = 0) -> int | None:
        v = self.value(m, key, where, int, f"a whole number from {low}")
        if v is not None and v < low:
            self.err(m.lines[key], f"{where}: '{key}' must be a whole number from {low}, got {v}")
            return None
        return v

    def level(self, m: YamlMap, key: str, where: str) -> int | None:
        v = self.value(m, key, where, int, "a level 1-4")
        if v is not None and v not in LEVELS:
            self.err(m.lines[key], f"{where} has {key} {v}; levels are 1-4")
            return None
        return v

    def years(self, m: YamlMap, key: str, where: str) -> float | None:
        v = self.value(m, key, where, (int, float), "a number of years")
        if v is not None and not 0 <= v <= 25:
            self.err(m.lines[key], f"{where}: '{key}' must be between 0 and 25 years, got {v}")
            return None
        return None if v is None else float(v)

    def mapping(self, m: YamlMap, key: str, where: str) -> YamlMap | None:
        return self.value(m, key, where, YamlMap, "a mapping (key: value lines)")

    def sequence(self, m: YamlMap, key: str, where: str) -> YamlSeq | None:
        return self.value(m, key, where, YamlSeq, "a list")

    def words(self, m: YamlMap, key: str, where: str, known: Mapping[str, Any] | Sequence[str], what: str) -> tuple:
        seq = self.sequence(m, key, where)
        out = []
        for i, item in enumerate(seq or ()):
            if item not in known:
                self.err(seq.lines[i], f"{where} refers to unknown {what} {item!r}")
            else:
                out.append(item)
        return tuple(out)

    def template(self, m: YamlMap, key: str, where: str) -> str | None:
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

    def listed(self, doc: YamlMap, key: str, what: str) -> list[tuple[int, YamlMap, str]]:
        """Items of a list section, each a mapping with a unique, well-formed id: (line, mapping, id)."""
        seq = self.sequence(doc, key, "the file") or YamlSeq()
        seen: dict[str, int] = {}
        out = []
        for i, item in enumerate(seq):
            line = seq.lines[i]
            if not isinstance(item, YamlMap):
                self.err(line, f"{key} entries must be mappings, got {item!r}")
                continue
            ident = item.get("id")
            if not isinstance(ident, str) or not ID.match(ident):
                self.err(line, f"{what} id {ident!r} must be lower_case_with_underscores")
            elif ident in seen:
                self.err(line, f"duplicate {what} id '{ident}' (first at line {seen[ident]})")
            else:
                seen[ident] = line
                out.append((line, item, ident))
        return out
