"""Facts and Decision as data: strict parsing with field-named errors, and lossless round trips."""

from __future__ import annotations

import json

import pytest

from routing import Decision, Facts, Reason, RuleSet, evaluate


def test_defaults_and_round_trip() -> None:
    facts = Facts()
    assert facts.indicators == frozenset() and facts.consent == "not_asked" and facts.referrer_role == "unknown"
    full = Facts.from_dict(
        {
            "indicators": ["ne_02", "ed_03"],
            "immediate_danger": False,
            "child_age_years": 7,
            "consent": "given",
            "allegation_against_professional": True,
            "referrer_role": "teacher",
        }
    )
    assert full.child_age_years == 7.0 and isinstance(full.child_age_years, float)
    data = full.to_dict()
    assert data["indicators"] == ["ed_03", "ne_02"]
    assert json.loads(json.dumps(data)) == data
    assert Facts.from_dict(data) == full
    assert Facts.from_dict({"child_age_years": None}).child_age_years is None


def test_constructor_accepts_any_iterable_of_ids() -> None:
    assert Facts(indicators=["a", "b", "a"]).indicators == frozenset({"a", "b"})  # type: ignore[arg-type]
    assert hash(Facts(indicators=frozenset({"a"}))) == hash(Facts(indicators=frozenset({"a"})))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "facts must be a JSON object, not list"),
        ({"colour": "red"}, "unknown field(s) 'colour'; expected some of indicators, "),
        ({"indicators": "ne_02"}, "indicators: expected a list of indicator ids, got 'ne_02'"),
        ({"indicators": 3}, "indicators: expected a list of indicator ids, got 3"),
        ({"indicators": ["ne_02", 4]}, "indicators: expected indicator ids as strings, got 4"),
        ({"child_age_years": "seven"}, "child_age_years: expected a number of years or null, got 'seven'"),
        ({"child_age_years": True}, "child_age_years: expected a number of years or null, got True"),
        ({"child_age_years": -1}, "child_age_years: expected 0 to 25, got -1.0"),
        ({"child_age_years": 40}, "child_age_years: expected 0 to 25, got 40.0"),
        ({"child_age_years": float("nan")}, "child_age_years: expected a number of years or null, got nan"),
        ({"child_age_years": 3, "unborn": True}, "child_age_years: must be null when unborn is true"),
        (
            {"consent": "maybe"},
            "consent: expected one of given, refused, not_sought_risk, not_asked, got 'maybe'",
        ),
        ({"consent": 1}, "consent: expected a string, got 1"),
        ({"referrer_role": "wizard"}, "referrer_role: expected one of teacher, "),
        ({"immediate_danger": "yes"}, "immediate_danger: expected true or false, got 'yes'"),
        ({"unborn": 1}, "unborn: expected true or false, got 1"),
    ],
)
def test_from_dict_names_the_field_and_what_is_expected(data: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        Facts.from_dict(data)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message), str(caught.value)


def test_constructor_rejects_invalid_values_too() -> None:
    with pytest.raises(ValueError, match="non_mobile: expected true or false, got 'no'"):
        Facts(non_mobile="no")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="child_age_years: expected a number of years or null, got 'x'"):
        Facts(child_age_years="x")  # type: ignore[arg-type]


def test_decision_round_trip(rules: RuleSet) -> None:
    decision = evaluate(
        rules, Facts.from_dict({"indicators": ["da_08", "zz_1"], "allegation_against_professional": True})
    )
    data = decision.to_dict()
    assert list(data) == ["level", "route", "route_label", "reasons", "next_steps", "timescale",
                          "consent_needed", "phone_first", "rules_version"]  # fmt: skip
    assert json.loads(json.dumps(data)) == data
    assert Decision.from_dict(data) == decision
    assert Reason.from_dict({"code": "x", "text": "y"}) == Reason("x", "y", None, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("nope", "decision: expected an object, got str"),
        ({"level": 1}, "decision: missing ['consent_needed', "),
        ({"code": "x", "text": "y", "extra": 1}, "reason: missing nothing, unknown ['extra']"),
    ],
)
def test_decision_from_dict_rejects_bad_shapes(data: object, message: str) -> None:
    parse = Reason.from_dict if isinstance(data, dict) and "code" in data else Decision.from_dict
    with pytest.raises(ValueError) as caught:
        parse(data)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message), str(caught.value)
