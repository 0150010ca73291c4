"""Where the two cores go while a browser-chat step is under load: the server, the load generator, PostgreSQL, idle.

Not part of `make bench` (it measures no target): a tool for working on the chat paths' ratio to bare Flask.
`python -m bench.cpu_split [DATABASE_URL]` serves the real app and the bare Flask app as the chat bench does
(gunicorn, shipped 2 workers x 4 threads unless WORKERS / THREADS say otherwise), loads each in turn at 32
connections, and reads the CPU each side used from /proc: per request, for the gunicorn processes, this process
(the load generator), PostgreSQL's processes, and what was left idle of the machine's cores. Linux only.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.cli.database import upgrade
from bench import chat_bench
from bench.load import RequestFactory, fresh_postgres_database, gunicorn, hammer

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pids: list[int]) -> tuple[float, float]:
    """User and system CPU seconds of these processes (those that have exited count nothing)."""
    user = system = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        user, system = user + int(fields[11]), system + int(fields[12])
    return user / _TICK, system / _TICK


def _pids(*pattern: str) -> list[int]:
    found = subprocess.run(["pgrep", *pattern], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found if int(p) != os.getpid()]


def _server(port: int) -> list[int]:
    master = min(_pids("-f", f"127.0.0.1:{port}"))
    return [master, *_pids("-P", str(master))]


def _generator() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def measure(name: str, port: int, request: RequestFactory, seconds: float) -> None:
    hammer(port, request, 32, 1.5, warmup=0.0)  # warm the workers up before counting
    server, postgres = _server(port), _pids("-x", "postgres")
    s0, g0, p0, t0 = _cpu(server), _generator(), sum(_cpu(postgres)), time.monotonic()
    stats = hammer(port, request, 32, seconds, warmup=0.0)
    s1, g1, p1, t1 = _cpu(server), _generator(), sum(_cpu(postgres)), time.monotonic()
    n = stats.requests or 1
    user, system = (s1[0] - s0[0]) / n * 1e3, (s1[1] - s0[1]) / n * 1e3
    generator, pg = (g1 - g0) / n * 1e3, (p1 - p0) / n * 1e3
    idle = ((os.cpu_count() or 1) * (t1 - t0) * 1e3) / n - user - system - generator - pg
    print(
        f"{name:>5}: {stats.rps:7,.0f} req/s  p99 {stats.p99_ms:5.1f} ms | ms of CPU a request: server "
        f"{user + system:.3f} (system {system:.3f}), generator {generator:.3f}, PostgreSQL {pg:.3f}, idle {idle:.3f}"
    )


def main(argv: list[str]) -> int:
    url = argv[0] if argv else f"sqlite:///{Path(tempfile.mkdtemp()) / 'split.db'}"
    if url.startswith("postgresql") and not fresh_postgres_database(url):
        print(f"PostgreSQL not reachable at {url}")
        return 1
    upgrade(url)
    workers, threads = int(os.environ.get("WORKERS", "2")), int(os.environ.get("THREADS", "4"))
    seconds = float(os.environ.get("BENCH_SECONDS", "6"))
    with (
        gunicorn("app:create_app()", chat_bench.server_env(url), workers, threads) as port,
        gunicorn("bench.apps:bare_app()", None, workers, threads) as bare_port,
    ):
        step, bare = chat_bench.requests(port)
        for _turn in range(2):
            measure("chat", port, step, seconds)
            measure("bare", bare_port, bare, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
