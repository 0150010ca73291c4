"""The targets `make bench` checks, as each benchmark met them or not: gathered here while the benchmarks run, and
listed first in docs/performance.md so the page says plainly which targets are met."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    target: str
    met: bool
    measured: str


RESULTS: list[Result] = []


def record(target: str, met: bool, measured: str) -> None:
    RESULTS.append(Result(target, met, measured))


def summary() -> str:
    if not RESULTS:
        return ""
    met = sum(r.met for r in RESULTS)
    lines = [
        "## Targets",
        "",
        f"{met} of {len(RESULTS)} met." + ("" if met == len(RESULTS) else " Not met: see the rows marked NOT met."),
        "",
        "| target | measured | |",
        "|---|---|---|",
        *(f"| {r.target} | {r.measured} | {'met' if r.met else '**NOT met**'} |" for r in RESULTS),
        "",
    ]
    return "\n".join(lines)
