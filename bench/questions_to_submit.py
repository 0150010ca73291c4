"""How many answers a referrer gives in the browser chat to reach a submitted request, over the routing vignettes.

`PYTHONPATH=. python -m bench.questions_to_submit` drives the pure conversation engine (channel "web", the browser
chat) once per vignette in tests/routing/test_routing_vignettes.py, as a first-time referrer and as a returning one
whose details are remembered, and prints the median and range of answers given, review and submit included.

The referrer starts with their own account of what happened (tests/routing/vignette_narratives.py, written in
practitioners' words, not the catalogue's), ticks the suggested signs that are the vignette's, and when a sign they
need is not among the suggestions, looks through the signs by area for it (each page answered counts). Everything
else is answered as the vignette's facts say. The walk also checks the conversation reproduces each vignette's facts,
so the count is of a conversation that collected everything the rules use; a question the facts need that is never
asked shows up as a mismatch.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from intake.conversation import engine
from intake.conversation.fills import BROWSE, NONE
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


GENERIC_ACCOUNT = "Synthetic vignette: the family asked for advice; nothing worrying seen or heard this term."
# What a referrer would say about the special facts a vignette without a written account leans on.
FACT_ACCOUNTS = {
    "child_disclosed_harm": "Synthetic vignette: this morning the child told me that someone at home hurts them.",
    "allegation_against_professional": "Synthetic vignette: a parent says a football coach grabbed the child.",
    "fgm_known": "Synthetic vignette: she told the school nurse she was cut during the summer holiday abroad.",
    "private_fostering": "Synthetic vignette: the child has been living with a family friend since the summer.",
    "non_mobile": "Synthetic vignette: the baby had a bruise on the cheek at the clinic today.",
    "unborn": "Synthetic vignette: the mother-to-be is pregnant and has missed her scans since August.",
}


def account_of(facts: Mapping[str, Any], written: str | None) -> str:
    """The vignette's written account, or a sentence about the special facts it leans on, or the generic one."""
    extra = [text for fact, text in FACT_ACCOUNTS.items() if facts.get(fact)]
    return " ".join([written or "", *extra]).strip() or GENERIC_ACCOUNT


SPECIAL_FACTS = {
    "non_mobile": "non_mobile",
    "disclosed": "child_disclosed_harm",
    "fgm": "fgm_known",
    "professional": "allegation_against_professional",
}


def answer_for(question: Question, facts: Mapping[str, Any], rules: Any, today: date) -> Inbound:
    """What the referrer in this vignette would answer."""
    qid = question.id
    consent = facts.get("consent", "not_asked")
    age = facts.get("child_age_years")
    offered = [c.value for c in question.choices]
    wanted = set(facts.get("indicators", []))
    # Immobile through disability: the only way a child of two or more is asked the non-mobile question.
    disabled = (bool(facts.get("non_mobile")) and (age or 0) >= 2) or bool(facts.get("learning_disability"))
    yes_no = {
        "immediate_danger": facts.get("immediate_danger", False),
        "carry_on_after_emergency": True,
        "child_unborn": facts.get("unborn", False),
        "interpreter_needed": False,
        "child_disability": disabled,
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
        return Inbound(choices=tuple(v for v in offered if v in wanted))
    if question.kind == "suggestions":
        ticked = [v for v in offered if v in wanted]
        missing = wanted - set(ticked) - {v for v in wanted if v not in rules.indicators}
        if not ticked:
            return Inbound(choices=(NONE,) if not missing else (BROWSE,))
        return Inbound(choices=(*ticked, BROWSE) if missing else tuple(ticked))
    if qid == "child_extras":
        ticks = ["disability"] if disabled else []
        if facts.get("existing_social_worker"):
            ticks.append("social_worker")
        elif facts.get("early_help_plan_not_working"):
            ticks.append("early_help")
        return Inbound(choices=tuple(t for t in ticks if t in offered) or (NONE,))
    if qid == "special_checks":
        ticks = [item for item, fact in SPECIAL_FACTS.items() if facts.get(fact) and item in offered]
        return Inbound(choices=tuple(ticks) or (NONE,))
    support = "none"
    if facts.get("existing_social_worker"):
        support = "social_worker"
    elif facts.get("early_help_plan_not_working"):
        support = "early_help"
    choices = {
        "referrer_confirm": "yes",
        "referrer_agency": AGENCY_FOR_ROLE[facts.get("referrer_role", "unknown")],
        "child_gender": facts.get("_gender", "girl"),
        "child_lives_with": "non_relative" if facts.get("private_fostering") else "both_parents",
        "existing_support": support,
        "consent": consent,
        "consent_not_sought": consent if consent in ("not_sought_risk", "not_asked") else "not_asked",
        "family_told": consent if consent in ("given", "refused", "not_sought_risk") else "not_asked",
        "review": "submit",
    }
    if qid in choices:
        return Inbound(choice=choices[qid])
    if qid == "concern_categories":
        return Inbound(choices=tuple(categories_for(rules, facts)))
    texts = {
        "concern_details": account_of(facts, facts.get("_account")),
        "child_disability_details": "Learning disability" if facts.get("learning_disability") else "Cerebral palsy",
        "child_name": "Sam Testchild",
        "child_first_name": "Sam",
        "child_last_name": "Testchild",
        "child_dob": _dob(DEFAULT_AGE if age is None else age, today),
        "child_due_date": (today + timedelta(days=120)).strftime("%d/%m/%Y"),
        "child_address": "1 Test Street, Blackpool FY1 1AA",
        "child_postcode": "FY1 1AA",
        "concern_when": "Several times this term",
        "consent_risk_reason": "Asking would alert the adult who is harming the child.",
        **PROFILE,
    }
    return Inbound(text=texts.get(qid, "skip" if question.optional else "Synthetic answer"))


def drive(
    flow: engine.Flow, facts: Mapping[str, Any], returning: bool, channel: str = "web"
) -> tuple[int, dict[str, Any], Turn]:
    """Answer every question until the request is ready to submit; return how many answers that took."""
    today = NOW.astimezone(LONDON).date()
    turn = engine.start(flow, NOW, PROFILE if returning else None, channel=channel)
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
    from tests.routing.vignette_narratives import NARRATIVES

    rules = load_rules()
    flow = engine.Flow.build(rules)
    today = NOW.astimezone(LONDON).date()
    counts: dict[bool, list[int]] = {False: [], True: []}
    mismatched: list[str] = []
    adults: list[str] = []
    for number, vignette in enumerate(VIGNETTES):
        if (vignette.facts.get("child_age_years") or 0) >= 18:
            adults.append(vignette.name)  # the conversation stops with adult-services advice; nothing to submit
            continue
        # The vignettes say nothing of gender: half girls, half boys (a girl whenever FGM is in the facts).
        gender = "girl" if vignette.facts.get("fgm_known") or number % 2 == 0 else "boy"
        walked = {**vignette.facts, "_account": NARRATIVES.get(vignette.name), "_gender": gender}
        for returning in (False, True):
            asked, answers, _ = drive(flow, walked, returning)
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
        out["child_age_years"] = round(out["child_age_years"] * 12)  # in months: a date of birth is whole days
    return out


def run() -> str:
    m = measure()
    first, again = m["first_time"], m["returning"]
    lines = [
        "## Answers to reach submission (browser chat)",
        "",
        f"Over {m['vignettes']} routing vignettes, answers given in the browser chat from the first question to "
        "submit (review and submit included), starting from the referrer's own account (vignette_narratives.py) "
        "and looking through the signs by area for any sign the suggestions missed (targets: first time <= 20, "
        "returning <= 14):",
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
