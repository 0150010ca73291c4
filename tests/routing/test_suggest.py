"""The signs-of-need suggester (routing/suggest.py): ranking, age filter, phrases, level-1 restraint, keyword
validation, the `earlyhelp rules suggest` command, and recall on the vignettes' own accounts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.rules import rules_group
from routing import RulesError, RuleSet, Suggestion, default_rules_path, load_rules, suggest_indicators
from routing.suggest import _index, keyword_problem
from tests.routing.test_routing_vignettes import VIGNETTES
from tests.routing.vignette_narratives import NARRATIVES, recall, walks

SHIPPED = default_rules_path().read_text(encoding="utf-8")


def ids(found: list[Suggestion]) -> list[str]:
    return [s.id for s in found]


@pytest.mark.parametrize(
    ("text", "first_few", "expected"),
    [
        ("He comes in hungry every day and says there is no food in the house.", 3, "ne_11"),
        ("We think he is running drugs on a county line.", 1, "ex_07"),
        ("She has an older boyfriend who picks her up from school.", 2, "ex_12"),  # 2026.2 has the exact sign
        ("She has been missing from home three nights this week.", 3, "mi_03"),
        ("His clothes are dirty, he smells and the other children have started to comment.", 2, "ne_07"),
        ("Mum was strangled by her partner; the DASH score is 17 and MARAC is booked.", 1, "da_08"),
    ],
)
def test_the_words_practitioners_use_find_the_sign(rules: RuleSet, text: str, first_few: int, expected: str) -> None:
    assert expected in ids(suggest_indicators(rules, text, first_few)), suggest_indicators(rules, text, 10)


def test_best_first_at_most_top_never_zero(rules: RuleSet) -> None:
    found = suggest_indicators(rules, "hungry, dirty clothes, bruises, missing, self-harm, drinking", 7)
    assert 0 < len(found) <= 7
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert all(s.score > 0 and s.text == rules.indicators[s.id].text for s in found)
    assert suggest_indicators(rules, "The weather was lovely on Tuesday.") == []
    assert suggest_indicators(rules, "   ") == []
    assert suggest_indicators(rules, "hungry", 0) == []
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[0].score = 99  # type: ignore[misc]


def test_a_phrase_outranks_its_words_apart(rules: RuleSet) -> None:
    phrase = {s.id: s.score for s in suggest_indicators(rules, "there is no food", 50)}
    apart = {s.id: s.score for s in suggest_indicators(rules, "food, there is no", 50)}
    assert phrase["ne_11"] > apart.get("ne_11", 0)
    lines = {s.id: s.score for s in suggest_indicators(rules, "county lines", 50)}
    words = {s.id: s.score for s in suggest_indicators(rules, "lines in the county", 50)}
    assert lines["ex_07"] > words.get("ex_07", 0)


def test_only_signs_that_fit_the_child(rules: RuleSet) -> None:
    text = "The toddler is crawling round a hoarded house with dog mess on the floor."
    assert "ne_04" in ids(suggest_indicators(rules, text, age_years=1.5))  # under 3
    assert "ne_04" not in ids(suggest_indicators(rules, text, 50, age_years=10))
    assert "ne_04" in ids(suggest_indicators(rules, text))  # an unknown age hides nothing
    smoking = "She is drinking and smoking, and has missed her antenatal appointments."
    unborn = suggest_indicators(rules, smoking, 50, unborn=True)
    assert unborn and all(rules.indicators[s.id].pre_birth for s in unborn)
    assert "pb_04" in ids(unborn)
    born = ids(suggest_indicators(rules, smoking, 50, age_years=15))
    assert "pb_04" not in born and "hd_08" in born  # the child who smokes, not the pregnancy
    for s in suggest_indicators(rules, "cutting herself, missing, drugs, older men", 50, age_years=6):
        assert rules.indicators[s.id].fits_age(6), s


def test_level_one_signs_only_when_their_own_words_are_used(rules: RuleSet) -> None:
    # ne_01 "Parents provide an adequate diet, warmth, clothing and hygiene" shares words with every neglect
    # account; suggesting "all is well" for one would be wrong.
    neglect = ids(suggest_indicators(rules, "Poor diet, no warmth at home, clothing and hygiene poor.", 50))
    assert neglect and "ne_01" not in neglect and all(rules.indicators[i].level > 1 for i in neglect)
    assert "ne_01" in ids(suggest_indicators(rules, "He is well cared for, always clean and tidy."))


def test_the_index_is_built_once_per_rule_set(rules: RuleSet) -> None:
    assert _index(rules) is _index(rules)
    without = dataclasses.replace(rules, keywords={})
    assert _index(without) is not _index(rules)
    # The keywords carry practitioners' words the documents do not use.
    assert "ne_11" not in ids(suggest_indicators(without, "starving, empty cupboards"))
    assert "ne_11" in ids(suggest_indicators(rules, "starving, empty cupboards"))


def test_every_indicator_has_keywords(rules: RuleSet) -> None:
    assert set(rules.keywords) == set(rules.indicators)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  ne_02: [hungry, '!!!']\n", "keywords for 'ne_02': '!!!' has no word in it to match on"),
        ("  ne_02: [hungry, 'no']\n", "'no' is too common a word to match on alone"),
        ("  ne_02: [hungry, 'he came in today and said he was hungry']\n", "is 9 words long"),
    ],
)
def test_keyword_errors_name_the_line(tmp_path: Path, entry: str, message: str) -> None:
    head = SHIPPED.rstrip("\n").split("\nkeywords:")[0] + "\nkeywords:\n"
    path = tmp_path / "council.yaml"
    path.write_text(head + entry, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    line = head.count("\n") + 1
    assert any(e.startswith(f"{path.name}:{line}:") and message in e for e in caught.value.errors), caught.value.errors


def test_keyword_problem() -> None:
    assert keyword_problem("no food") is None
    assert keyword_problem("a&e") is None
    assert keyword_problem("hungry") is None
    assert keyword_problem("the") is not None


def test_cli_prints_json_best_first() -> None:
    result = CliRunner().invoke(rules_group, ["suggest", "--top", "3"], input="No food at home and always hungry.\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert 1 <= len(data) <= 3
    assert all(set(row) == {"id", "text", "score"} for row in data)
    assert [row["score"] for row in data] == sorted((row["score"] for row in data), reverse=True)
    aged = CliRunner().invoke(rules_group, ["suggest", "--age", "10"], input="crawling baby, hoarding\n")
    assert aged.exit_code == 0 and "ne_04" not in {row["id"] for row in json.loads(aged.output)}


def test_cli_says_what_is_wrong() -> None:
    empty = CliRunner().invoke(rules_group, ["suggest"], input="  \n")
    assert empty.exit_code == 2 and "nothing on stdin" in empty.output
    assert CliRunner().invoke(rules_group, ["suggest", "--top", "0"], input="hungry").exit_code == 2


def test_every_account_belongs_to_a_vignette() -> None:
    names = {v.name for v in VIGNETTES}
    assert set(NARRATIVES) <= names
    assert len(NARRATIVES) >= 60


def test_recall_on_the_vignettes_own_accounts(rules: RuleSet) -> None:
    found = walks(rules, 10)
    share = recall(found)
    misses = {w.name: w.missed for w in found if w.missed}
    assert share >= 0.8, (share, misses)


@pytest.mark.parametrize(
    "text",
    [
        "Synthetic: Ella told me she has a boyfriend who is 23. He bought her a new iPhone and picks her up from school"
        " in his car most days. She would not say where they go.",
        "Synthetic: she is 14 and says her boyfriend is 19. He buys her vapes and clothes.",
        "Synthetic: she talks about her 20-year-old boyfriend and has a second phone.",
    ],
)
def test_an_adult_partner_and_gifts_are_offered_for_a_young_person(rules: RuleSet, text: str) -> None:
    # The case the screening tools grade highest (an age gap with gifts): the exploitation signs that, ticked with
    # gifts, control or secrecy, make it child protection must be among the eight the conversation offers.
    offered = {s.id for s in suggest_indicators(rules, text, 8, age_years=15.0)}
    assert "ex_12" in offered, offered
    assert "ex_04" in offered, offered


def test_a_young_persons_age_is_not_read_as_an_adult_partner(rules: RuleSet) -> None:
    offered = {s.id for s in suggest_indicators(rules, "Synthetic: he is 12 and plays football with a lad of 13.", 8)}
    assert "ex_12" not in offered
