"""Routing decisions per second: the pure engine over every vignette-like combination of catalogue indicators."""

from __future__ import annotations

import random
import time

from routing import Facts, evaluate, load_rules


def run() -> str:
    rules = load_rules()
    ids = list(rules.indicators)
    rng = random.Random(42)  # fixed seed: the same mix of facts every run
    facts = [
        Facts.from_dict(
            {
                "indicators": rng.sample(ids, rng.randint(0, 8)),
                "child_age_years": rng.choice([None, 0.5, 4, 9, 12, 15, 17]),
                "consent": rng.choice(["given", "refused", "not_sought_risk", "not_asked"]),
            }
        )
        for _ in range(2000)
    ]
    for f in facts[:200]:
        evaluate(rules, f)  # warm up
    n = 0
    started = time.perf_counter()
    while time.perf_counter() - started < 3.0:
        for f in facts:
            evaluate(rules, f)
        n += len(facts)
    seconds = time.perf_counter() - started
    loaded = time.perf_counter()
    for _ in range(20):
        load_rules()
    load_ms = (time.perf_counter() - loaded) / 20 * 1000
    return "\n".join(
        [
            "## Routing decisions",
            "",
            f"{n / seconds:,.0f} decisions/s on one core over {len(facts)} random fact sets of 0-8 indicators from "
            f"the {len(ids)}-indicator Blackpool catalogue; loading and validating the rules file "
            f"takes {load_ms:.0f} ms.",
            "",
        ]
    )
