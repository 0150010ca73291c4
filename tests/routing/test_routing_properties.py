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
)


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
