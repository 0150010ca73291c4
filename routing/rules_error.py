"""RulesError: a council's rules file cannot be used, with every fault found, each as "file:line: what".

Place in the flow: raised by load_rules() at start-up and by `earlyhelp rules check`; never by the engine,
which only ever sees a checked RuleSet.
"""

from __future__ import annotations

from collections.abc import Sequence


class RulesError(Exception):
    """The rules file cannot be used; `errors` lists every fault found, each as "file:line: what is wrong"."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: tuple[str, ...] = tuple(errors)
        super().__init__("\n".join(self.errors))
