"""Loading and validating rules files: the shipped file is sound, and broken files are reported as file:line."""

# ruff: noqa: E501  (the broken-file table reads best one case a line)
from __future__ import annotations

import re
from pathlib import Path

import pytest

from routing import RulesError, RuleSet, default_rules_path, load_rules
from routing.contacts import Contacts
from routing.level_of_need import DOMAINS

SHIPPED = default_rules_path().read_text(encoding="utf-8")


def _line(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


def _broken(tmp_path: Path, *edits: tuple[str, str], text: str = SHIPPED) -> tuple[str, tuple[str, ...]]:
    for old, new in edits:
        assert text.count(old) == 1, f"edit target not unique: {old!r}"
        text = text.replace(old, new)
    path = tmp_path / "blackpool.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    return text, caught.value.errors


# --- the shipped file --------------------------------------------------------------------------------------


def test_shipped_rules_load(rules: RuleSet) -> None:
    assert default_rules_path().name == "blackpool.yaml"
    assert rules.council_id == "blackpool" and rules.council_name == "Blackpool Council"
    assert re.fullmatch(r"blackpool-2026\.2\+sha256:[0-9a-f]{12}", rules.version)
    assert rules.source_path == str(default_rules_path())
    assert len(rules.indicators) >= 120
    levels = {i.level for i in rules.indicators.values()}
    domains = {i.domain for i in rules.indicators.values()}
    assert levels == {1, 2, 3, 4} and domains == set(DOMAINS)
    assert all(i.source for i in rules.indicators.values())
    assert {"neglect", "exploitation", "pre_birth", "missing"} <= {c.id for c in rules.categories}
    needed = {
        "emergency",
        "hub_child_protection",
        "hub_child_in_need",
        "early_help_intensive",
        "lado",
        "police_fgm",
    }
    assert needed | {"early_help_universal_plus", "universal_signpost", "private_fostering"} <= set(rules.routes)
    assert rules.counts()["indicators"] == len(rules.indicators)
    assert rules.timescales.decision_working_days == 1 and rules.timescales.assessment_working_days == 45


def test_contacts_are_fictional_and_hours_match_the_hub(rules: RuleSet) -> None:
    c = rules.contacts
    for phone in (c.hub_urgent_phone, c.hub_advice_phone, c.emergency_duty_team_phone, c.lado_phone):
        assert re.fullmatch(r"01632 960\d{3}", phone)
    assert c.police_non_emergency == "101"
    assert c.hub_hours == {0: ("09:00", "17:00"), 1: ("09:00", "17:00"), 2: ("09:00", "17:00"),
                           3: ("09:00", "17:00"), 4: ("09:00", "16:30")}  # fmt: skip
    assert c.hours_text() == "Monday to Thursday 09:00-17:00; Friday 09:00-16:30"
    assert "{" not in rules.routes["emergency"].next_steps
    assert c.hub_urgent_phone in rules.routes["hub_child_protection"].next_steps


def test_hours_text_groups_only_neighbouring_days() -> None:
    c = Contacts("Hub", "1", "2", "3", "4", "e", "p", hub_hours={0: ("09:00", "17:00"), 2: ("09:00", "17:00")})
    assert c.hours_text() == "Monday 09:00-17:00; Wednesday 09:00-17:00"


def test_loading_twice_gives_the_same_version_and_no_shared_state(tmp_path: Path, rules: RuleSet) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_bytes(default_rules_path().read_bytes())
    again = load_rules(copy)
    assert again.version == rules.version and again is not rules
    copy.write_bytes(default_rules_path().read_bytes() + b"\n# a comment changes the hash\n")
    assert load_rules(copy).version != rules.version


def test_contact_overrides_change_texts_but_not_the_version(rules: RuleSet) -> None:
    real = load_rules(contacts={"hub_urgent_phone": "01632 960999"})
    assert real.contacts.hub_urgent_phone == "01632 960999"
    assert "01632 960999" in real.routes["hub_child_protection"].next_steps
    assert real.version == rules.version
    with pytest.raises(RulesError, match=r"blackpool.yaml: contact override\(s\) \['fax'\]"):
        load_rules(contacts={"fax": "1"})


def test_indicators_for_filters_by_category_age_and_birth(rules: RuleSet) -> None:
    exploitation = rules.indicators_for(["exploitation"], age_years=15, unborn=False)
    assert exploitation and all("exploitation" in i.categories for i in exploitation)
    assert [i.id for i in exploitation] == [i for i in rules.indicators if i in {x.id for x in exploitation}]
    toddler = {i.id for i in rules.indicators_for(["exploitation", "neglect", "sexual_harm"], 2, False)}
    assert "ex_07" not in toddler and "ne_04" in toddler  # min age 8; the crawling-baby hazard is under 3
    assert "sx_05" in toddler and "sx_05" not in {i.id for i in rules.indicators_for(["sexual_harm"], 13, False)}
    assert "ne_04" in {i.id for i in rules.indicators_for(["neglect"], None, False)}  # unknown age: ask
    unborn = rules.indicators_for(["domestic_abuse"], None, unborn=True)
    assert all(i.pre_birth for i in unborn)
    ids = {i.id for i in unborn}
    assert "da_03" in ids and "pb_07" in ids and "da_06" not in ids  # pre-birth ones always offered
    assert rules.indicators_for([], 10, False) == []


# --- broken files: every message names file, line and fault ------------------------------------------------

# fmt: off
CASES = [
    ("level 5", [("{id: ne_03, level: 2", "{id: ne_03, level: 5")], "{id: ne_03", "indicator 'ne_03' has level 5; levels are 1-4"),
    ("level yes", [("{id: ne_03, level: 2", "{id: ne_03, level: true")], "{id: ne_03", "indicator 'ne_03': 'level' must be a level 1-4, got True"),
    ("duplicate id", [("{id: ne_04,", "{id: ne_03,")], "{id: ne_03, level: 2, domain: parenting_capacity, subdomain: ensuring_safety", "duplicate indicator id 'ne_03' (first at line {first})"),
    ("bad id", [("{id: ne_04,", "{id: Ne-04,")], "{id: Ne-04", "indicator id 'Ne-04' must be lower_case_with_underscores"),
    ("unknown category", [("categories: [neglect], text: \"Minor", "categories: [neglectt], text: \"Minor")], "{id: ne_02", "indicator 'ne_02' refers to unknown category 'neglectt'"),
    ("unknown domain", [("{id: ne_05, level: 2, domain: parenting_capacity", "{id: ne_05, level: 2, domain: parenting")], "{id: ne_05", "indicator 'ne_05' refers to unknown domain 'parenting'"),
    ("unknown subdomain", [("{id: ne_05, level: 2, domain: parenting_capacity, subdomain: stability", "{id: ne_05, level: 2, domain: parenting_capacity, subdomain: hats")], "{id: ne_05", "indicator 'ne_05' refers to unknown subdomain 'hats' of parenting_capacity"),
    ("missing source", [("source: wirral_l2}\n  - {id: ne_03", "}\n  - {id: ne_03")], "{id: ne_02", "indicator 'ne_02' is missing 'source'"),
    ("unknown source", [("source: wirral_l2}\n  - {id: ne_03", "source: nowhere}\n  - {id: ne_03")], "{id: ne_02", "indicator 'ne_02' refers to unknown source 'nowhere'"),
    ("unknown key", [("source: wirral_l2}\n  - {id: ne_03", "source: wirral_l2, colour: red}\n  - {id: ne_03")], "{id: ne_02", "indicator 'ne_02' has unknown key 'colour'"),
    ("ages reversed", [("source: kent_l2, max_age_years: 3}", "source: kent_l2, min_age_years: 5, max_age_years: 3}")], "{id: ne_04", "indicator 'ne_04': max_age_years 3 is not above min_age_years 5"),
    ("age too high", [("source: kent_l2, max_age_years: 3}", "source: kent_l2, max_age_years: 30}")], "{id: ne_04", "indicator 'ne_04': 'max_age_years' must be between 0 and 25 years, got 30"),
    ("age not a number", [("source: kent_l2, max_age_years: 3}", "source: kent_l2, max_age_years: three}")], "{id: ne_04", "indicator 'ne_04': 'max_age_years' must be a number of years, got 'three'"),
    ("cp below level 4", [("source: wirral_l3}\n  - {id: ne_08", "source: wirral_l3, child_protection: true}\n  - {id: ne_08")], "{id: ne_07", "indicator 'ne_07': child_protection applies only at level 4"),
    ("categories not a list", [("categories: [neglect], text: \"Minor", "categories: neglect, text: \"Minor")], "{id: ne_02", "indicator 'ne_02': 'categories' must be a list, got 'neglect'"),
    ("entry not a mapping", [("  - {id: ne_01,", "  - just words\n  - {id: ne_01,")], "just words", "indicators entries must be mappings, got 'just words'"),
    ("empty text", [("text: \"Minor concerns about diet, hygiene or clothing\"", "text: \" \"")], "{id: ne_02", "indicator 'ne_02': 'text' must be some text, got ' '"),
    ("yaml duplicate key", [("  lado:\n    level: null", "  emergency:\n    level: null")], "  emergency:\n    level: null", "duplicate key 'emergency' (first at line {first})"),
    ("unknown kind", [("    kind: cumulative\n    level: 2", "    kind: sum\n    level: 2")], "kind: sum", "rule 'cumulative_universal_plus' has kind 'sum'; kinds are cumulative, vulnerability, flag, step_up, pre_birth, parallel"),
    ("min_count 0", [("min_count: 3\n    min_domains: 2", "min_count: 0\n    min_domains: 2")], "min_count: 0", "rule 'cumulative_universal_plus': 'min_count' must be a whole number from 1, got 0"),
    ("rule unknown fact", [("fact: non_mobile", "fact: wobbly")], "fact: wobbly", "rule 'non_mobile_injury' refers to unknown fact 'wobbly'; facts are "),
    ("rule unknown indicator", [("indicators: [da_08]", "indicators: [da_99]")], "da_99", "rule 'marac' refers to unknown indicator 'da_99'"),
    ("vulnerability without selector", [("  - id: non_mobile_injury\n    kind: vulnerability\n    categories: [physical_harm]\n", "  - id: non_mobile_injury\n    kind: vulnerability\n")], "  - id: non_mobile_injury", "rule 'non_mobile_injury' must name categories or indicators"),
    ("vulnerability without who", [("    min_level: 2\n    under_age_years: 14\n", "    min_level: 2\n")], "  - id: young_child_exploitation", "rule 'young_child_exploitation' must give under_age_years or fact (who is vulnerable)"),
    ("rule missing text", [("    text: \"An early help plan has been tried", "    txt: \"An early help plan has been tried")], "  - id: early_help_not_working", "rule 'early_help_not_working' is missing 'text'"),
    ("unknown placeholder", [("Call 999 now if you have not already.", "Call {police_phone} now.")], "Call {police_phone}", "route 'emergency': 'next_steps' uses unknown placeholder {police_phone}; known: "),
    ("stray brace", [("Call 999 now if you have not already.", "Call 999 now {.")], "Call 999 now {.", "route 'emergency': 'next_steps' has a stray brace"),
    ("route level 7", [("  emergency:\n    level: 4", "  emergency:\n    level: 7")], "    level: 7", "route 'emergency' has level 7; levels are 1-4"),
    ("route flag not bool", [("    needs_consent: false\n    phone_first: true\n  hub_child_protection:", "    needs_consent: \"no\"\n    phone_first: true\n  hub_child_protection:")], "needs_consent: \"no\"", "route 'emergency': 'needs_consent' must be true or false, got 'no'"),
    ("route not a mapping", [("  private_fostering:\n    level: 4", "  private_fostering: soon\n  unused:\n    level: 4")], "private_fostering: soon", "route 'private_fostering' must be a lower_case id with a mapping of details"),
    ("special unknown route", [("    route: private_fostering\n", "    route: fostering\n")], "route: fostering", "special route 'private_fostering' refers to unknown route 'fostering'"),
    ("special unknown fact", [("    fact: private_fostering\n", "    fact: fostered\n")], "fact: fostered", "special route 'private_fostering' refers to unknown fact 'fostered'"),
    ("special age without text", [("    not_applicable_text: \"Private fostering covers", "    note: \"Private fostering covers")], "  - id: private_fostering", "special route 'private_fostering' gives under_age_years without not_applicable_text"),
    ("special roles without text", [("    other_roles_text: \"FGM is child abuse.", "    note: \"FGM is child abuse.")], "  - id: fgm_known", "special route 'fgm_known' gives roles without other_roles_text"),
    ("special unknown role", [("roles: [teacher, health, social_care, unknown]", "roles: [teacher, vicar]")], "roles: [teacher, vicar]", "special route 'fgm_known' refers to unknown referrer role 'vicar'"),
    ("level route unknown", [("  3: early_help_intensive\n", "  3: early_help\n")], "  3: early_help\n", "level_routes: level 3 refers to unknown route 'early_help'"),
    ("level route level 5", [("  4: hub_child_in_need\n", "  5: hub_child_in_need\n")], "  5: hub_child_in_need", "level_routes has level 5; levels are 1-4"),
    ("level route missing", [("  4: hub_child_in_need\n", "")], "  1: universal_signpost", "level_routes is missing level 4"),
    ("cp route unknown", [("child_protection_route: hub_child_protection", "child_protection_route: cp")], "child_protection_route: cp", "child_protection_route refers to unknown route 'cp'"),
    ("consent state missing", [("    not_asked:\n      reason: \"The family has not been asked", "    not_yet:\n      reason: \"The family has not been asked")], "    not_yet:", "consent when_needed has unknown key 'not_yet'"),
    ("consent state not mapping", [("  when_not_needed:\n    given:\n      reason: \"The family knows about this and has agreed.\"", "  when_not_needed:\n    given: agreed")], "    given: agreed", "consent when_not_needed: 'given' must be a mapping (key: value lines), got 'agreed'"),
    ("contacts missing key", [("  lado_phone: \"01632 960103\"\n", "")], "  hub_name:", "contacts is missing 'lado_phone'"),
    ("hours bad day", [("    friday: [\"09:00\", \"16:30\"]", "    funday: [\"09:00\", \"16:30\"]")], "funday", "hub_hours: 'funday' is not a weekday name"),
    ("hours unquoted", [("    friday: [\"09:00\", \"16:30\"]", "    friday: [09:00, 16:30]")], "friday: [09", 'hub_hours: friday must be ["HH:MM", "HH:MM"] in quotes'),
    ("hours reversed", [("    friday: [\"09:00\", \"16:30\"]", "    friday: [\"16:30\", \"09:00\"]")], "friday: [\"16:30\"", "hub_hours: friday opens at 16:30 but closes at 09:00"),
    ("timescale negative", [("assessment_working_days: 45", "assessment_working_days: -45")], "assessment_working_days: -45", "timescales: 'assessment_working_days' must be a whole number from 0, got -45"),
    ("timescale missing", [("  icpc_working_days: 15 ", "  icpc_days: 15 ")], "icpc_days", "timescales has unknown key 'icpc_days'"),
    ("level missing", [("  4: {name: Specialist", "  5: {name: Specialist")], "  5: {name: Specialist", "levels has level 5; levels are 1-4"),
    ("level not mapping", [("  4: {name: Specialist, summary: \"Children's social care: child in need (s17) or child protection (s47).\"}", "  4: Specialist")], "  4: Specialist", "level 4 must be a mapping with name and summary"),
    ("domain unknown", [("  family_environment:\n    label:", "  family_stuff:\n    label:")], "  family_stuff:", "unknown domain 'family_stuff'; domains are child_development, parenting_capacity, family_environment"),
    ("domain not mapping", [("  parenting_capacity:\n    label: Parenting capacity\n", "  parenting_capacity: Parenting\n  unused_domain:\n    label: Parenting capacity\n")], "  parenting_capacity: Parenting", "domain 'parenting_capacity' must be a mapping with label and subdomains"),
    ("category missing help", [("{id: young_carer, label: Young carer, help: \"The child looks after a parent, sibling or relative.\"}", "{id: young_carer, label: Young carer}")], "{id: young_carer", "category 'young_carer' is missing 'help'"),
    ("unknown section", [("council:\n  id: blackpool", "councillor: yes\ncouncil:\n  id: blackpool")], "councillor: yes", "the file has unknown key 'councillor'"),
    ("sources not text", [("  fgm: \"Home Office", "  fgm: 42\n  fgm_old: \"Home Office")], "  fgm: 42", "sources: 'fgm' must be some text, got 42"),
    ("complex key", [("council:\n  id: blackpool", "? [a, b]\n: 1\ncouncil:\n  id: blackpool")], "? [a, b]", "keys must be words or numbers, not a list or mapping"),

]
# fmt: on


# Where the first of two duplicates is, for the messages that cite it.
FIRST = {"duplicate id": "{id: ne_03", "yaml duplicate key": "  emergency:\n    level: 4"}


@pytest.mark.parametrize(("name", "edits", "needle", "message"), CASES, ids=[c[0] for c in CASES])
def test_broken_file_names_file_line_and_fault(
    tmp_path: Path, name: str, edits: list[tuple[str, str]], needle: str, message: str
) -> None:
    text, errors = _broken(tmp_path, *edits)
    if name in FIRST:
        message = message.format(first=_line(text, FIRST[name]))
    expected = f"blackpool.yaml:{_line(text, needle)}: {message}"
    assert any(e.startswith(expected) for e in errors), (expected, errors)


def test_all_errors_are_listed_not_just_the_first(tmp_path: Path) -> None:
    _, errors = _broken(
        tmp_path,
        ("{id: ne_03, level: 2", "{id: ne_03, level: 5"),
        ("{id: ne_04,", "{id: ne_03,"),
        ("assessment_working_days: 45", "assessment_working_days: -45"),
    )
    assert len(errors) >= 3
    assert str(RulesError(errors)) == "\n".join(errors)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("council: [unclosed\n", "blackpool.yaml:2: not valid YAML: "),
        ("council: x\n  bad: indent\n", "blackpool.yaml:2: not valid YAML: "),
        ("- a list\n- not a mapping\n", "blackpool.yaml:1: the file must be a mapping of sections"),
        ("", "blackpool.yaml:1: the file must be a mapping of sections"),
        ("a: 1\n---\nb: 2\n", "blackpool.yaml:"),
        ("a: \x07\n", "blackpool.yaml:1: not valid YAML: "),
    ],
)
def test_unreadable_yaml_is_reported_with_a_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "blackpool.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert caught.value.errors[0].startswith(message), caught.value.errors


