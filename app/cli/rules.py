"""`flask rules ...` and `flask route`: operator commands around the threshold rules.

Place in the flow: beside chat -> intake -> routing -> store. `check` validates a council's rules file before
it goes live, `indicators` lists the catalogue, `suggest` ranks the catalogue against a referrer's own account
(free text on stdin), `route` runs the engine on one facts document (JSON on stdin), and `replay` shows what a
new rules file would change for the requests already stored.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from routing import Facts, RulesError, RuleSet, evaluate, load_rules, suggest_indicators
from routing.replay import MAX_EXAMPLES, compare

_RULES_OPTION = click.option(
    "--rules",
    "rules_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Rules file (default: the shipped Blackpool rules).",
)


def _load_or_exit(path: Path | None) -> RuleSet:
    try:
        return load_rules(path)
    except RulesError as exc:
        for error in exc.errors:
            click.echo(error, err=True)
        click.echo(f"{len(exc.errors)} error(s) in the rules file", err=True)
        sys.exit(1)


@click.group("rules")
def rules_group() -> None:
    """Threshold rules: check a rules file, list indicators, replay stored requests."""


@rules_group.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def check_command(file: Path | None) -> None:
    """Validate FILE (default: the shipped rules); exit 1 and list every error if it is broken."""
    rules = _load_or_exit(file)
    counts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in rules.counts().items())
    click.echo(f"OK {rules.version}: {counts}")


@rules_group.command("indicators")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
@_RULES_OPTION
def indicators_command(as_json: bool, rules_file: Path | None) -> None:
    """List the indicator catalogue."""
    rules = _load_or_exit(rules_file)
    if as_json:
        click.echo(json.dumps([asdict(i) for i in rules.indicators.values()], indent=2))
        return
    for i in rules.indicators.values():
        flags = " CP" if i.child_protection else ""
        click.echo(f"{i.id:<7} L{i.level}{flags:<3} {i.domain}/{i.subdomain} [{', '.join(i.categories)}] {i.text}")
    click.echo(f"{len(rules.indicators)} indicators ({rules.version})")


@rules_group.command("suggest")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 50), help="How many to print at most.")
@click.option("--age", "age_years", type=click.FloatRange(0, 25), default=None, help="The child's age in years.")
@click.option("--unborn", is_flag=True, help="The concern is about an unborn baby.")
@_RULES_OPTION
def suggest_command(top: int, age_years: float | None, unborn: bool, rules_file: Path | None) -> None:
    """Read a referrer's account (free text) on stdin; print the matching indicators as JSON, best first."""
    text = sys.stdin.read()
    if not text.strip():
        click.echo("error: nothing on stdin: type or pipe in what has happened, in your own words", err=True)
        sys.exit(2)
    rules = _load_or_exit(rules_file)
    found = suggest_indicators(rules, text, top, age_years=age_years, unborn=unborn)
    click.echo(json.dumps([asdict(s) for s in found], indent=2))


@click.command("route")
@_RULES_OPTION
def route_command(rules_file: Path | None) -> None:
    """Read a facts document (JSON) on stdin and print the routing decision as JSON."""
    raw = sys.stdin.read()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        click.echo(f"error: stdin is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", err=True)
        sys.exit(2)
    try:
        facts = Facts.from_dict(data)
    except ValueError as exc:
        click.echo(f"error: the facts are not valid: {exc}", err=True)
        sys.exit(2)
    rules = _load_or_exit(rules_file)
    click.echo(json.dumps(evaluate(rules, facts).to_dict(), indent=2))


rules_group.add_command(route_command)


@rules_group.command("replay")
@click.option(
    "--rules",
    "rules_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new rules file to compare with the rules the service runs now.",
)
@click.option("--examples", default=MAX_EXAMPLES, show_default=True, help="How many changed requests to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def replay_command(rules_file: Path, examples: int, as_json: bool) -> None:
    """Re-decide every stored request with a new rules file and report what would change."""
    from sqlalchemy import select

    from intake.store import SupportRequest

    new_rules = _load_or_exit(rules_file)
    old_rules: RuleSet = current_app.extensions["rules"]
    db = current_app.extensions["db"]
    # Only reference and facts are read: no child-identifying columns leave the database for this.
    query = (
        select(SupportRequest.reference, SupportRequest.facts)
        .where(SupportRequest.reference.is_not(None))
        .order_by(SupportRequest.id)
    )
    with db.reading() as session:
        items = ((reference, facts) for reference, facts in session.execute(query))
        report = compare(old_rules, new_rules, items, max_examples=examples)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    click.echo(f"Replayed {report.total} stored requests: {report.old_version} -> {report.new_version}")
    click.echo(f"{report.changed} would change ({report.level_changed} level, {report.route_changed} route)")
    for move, count in report.level_moves.items():
        click.echo(f"  level {move}: {count}")
    for e in report.examples:
        click.echo(f"  {e.reference}: level {e.old_level} {e.old_route} -> level {e.new_level} {e.new_route}")
    if report.invalid:
        click.echo(f"{len(report.invalid)} stored facts could not be read: {', '.join(sorted(report.invalid))}")
