"""How many Slack modal views a referrer goes through to submit a request, over the routing vignettes (target: at
most 7 for a first-time referrer).

The Slack modal shows one page per view (bot/slack/pages.py draws exactly what intake.form_pages.page returns), so
this walks the pages of the pure conversation once per vignette in tests/routing/test_routing_vignettes.py,
answering each field as the vignette's facts say (bench.questions_to_submit.answer_for, the answers bench's own
referrer), first-time and returning (details remembered), review and submit included. It also checks the pages
collected each vignette's facts. tests/bot/test_slack_intake.py walks the same pages through signed Slack requests.

Run alone: `BENCH_NO_WRITE=1 python -m bench slack_views`.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from typing import Any

from bench import targets
from bench.questions_to_submit import NOW, PROFILE, _comparable, answer_for
from intake import form_pages
from intake.conversation import engine
from intake.conversation.plan import find, plan
from intake.conversation.turn import Inbound
from intake.request_facts import facts_from_answers
from intake.working_day import LONDON
from routing import Facts, load_rules

VIEWS_TARGET = 7


def _raw(inbound: Inbound) -> Any:
    """An Inbound as a form field holds it: a value, a list of values, or text (a chat 'skip' is a field left empty)."""
    if inbound.choices is not None:
        return list(inbound.choices)
    if inbound.choice is not None:
        return inbound.choice
    return "" if inbound.text == "skip" else inbound.text


def walk(flow: engine.Flow, facts: Mapping[str, Any], returning: bool) -> tuple[int, dict[str, Any]]:
    """Fill in page after page until the request is submitted; return the pages (views) it took and the answers."""
    today = NOW.astimezone(LONDON).date()
    state = engine.start(flow, NOW, PROFILE if returning else None, channel="slack").state
    views = 0
    for _ in range(30):
        forms = form_pages.page(flow, state, NOW)
        views += 1
        steps = plan(flow, state, today)
        given: dict[str, Any] = {}
        for form in forms:
            for qid in form.ids:
                question = find(steps, qid) or engine.flow_question(flow, state, qid, today)
                given[qid] = _raw(answer_for(question, facts, flow.rules, today))
        turn = form_pages.apply_page(flow, state, given, NOW)
        if turn.errors:
            # A page field that only applied after an earlier answer on the same page: Slack shows the page again
            # with the message under that field, and the person answers it there (one more view).
            state = turn.state
            continue
        state = turn.state
        if turn.action is not None:
            break
    answers, problems = engine.submission_problems(flow, {**state, "status": "open"}, today)
    if problems:
        raise AssertionError(problems)
    return views, answers


def measure() -> dict[str, Any]:
    from tests.routing.test_routing_vignettes import VIGNETTES

    rules = load_rules()
    flow = engine.Flow.build(rules)
    today = NOW.astimezone(LONDON).date()
    counts: dict[bool, list[int]] = {False: [], True: []}
    worst: dict[bool, tuple[int, str]] = {False: (0, ""), True: (0, "")}
    mismatched: list[str] = []
    for vignette in VIGNETTES:
        if (vignette.facts.get("child_age_years") or 0) >= 18:
            continue  # the conversation ends with adult-services advice: nothing to submit
        for returning in (False, True):
            views, answers = walk(flow, vignette.facts, returning)
            counts[returning].append(views)
            worst[returning] = max(worst[returning], (views, vignette.name))
        got = facts_from_answers(answers, today)
        known = [i for i in vignette.facts.get("indicators", []) if i in rules.indicators]
        wanted = Facts.from_dict({"referrer_role": "unknown", **vignette.facts, "indicators": known})
        if _comparable(got) != _comparable(wanted, default_age=got.child_age_years):
            mismatched.append(vignette.name)
    return {"first_time": counts[False], "returning": counts[True], "worst": worst, "bad": mismatched}


def run() -> str:
    m = measure()
    first, again = m["first_time"], m["returning"]
    targets.record(
        f"Slack: at most {VIEWS_TARGET} views a request, first-time referrer (every vignette)",
        max(first) <= VIEWS_TARGET,
        f"median {statistics.median(first):g}, max {max(first)} over {len(first)} vignettes",
    )
    lines = [
        "## Slack modal views to submit a request",
        "",
        f"Over {len(first)} vignettes, one page (section) per view, review and submit included: a first-time "
        f"referrer goes through median {statistics.median(first):g} views (range {min(first)}-{max(first)}), a "
        f"returning one median {statistics.median(again):g} (range {min(again)}-{max(again)}; most: "
        f"{m['worst'][True][1]}, the 999 advice's page and the remembered details' confirmation).",
        "",
    ]
    if m["bad"]:
        lines += [f"Facts not reproduced (as in the answers bench): {', '.join(m['bad'])}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
