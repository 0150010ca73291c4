"""The `rules` CLI through click's CliRunner: check, indicators, route."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.cli.rules import route_command, rules_group
from routing import RuleSet, default_rules_path


def test_check_ok(rules: RuleSet) -> None:
    result = CliRunner().invoke(rules_group, ["check"])
    assert result.exit_code == 0
    assert result.output.startswith(f"OK {rules.version}: {len(rules.indicators)} indicators, ")


def test_check_lists_errors_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "blackpool.yaml"
    text = default_rules_path().read_text(encoding="utf-8")
    bad.write_text(text.replace("{id: ne_03, level: 2", "{id: ne_03, level: 5"), encoding="utf-8")
    result = CliRunner().invoke(rules_group, ["check", str(bad)])
    assert result.exit_code == 1
    assert "blackpool.yaml:" in result.output and "indicator 'ne_03' has level 5; levels are 1-4" in result.output
    assert "1 error(s) in the rules file" in result.output


def test_indicators_text_and_json(rules: RuleSet) -> None:
    text = CliRunner().invoke(rules_group, ["indicators"])
    assert text.exit_code == 0 and "ph_08" in text.output and " CP " in text.output
    assert text.output.rstrip().endswith(f"{len(rules.indicators)} indicators ({rules.version})")
    as_json = CliRunner().invoke(rules_group, ["indicators", "--json", "--rules", str(default_rules_path())])
    data = json.loads(as_json.output)
    assert len(data) == len(rules.indicators) and data[0]["id"] == next(iter(rules.indicators))


def test_route_prints_the_decision() -> None:
    facts = {"indicators": ["ph_03"], "child_age_years": 0.3}
    result = CliRunner().invoke(route_command, [], input=json.dumps(facts))
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert decision["level"] == 4 and decision["route"] == "hub_child_protection"
    assert {"reasons", "next_steps", "rules_version", "timescale", "phone_first"} <= set(decision)
    grouped = CliRunner().invoke(rules_group, ["route"], input="{}")
    assert json.loads(grouped.output)["route"] == "universal_signpost"


def test_route_rejects_bad_input_without_a_traceback() -> None:
    runner = CliRunner()
    bad_json = runner.invoke(route_command, [], input="{not json")
    assert bad_json.exit_code == 2 and "error: stdin is not valid JSON" in bad_json.output
    assert "Traceback" not in bad_json.output
    bad_facts = runner.invoke(route_command, [], input='{"consent": "perhaps"}')
    assert bad_facts.exit_code == 2 and "error: the facts are not valid: consent: expected one of" in bad_facts.output


def test_route_with_broken_rules_exits_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(route_command, ["--rules", str(tmp_path / "missing.yaml")], input="{}")
    assert result.exit_code == 1 and "missing.yaml: cannot read the file" in result.output
