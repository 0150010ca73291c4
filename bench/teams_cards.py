"""How many Teams cards a referrer fills in to submit a request, and how large those cards are, over the routing
vignettes (targets: at most 7 cards for a first-time referrer; every card under Teams' 28 KB).

Teams shows one page per card, exactly what intake.form_pages.page returns (bot/teams/pages.py), so this walks the
pages of the pure conversation once per vignette, first-time and returning, answering as bench.slack_views does, and
draws each page with the Teams card builders to measure its serialized size. The review card is counted; the result
card is not (nothing is asked on it). tests/bot/test_teams.py walks the same cards through signed requests.

Run alone: `BENCH_NO_WRITE=1 python -m bench teams_cards`.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from typing import Any

from bench import targets
from bench.questions_to_submit import NOW, PROFILE, answer_for
from bench.slack_views import _raw
from bot.teams import cards
from bot.teams.review_card import review_card, section_titles
from bot.teams.section_cards import section_card
from intake import form_pages
from intake.conversation import engine
from intake.conversation.plan import find, plan
from intake.working_day import LONDON
from routing import load_rules

CARDS_TARGET = 7
TEAMS_LIMIT = 28 * 1024


def _draw(flow: engine.Flow, forms: list[Any]) -> dict[str, Any]:
    first = forms[0].questions[0]
    if (first.hints or {}).get("kind") == "review":
        return review_card(first, "draft", sections=section_titles(flow), change_sections=[])
    return section_card(forms, "draft")


def walk(flow: engine.Flow, facts: Mapping[str, Any], returning: bool) -> tuple[int, int]:
    """(cards filled in, largest card in bytes) for one vignette."""
    today = NOW.astimezone(LONDON).date()
    state = engine.start(flow, NOW, PROFILE if returning else None, channel="teams").state
    shown, largest = 0, 0
    for _ in range(30):
        forms = form_pages.page(flow, state, NOW)
        shown += 1
        largest = max(largest, cards.size_of(_draw(flow, forms)))
        steps = plan(flow, state, today)
        given: dict[str, Any] = {}
        for form in forms:
            for qid in form.ids:
                question = find(steps, qid) or engine.flow_question(flow, state, qid, today)
                given[qid] = _raw(answer_for(question, facts, flow.rules, today))
        turn = form_pages.apply_page(flow, state, given, NOW)
        state = turn.state
        if turn.action is not None and not turn.errors:
            break
    return shown, largest


def measure() -> dict[str, Any]:
    from tests.routing.test_routing_vignettes import VIGNETTES

    flow = engine.Flow.build(load_rules())
    counts: dict[bool, list[int]] = {False: [], True: []}
    sizes: list[int] = []
    worst = (0, "")
    for vignette in VIGNETTES:
        if (vignette.facts.get("child_age_years") or 0) >= 18:
            continue  # the conversation ends with adult-services advice: nothing to submit
        for returning in (False, True):
            shown, largest = walk(flow, vignette.facts, returning)
            counts[returning].append(shown)
            sizes.append(largest)
            if not returning:
                worst = max(worst, (shown, vignette.name))
    return {"first_time": counts[False], "returning": counts[True], "sizes": sizes, "worst": worst}


def run() -> str:
    m = measure()
    first, again, sizes = m["first_time"], m["returning"], m["sizes"]
    targets.record(
        f"Teams: at most {CARDS_TARGET} cards a request, first-time referrer (every vignette)",
        max(first) <= CARDS_TARGET,
        f"median {statistics.median(first):g}, max {max(first)} over {len(first)} vignettes",
    )
    targets.record(
        "Teams: every card under 28 KB",
        max(sizes) < TEAMS_LIMIT,
        f"largest {max(sizes) / 1024:.1f} KB (median of each walk's largest {statistics.median(sizes) / 1024:.1f} KB)",
    )
    return "\n".join(
        [
            "## Teams cards to submit a request",
            "",
            f"Over {len(first)} vignettes, one card per page (section), review included: a first-time referrer fills "
            f"in median {statistics.median(first):g} cards (range {min(first)}-{max(first)}; most: {m['worst'][1]}), "
            f"a returning one median {statistics.median(again):g} (range {min(again)}-{max(again)}). The largest "
            f"card is {max(sizes) / 1024:.1f} KB (Teams refuses a message over 28 KB).",
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