def test_a_nearly_empty_mapping_reports_every_missing_section(tmp_path: Path) -> None:
    path = tmp_path / "blackpool.yaml"
    path.write_text("council: {}\n", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    errors = caught.value.errors
    assert "blackpool.yaml:1: the file is missing 'indicators'" in errors
    assert "blackpool.yaml:1: council is missing 'id'" in errors


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"^nope.yaml: cannot read the file"):
        load_rules(tmp_path / "nope.yaml")


# --- the optional keywords section (filled by the suggester's lane; checked here) ---------------------------


def test_keywords_are_optional_and_read_per_indicator(tmp_path: Path, rules: RuleSet) -> None:
    assert isinstance(rules.keywords, dict)
    path = tmp_path / "blackpool.yaml"
    path.write_text(SHIPPED.rstrip("\n").split("\nkeywords:")[0] + "\nkeywords:\n  ne_02: [hungry, no food]\n")
    assert load_rules(path).keywords["ne_02"] == ("hungry", "no food")


@pytest.mark.parametrize(
    ("section", "needle", "message"),
    [
        ("  zz_99: [hungry]\n", "  zz_99:", "keywords refers to unknown indicator 'zz_99'"),
        ("  ne_02: []\n", "  ne_02:", "keywords for 'ne_02' must be a list of words or phrases, got []"),
        ("  ne_02: hungry\n", "  ne_02:", "keywords for 'ne_02' must be a list of words or phrases, got 'hungry'"),
        ("  ne_02: [hungry, 3]\n", "  ne_02:", "keywords for 'ne_02': each entry must be a word or phrase, got 3"),
        ("  ne_02: [hungry, ' ']\n", "  ne_02:", "keywords for 'ne_02': each entry must be a word or phrase"),
        ("  ne_02: [Hungry]\n", "  ne_02:", "keywords for 'ne_02': write 'Hungry' in lower case"),
        (
            "  ne_02:\n    - hungry\n    - hungry\n",
            "    - hungry\n    - hungry",
            "keywords for 'ne_02': 'hungry' is repeated",
        ),
        ("  - hungry\n", "keywords:", "the file: 'keywords' must be a mapping"),
    ],
)
def test_broken_keywords_name_the_line(tmp_path: Path, section: str, needle: str, message: str) -> None:
    text = SHIPPED.rstrip("\n").split("\nkeywords:")[0] + "\nkeywords:\n" + section
    path = tmp_path / "blackpool.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    line = _line(text, needle) + (1 if "repeated" in message else 0)
    expected = f"blackpool.yaml:{line}: {message}"
    assert any(e.startswith(expected) for e in caught.value.errors), (expected, caught.value.errors)
