"""`python -m bench` (`make bench`): run every benchmark and write docs/performance.md.

Each module in BENCHMARKS exposes `run() -> str`, returning a Markdown section with its numbers. A module that
cannot run here (no PostgreSQL, say) returns a section saying so instead of failing the rest.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import targets

BENCHMARKS = [
    "bench.routing_bench",
    "bench.suggest_bench",
    "bench.chat_bench",
    "bench.slack_bench",
    "bench.teams_bench",
    "bench.dashboard_bench",
    "bench.sweep_bench",
    "bench.questions_to_submit",
    "bench.slack_views",
    "bench.teams_cards",
]

OUT = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = f"{names[0]} x {len(names)}" if names else cpu
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}{mem}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def load_average() -> str:
    try:
        return " / ".join(open("/proc/loadavg").read().split()[:3]) + " (1 / 5 / 15 minutes)"
    except OSError:
        return "unknown"


def main(argv: list[str]) -> int:
    wanted = [a for a in argv if not a.startswith("-")]
    load_at_start = load_average()
    sections = []
    for name in BENCHMARKS:
        short = name.rsplit(".", 1)[1]
        if wanted and short not in wanted and name not in wanted:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:
                continue  # not written yet
            raise
        print(f"== {short}", flush=True)
        started = time.perf_counter()
        section = module.run()
        print(section, flush=True)
        print(f"({time.perf_counter() - started:.0f} s)\n", flush=True)
        sections.append(section)
    header = (
        "# Performance\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}. The machine is shared: load average "
        f"{load_at_start} at the start, {load_average()} at the end.\n\n"
        f"Command: `make bench` (that is, `python -m bench{' ' + ' '.join(wanted) if wanted else ''}`). "
        "Server and load generator share the machine, so requests a second move with whatever else runs; the "
        "server's CPU a request moves much less. What the numbers mean and what was done about them: "
        "[performance-notes.md](performance-notes.md).\n\n"
    )
    report = header + targets.summary() + "\n" + "\n".join(sections)
    print(targets.summary(), flush=True)
    if os.environ.get("BENCH_NO_WRITE") != "1":
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(report)
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
