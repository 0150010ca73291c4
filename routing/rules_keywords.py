"""Reading the optional `keywords:` section: the words practitioners use for each indicator ("older
boyfriend", "no food"), which the suggester indexes beside the indicator texts.

Place in the flow: load_rules() reads it after the indicators (keys must be indicator ids); the result is
RuleSet.keywords, {indicator_id: (word, ...)}. Reviewed like the rest of the rules: `earlyhelp rules check`
reports an unknown id, an empty list, or a word that is empty, not text, not lower case, repeated, has
nothing to match on, or is a sentence rather than a phrase, with its line.
"""

from __future__ import annotations

from collections.abc import Mapping

from routing.indicator import Indicator
from routing.rules_checker import Checker
from routing.rules_yaml import YamlMap, YamlSeq
from routing.suggest import keyword_problem


def read_keywords(check: Checker, doc: YamlMap, indicators: Mapping[str, Indicator]) -> dict[str, tuple[str, ...]]:
    if "keywords" not in doc:
        return {}
    table = check.mapping(doc, "keywords", "the file")
    out: dict[str, tuple[str, ...]] = {}
    for ident, words in (table or YamlMap()).items():
        line = table.lines[ident]
        if ident not in indicators:
            check.err(line, f"keywords refers to unknown indicator {ident!r}")
            continue
        if not isinstance(words, YamlSeq) or not words:
            check.err(line, f"keywords for '{ident}' must be a list of words or phrases, got {words!r}")
            continue
        seen: dict[str, int] = {}
        for i, word in enumerate(words):
            where = words.lines[i]
            if not isinstance(word, str) or not word.strip():
                check.err(where, f"keywords for '{ident}': each entry must be a word or phrase, got {word!r}")
            elif word != word.strip().lower():
                check.err(where, f"keywords for '{ident}': write {word!r} in lower case without outer spaces")
            elif word in seen:
                check.err(where, f"keywords for '{ident}': {word!r} is repeated (first at line {seen[word]})")
            elif problem := keyword_problem(word):
                check.err(where, f"keywords for '{ident}': {word!r} {problem}")
            else:
                seen[word] = where
        out[ident] = tuple(seen)
    return out
