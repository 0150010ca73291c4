"""What the 2026.2 Blackpool rules change, replayed on the vignettes and on a synthetic store.

Off to the side of the flow (like `earlyhelp rules replay`): nothing here is used by the service.

    .venv/bin/python -m bench.rules_replay                 # vignettes, by name (pure, no database)
    .venv/bin/python -m bench.rules_replay seed DB_URL     # store the vignettes + synthetic requests in DB_URL

then, against that store, the operator command itself:

    DATABASE_URL=DB_URL RULES_FILE=routing/councils/blackpool-2026.1.yaml \\
        .venv/bin/earlyhelp rules replay --rules routing/councils/blackpool.yaml

Every request is synthetic (tests.hub.seed): no real child or family.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from routing import compare, evaluate, load_rules
from routing.facts import Facts
from tests.routing.test_routing_vignettes import VIGNETTES

OLD = Path(__file__).resolve().parent.parent / "routing" / "councils" / "blackpool-2026.1.yaml"
SYNTHETIC = 2000


def synthetic_facts(n: int = SYNTHETIC) -> list[dict[str, Any]]:
    """Requests as the 2026.1 intake could have stored them: one or two concern areas, then 1-5 of the signs the
    2026.1 conversation offered in those areas for the child's age (as a referrer ticks them), and the yes/no
    facts at plausible rates."""
    old = load_rules(OLD)
    categories = [c.id for c in old.categories]
    rng = random.Random(19)  # fixed seed: the same store every run
    out = []
    for _ in range(n):
        unborn = rng.random() < 0.06
        age = None if unborn else rng.choice([None, 0.4, 2, 4, 7, 10, 12, 13, 14, 15, 16, 17])
        offered = old.indicators_for(rng.sample(categories, rng.choice([1, 1, 2])), age, unborn)
        picked = rng.sample(offered, min(len(offered), rng.randint(1, 5))) if offered else []
        out.append(
            Facts(
                indicators=frozenset(i.id for i in picked),
                unborn=unborn,
                child_age_years=age,
                consent=rng.choice(["given", "given", "refused", "not_sought_risk", "not_asked"]),
                referrer_role=rng.choice(["teacher", "health", "police", "early_years", "social_care", "other"]),
                immediate_danger=rng.random() < 0.03,
                allegation_against_professional=rng.random() < 0.03,
                fgm_known=rng.random() < 0.01,
                private_fostering=rng.random() < 0.01,
                existing_social_worker=rng.random() < 0.1,
                early_help_plan_not_working=rng.random() < 0.1,
                child_disclosed_harm=rng.random() < 0.05,
            ).to_dict()
        )
    return out


def vignette_report() -> str:
    old, new = load_rules(OLD), load_rules()
    items = [(v.name, v.facts) for v in VIGNETTES]
    report = compare(old, new, items, max_examples=len(items))
    exact = sum(evaluate(new, Facts.from_dict(v.facts)).level == v.level for v in VIGNETTES)
    lines = [
        f"Vignettes: {report.total} replayed, {report.old_version} -> {report.new_version}",
        f"{report.changed} changed ({report.level_changed} level, {report.route_changed} route); "
        f"moves {dict(report.level_moves)}",
        f"Exact level on the 2026.2 rules: {exact}/{len(VIGNETTES)}",
    ]
    lines += [f"  {e.reference}: {e.old_level} {e.old_route} -> {e.new_level} {e.new_route}" for e in report.examples]
    store = compare(old, new, (("synthetic", f) for f in synthetic_facts()))
    lines += [
        f"Synthetic store ({SYNTHETIC} requests, pure): {store.changed} changed "
        f"({store.level_changed} level, {store.route_changed} route); moves {dict(store.level_moves)}",
    ]
    return "\n".join(lines)


def seed(database_url: str) -> int:
    """Store the vignettes and the synthetic requests in a migrated database, as the intake would have."""
    from app import create_app
    from tests.hub.seed import make_request

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "replay-bench-secret-key-of-32-characters!"})
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    rows = [v.facts for v in VIGNETTES] + synthetic_facts()
    with app.extensions["db"].transaction() as session:
        for facts in rows:
            make_request(session, now).facts = facts
    app.extensions["db"].dispose()
    return len(rows)


def main(argv: list[str]) -> None:
    if argv[:1] == ["seed"] and len(argv) == 2:
        print(f"stored {seed(argv[1])} synthetic requests in {argv[1]}")
    elif not argv:
        print(vignette_report())
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
