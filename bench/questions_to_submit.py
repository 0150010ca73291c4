"""How many questions a referrer answers to reach a submitted request, over the routing vignettes.

`PYTHONPATH=. python -m bench.questions_to_submit` drives the pure conversation engine once per vignette in
tests/routing/test_routing_vignettes.py, answering each question as the vignette's facts say (a first-time referrer,
and a returning one whose details are remembered), and prints the median and range of answers given, review and
submit included. It also checks the conversation reproduces each vignette's facts, so the count is of a
conversation that collected everything the rules use.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from intake.conversation import engine
from intake.conversation.question import Question
from intake.conversation.turn import Inbound, Turn
from intake.request_facts import facts_from_answers
from intake.working_day import LONDON
from routing import Facts, load_rules

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday morning, hub open
DEFAULT_AGE = 10.0
AGENCY_FOR_ROLE = {
    "teacher": "school",
    "health": "health_visiting",
    "police": "police",
    "social_care": "childrens_social_care",
    "early_years": "early_years",
    "other": "voluntary",
    "unknown": "school",
}
PROFILE = {
    "referrer_name": "Alex Example",
    "referrer_role": "Designated safeguarding lead",
    "referrer_agency": "school",
    "referrer_organisation": "Example Primary School",
    "referrer_phone": "01632 960123",
    "referrer_email": "alex@example.org",
}


def _dob(age: float, today: date) -> str:
    return (today - timedelta(days=round(age * 365.25) + 1)).strftime("%d/%m/%Y")


def categories_for(rules: Any, facts: Mapping[str, Any]) -> list[str]:
    chosen: list[str] = []
    for indicator in facts.get("indicators", []):
        if indicator not in rules.indicators:
            continue  # a vignette about unknown ids: no conversation can offer them
        first = rules.indicators[indicator].categories[0]
        if first not in chosen:
            chosen.append(first)
    if facts.get("fgm_known") or facts.get("non_mobile"):
        chosen.append("physical_harm")
    return chosen or ["neglect"]


def answer_for(question: Question, facts: Mapping[str, Any], rules: Any, today: date) -> Inbound:
    """What the referrer in this vignette would answer."""
    qid = question.id
    consent = facts.get("consent", "not_asked")
    age = facts.get("child_age_years")
    yes_no = {
        "immediate_danger": facts.get("immediate_danger", False),
        "carry_on_after_emergency": True,
        "child_unborn": facts.get("unborn", False),
        "interpreter_needed": False,
        # Immobile through disability: the only way a child of two or more is asked the non-mobile question.
        "child_disability": (bool(facts.get("non_mobile")) and (age or 0) >= 2)
        or facts.get("learning_disability", False),
        "private_fostering_28_days": True,
        "early_help_plan_not_working": facts.get("early_help_plan_not_working", False),
        "child_non_mobile": facts.get("non_mobile", False),
        "child_disclosed_harm": facts.get("child_disclosed_harm", False),
        "fgm_known": facts.get("fgm_known", False),
        "allegation_against_professional": facts.get("allegation_against_professional", False),
        "spoken_to_parents": consent in ("given", "refused"),
    }
    if qid in yes_no:
        return Inbound(choice="yes" if yes_no[qid] else "no")
    if question.kind == "indicators":
        wanted = set(facts.get("indicators", []))
        return Inbound(choices=tuple(c.value for c in question.choices if c.value in wanted))
    support = "none"
    if facts.get("existing_social_worker"):
        support = "social_worker"
    elif facts.get("early_help_plan_not_working"):
        support = "early_help"
    choices = {
        "referrer_confirm": "yes",
        "referrer_agency": AGENCY_FOR_ROLE[facts.get("referrer_role", "unknown")],
        "child_gender": "girl",
        "child_lives_with": "non_relative" if facts.get("private_fostering") else "both_parents",
        "existing_support": support,
        "consent": consent,
        "consent_not_sought": consent if consent in ("not_sought_risk", "not_asked") else "not_asked",
        "review": "submit",
    }
    if qid in choices:
        return Inbound(choice=choices[qid])
    if qid == "concern_categories":
        return Inbound(choices=tuple(categories_for(rules, facts)))
    texts = {
        "child_dob": _dob(DEFAULT_AGE if age is None else age, today),
        "child_due_date": (today + timedelta(days=120)).strftime("%d/%m/%Y"),
        "child_postcode": "FY1 1AA",
        "concern_details": "Synthetic vignette: what was seen and heard, described in the referrer's own words.",
        "concern_when": "Several times this term",
        "consent_risk_reason": "Asking would alert the adult who is harming the child.",
        "child_disability_details": "Learning disability" if facts.get("learning_disability") else "Uses a wheelchair",
        **PROFILE,
    }
    return Inbound(text=texts.get(qid, "skip" if question.optional else "Synthetic answer"))


def drive(flow: engine.Flow, facts: Mapping[str, Any], returning: bool) -> tuple[int, dict[str, Any], Turn]:
    """Answer every question until the request is ready to submit; return how many answers that took."""
    today = NOW.astimezone(LONDON).date()
    turn = engine.start(flow, NOW, PROFILE if returning else None)
    answered = 0
    for _ in range(200):
        question = engine.flow_question(flow, turn.state, turn.replies[-1].question_id or "", today)
        inbound = answer_for(question, facts, flow.rules, today)
        turn = engine.advance(flow, turn.state, inbound, NOW)
        if any(r.error for r in turn.replies):
            raise AssertionError(f"{question.id}: {turn.replies[0].text}")
        answered += 1
        if turn.action is not None:
            break
    answers, problems = engine.submission_problems(flow, {**turn.state, "status": "open"}, today)
    if problems:
        raise AssertionError(problems)
    return answered, answers, turn


def measure() -> dict[str, Any]:
    from tests.routing.test_routing_vignettes import VIGNETTES

    rules = load_rules()
    flow = engine.Flow.build(rules)
    today = NOW.astimezone(LONDON).date()
    counts: dict[bool, list[int]] = {False: [], True: []}
    mismatched: list[str] = []
    adults: list[str] = []
    for vignette in VIGNETTES:
        if (vignette.facts.get("child_age_years") or 0) >= 18:
            adults.append(vignette.name)  # the conversation stops with adult-services advice; nothing to submit
            continue
        for returning in (False, True):
            asked, answers, _ = drive(flow, vignette.facts, returning)
            counts[returning].append(asked)
        got = facts_from_answers(answers, today)
        known = [i for i in vignette.facts.get("indicators", []) if i in rules.indicators]
        wanted = Facts.from_dict({"referrer_role": "unknown", **vignette.facts, "indicators": known})
        if _comparable(got) != _comparable(wanted, default_age=got.child_age_years):
            mismatched.append(vignette.name)
    return {
        "vignettes": len(VIGNETTES) - len(adults),
        "adults": adults,
        "first_time": counts[False],
        "returning": counts[True],
        "bad": mismatched,
    }


def _comparable(facts: Facts, default_age: float | None = None) -> dict[str, Any]:
    out = facts.to_dict()
    out.pop("referrer_role")  # the bench answers 'school' for an unknown role
    if out["child_age_years"] is None and not out["unborn"]:
        out["child_age_years"] = default_age
    if out["child_age_years"] is not None:
        out["child_age_years"] = round(out["child_age_years"])
    return out


def run() -> str:
    m = measure()
    first, again = m["first_time"], m["returning"]
    lines = [
        "## Questions to reach submission",
        "",
        f"Over {m['vignettes']} routing vignettes, answers given from the first question to submit "
        "(review and submit included):",
        "",
        "| Referrer | Median | Fewest | Most |",
        "|---|---|---|---|",
        f"| First time | {statistics.median(first):g} | {min(first)} | {max(first)} |",
        f"| Returning (details confirmed) | {statistics.median(again):g} | {min(again)} | {max(again)} |",
        "",
        f"Left out: {len(m['adults'])} vignettes about someone aged 18 or over (the conversation gives adult-services "
        "advice and submits nothing).",
        "",
        f"Vignettes whose facts the conversation did not reproduce: {len(m['bad'])}"
        + (f" ({', '.join(m['bad'])})" if m["bad"] else ""),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
