"""Reading the consent section: what a decision says about the family's consent, for routes that need it and
for those that do not.

Place in the flow: read last by load_rules(); the engine adds one of these texts to every decision.
"""

from __future__ import annotations

from routing.consent import ConsentGuidance, ConsentText
from routing.facts import CONSENT_STATES
from routing.rules_checker import Checker
from routing.rules_yaml import YamlMap


def read_consent(check: Checker, doc: YamlMap) -> ConsentGuidance:
    m = check.mapping(doc, "consent", "the file") or YamlMap()
    check.keys(m, "consent", {"when_needed", "when_not_needed"})
    tables: dict[str, dict[str, ConsentText]] = {}
    for part in ("when_needed", "when_not_needed"):
        table = check.mapping(m, part, "consent") or YamlMap()
        check.keys(table, f"consent {part}", set(CONSENT_STATES))
        tables[part] = {}
        for state in CONSENT_STATES:
            body = check.mapping(table, state, f"consent {part}")
            if body is not None:
                where = f"consent {part} {state}"
                check.keys(body, where, {"reason"}, {"next_step"})
                text = check.template(body, "reason", where) or ""
                tables[part][state] = ConsentText(text, check.template(body, "next_step", where))
    return ConsentGuidance(tables["when_needed"], tables["when_not_needed"])
