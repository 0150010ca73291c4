"""`rules replay` against stored requests: the skeleton's database fixtures, synthetic rows only."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from app.cli.rules import rules_group
from routing import default_rules_path
from tests.conftest import FakeClock
from tests.hub.seed import make_request


def _store(app: Flask, clock: FakeClock, facts_by_row: list[dict]) -> list[str]:
    references = []
    with app.extensions["db"].transaction() as session:
        for facts in facts_by_row:
            request = make_request(session, clock.now)
            request.facts = facts
            references.append(request.reference)
    return references


def _new_rules(tmp_path: Path) -> Path:
    # Two Universal Plus needs in two domains now make Intensive.
    text = default_rules_path().read_text(encoding="utf-8")
    path = tmp_path / "blackpool-next.yaml"
    path.write_text(
        text.replace("    level: 2\n    min_count: 3\n", "    level: 2\n    min_count: 2\n"), encoding="utf-8"
    )
    return path


def test_replay_reports_what_a_new_rules_file_would_change(app: Flask, clock: FakeClock, tmp_path: Path) -> None:
    refs = _store(
        app,
        clock,
        [
            {"indicators": ["ed_03", "pa_02"], "consent": "given"},
            {"indicators": ["ph_05"]},
            {"indicators": ["ed_03"], "retired_field": True},
        ],
    )
    runner = app.test_cli_runner()
    result = runner.invoke(rules_group, ["replay", "--rules", str(_new_rules(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Replayed 2 stored requests: blackpool-2026.2+sha256:" in result.output
    assert "1 would change (1 level, 1 route)" in result.output
    assert "level 2->3: 1" in result.output
    assert f"{refs[0]}: level 2 early_help_universal_plus -> level 3 early_help_intensive" in result.output
    assert f"1 stored facts could not be read: {refs[2]}" in result.output

    as_json = runner.invoke(rules_group, ["replay", "--rules", str(_new_rules(tmp_path)), "--json", "--examples", "0"])
    report = json.loads(as_json.output)
    assert report["total"] == 2 and report["changed"] == 1 and report["examples"] == []


def test_replay_with_a_broken_rules_file_exits_1(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(rules_group, ["replay", "--rules", str(tmp_path / "none.yaml")])
    assert result.exit_code == 1 and "none.yaml: cannot read the file" in result.output


def test_replay_with_no_changes(app: Flask, clock: FakeClock) -> None:
    _store(app, clock, [{"indicators": ["ed_03"]}])
    result = app.test_cli_runner().invoke(rules_group, ["replay", "--rules", str(default_rules_path())])
    assert result.exit_code == 0 and "0 would change (0 level, 0 route)" in result.output
    assert "could not be read" not in result.output
