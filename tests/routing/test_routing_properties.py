"""Property tests: evaluate() is total on valid Facts, and a level-4 indicator always means level 4."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from routing import Facts, evaluate, load_rules
from routing.facts import CONSENT_STATES, REFERRER_ROLES

RULES = load_rules()
IDS = sorted(RULES.indicators)
LEVEL_4 = {i.id for i in RULES.indicators.values() if i.level == 4}
CP = {i.id for i in RULES.indicators.values() if i.child_protection}
FLAGS = (
    "immediate_danger",
    "allegation_against_professional",
    "fgm_known",
    "private_fostering",
    "existing_social_worker",
    "early_help_plan_not_working",
    "non_mobile",
    "child_disclosed_harm",
    "learning_disability",
)
EXPLOITATION = sorted(i.id for i in RULES.indicators.values() if "exploitation" in i.categories and i.level >= 2)
LEVEL_1 = sorted(i.id for i in RULES.indicators.values() if i.level == 1)


@st.composite
def facts(draw: st.DrawFn) -> Facts:
    unborn = draw(st.booleans())
    age = None if unborn else draw(st.none() | st.floats(min_value=0, max_value=25, allow_nan=False))
    ids = draw(st.sets(st.sampled_from(IDS)) | st.sets(st.sampled_from([*IDS, "zz_unknown", "x"]), max_size=4))
    return Facts(
        indicators=frozenset(ids),
        unborn=unborn,
        child_age_years=age,
        consent=draw(st.sampled_from(CONSENT_STATES)),
        referrer_role=draw(st.sampled_from(REFERRER_ROLES)),
        **{flag: draw(st.booleans()) for flag in FLAGS},
    )


@settings(max_examples=400, deadline=None)
@given(facts())
def test_evaluate_never_raises_and_keeps_the_child_protection_signal(f: Facts) -> None:
    decision = evaluate(RULES, f)
    assert 1 <= decision.level <= 4
    assert decision.route in RULES.routes
    assert decision.rules_version == RULES.version
    if f.indicators & LEVEL_4:
        assert decision.level == 4
    if f.indicators & CP:
        assert decision.phone_first
        assert decision.route in (
            "hub_child_protection",
            "emergency",
            "lado",
            "police_fgm",
            "private_fostering",
        )
        if decision.route != "hub_child_protection":
            assert {"also_contact_hub"} <= set(decision.codes()), decision.codes()
    assert Facts.from_dict(f.to_dict()) == f


@settings(max_examples=300, deadline=None)
@given(facts(), st.sampled_from(IDS))
def test_adding_a_sign_never_lowers_the_level(f: Facts, extra: str) -> None:
    more = Facts.from_dict({**f.to_dict(), "indicators": sorted(f.indicators | {extra})})
    assert evaluate(RULES, more).level >= evaluate(RULES, f).level


@settings(max_examples=300, deadline=None)
@given(facts(), st.sampled_from(EXPLOITATION), st.floats(min_value=0, max_value=13.99) | st.none())
def test_any_exploitation_sign_under_14_or_with_a_learning_disability_is_child_protection(
    f: Facts, sign: str, age: float | None
) -> None:
    data = {**f.to_dict(), "indicators": sorted(f.indicators | {sign}), "unborn": False, "child_age_years": age}
    if age is None:
        data["learning_disability"] = True
    decision = evaluate(RULES, Facts.from_dict(data))
    assert decision.level == 4 and decision.phone_first
    assert decision.route in ("hub_child_protection", "emergency", "lado", "police_fgm", "private_fostering")


@settings(max_examples=300, deadline=None)
@given(st.sets(st.sampled_from(LEVEL_1)), st.none() | st.floats(min_value=0, max_value=17.9))
def test_level_1_signs_alone_never_give_more_than_level_1(ids: set[str], age: float | None) -> None:
    decision = evaluate(RULES, Facts(indicators=frozenset(ids), child_age_years=age))
    assert decision.level == 1


ROUTE_SIGNS = {i for special in RULES.special_routes for i in special.indicators}


@settings(max_examples=300, deadline=None)
@given(facts())
def test_a_strength_is_never_a_reason_for_a_higher_level(f: Facts) -> None:
    decision = evaluate(RULES, f)
    if decision.level > 1:
        shown = {r.indicator_id for r in decision.reasons if r.code == "indicator"}
        assert not shown & (set(LEVEL_1) - ROUTE_SIGNS)
    for r in decision.reasons:
        if r.rule_id and r.indicator_id:  # a rule that fired names the sign it matched: never a strength
            assert RULES.indicators[r.indicator_id].level >= 2


@settings(max_examples=300, deadline=None)
@given(facts())
def test_next_steps_never_ask_for_what_was_just_sent_and_phone_first_comes_first(f: Facts) -> None:
    # Decisions are shown after the bot has sent the request to the hub (intake.service).
    decision = evaluate(RULES, f)
    text = decision.next_steps
    assert RULES.contacts.portal not in text and RULES.contacts.hub_email not in text
    assert "Before you submit" not in text and "attach it" not in text.lower()
    if decision.phone_first:
        first = text.split("\n\n")[0].lower()
        assert first.startswith(("phone", "call 999", "report to the police")), text
