"""Replay: comparing two rules files over stored facts."""

from __future__ import annotations

from pathlib import Path

from routing import RuleSet, compare, default_rules_path, load_rules


def _stricter(tmp_path: Path) -> RuleSet:
    # A council lowers the cumulative threshold: two Universal Plus needs in two domains now make Intensive.
    text = default_rules_path().read_text(encoding="utf-8")
    text = text.replace("    level: 2\n    min_count: 3\n", "    level: 2\n    min_count: 2\n")
    path = tmp_path / "blackpool-next.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path)


ITEMS = [
    ("RS-0001", {"indicators": ["ed_03", "pa_02"], "consent": "given"}),  # 2 -> 3
    ("RS-0002", {"indicators": ["ed_03"], "consent": "given"}),  # unchanged
    ("RS-0003", {"indicators": ["ph_05"]}),  # unchanged CP
    ("RS-0004", {"indicators": ["mh_02", "hf_14"]}),  # 2 -> 3
    ("RS-0005", {"colour": "red"}),  # not valid facts any more
    ("RS-0006", {"indicators": ["mh_02", "hf_14"], "allegation_against_professional": True}),  # level only
]


def test_compare_counts_changes_with_examples(tmp_path: Path, rules: RuleSet) -> None:
    new = _stricter(tmp_path)
    report = compare(rules, new, ITEMS)
    assert report.old_version == rules.version and report.new_version == new.version != rules.version
    assert report.total == 5
    assert report.changed == 3 and report.level_changed == 3 and report.route_changed == 2
    assert report.level_moves == {"2->3": 3}
    assert [e.reference for e in report.examples] == ["RS-0001", "RS-0004", "RS-0006"]
    first = report.examples[0]
    assert (first.old_level, first.old_route, first.new_level, first.new_route) == (
        2, "early_help_universal_plus", 3, "early_help_intensive",
    )  # fmt: skip
    assert "RS-0005" in report.invalid and "colour" in report.invalid["RS-0005"]
    data = report.to_dict()
    assert data["changed"] == 3 and data["examples"][0]["reference"] == "RS-0001"
    assert data["invalid"] == dict(report.invalid)


def test_compare_limits_examples_and_same_rules_change_nothing(tmp_path: Path, rules: RuleSet) -> None:
    new = _stricter(tmp_path)
    many = [(f"RS-{n:04d}", {"indicators": ["ed_03", "pa_02"]}) for n in range(30)]
    assert len(compare(rules, new, many, max_examples=5).examples) == 5
    same = compare(rules, rules, iter(many))
    assert same.total == 30 and same.changed == 0 and same.examples == () and same.level_moves == {}


def test_compare_counts_route_only_changes(tmp_path: Path, rules: RuleSet) -> None:
    # Families First style change: the same level now leads somewhere else.
    text = (
        default_rules_path()
        .read_text(encoding="utf-8")
        .replace("  3: early_help_intensive\n", "  3: hub_child_in_need\n")
    )
    path = tmp_path / "family-help.yaml"
    path.write_text(text, encoding="utf-8")
    report = compare(rules, load_rules(path), [("RS-1", {"indicators": ["da_03"]})])
    assert (report.changed, report.level_changed, report.route_changed, report.level_moves) == (1, 0, 1, {})


def test_the_2026_2_edition_never_lowers_a_vignette_against_2026_1() -> None:
    """blackpool-changes.md: every move from the previous edition is upwards, or a route made right."""
    from tests.routing.test_routing_vignettes import VIGNETTES

    old = load_rules(default_rules_path().with_name("blackpool-2026.1.yaml"))
    report = compare(old, load_rules(), [(v.name, v.facts) for v in VIGNETTES], max_examples=len(VIGNETTES))
    assert report.changed >= 30
    assert all(e.new_level >= e.old_level for e in report.examples), report.examples
