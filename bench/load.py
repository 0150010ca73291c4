"""A small closed-loop load generator and server runner shared by the HTTP benchmarks.

The server runs in its own process (gunicorn, gthread workers) so the load generator's threads do not share its
GIL. Each client thread keeps one persistent connection and sends the next request as soon as the last answer
arrives: `concurrency` connections in flight, as in the targets ("32 concurrent connections"). The server's CPU
(its master and workers, from /proc) is counted over each run and reported per request: unlike requests a second,
it hardly moves when others load the shared machine.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import targets

# A request factory: given the client's index and its request count so far, return (method, path, body, headers).
RequestFactory = Callable[[int, int], tuple[str, str, bytes | None, dict[str, str]]]


@dataclass(frozen=True)
class Stats:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    latencies: tuple[float, ...] = field(default=(), repr=False)
    # The server's CPU (user + system) per request, in microseconds; 0 when it could not be read.
    cpu_us: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def row(self, name: str) -> str:
        return (
            f"| {name} | {self.rps:,.0f} | {self.p50_ms:.1f} | {self.p99_ms:.1f} | {self.errors} | {self.cpu_us:,.0f} |"
        )


TABLE_HEAD = (
    "| path | requests/s | p50 ms | p99 ms | errors | server CPU µs a request |\n|---|---:|---:|---:|---:|---:|"
)
_TICK = os.sysconf("SC_CLK_TCK")
_SERVERS: dict[int, int] = {}  # port -> gunicorn master's pid, while it serves


def server_cpu_seconds(port: int) -> float:
    """User + system CPU seconds used so far by the gunicorn serving `port`: its master and its workers."""
    master = _SERVERS.get(port)
    if master is None:
        return 0.0
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        children = []
    ticks = 0
    for pid in [master, *map(int, children)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited (a worker restarting)
        ticks += int(fields[11]) + int(fields[12])
    return ticks / _TICK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str] | None = None, workers: int = 2, threads: int = 4) -> Iterator[int]:
    """Serve `module:factory()` on a free loopback port until the block ends.

    2 workers x 4 threads is what the Procfile and `earlyhelp serve` run, so the benches measure what ships (more
    threads per worker only add GIL contention: a chat step cost the server more CPU with 16 than with 4)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--no-control-socket",
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
            app_spec,
        ],
        env={**os.environ, **(env or {})},
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"server for {app_spec} exited with {proc.returncode}") from None
                time.sleep(0.1)
        else:
            raise RuntimeError(f"server for {app_spec} did not start")
        _SERVERS[port] = proc.pid
        yield port
    finally:
        _SERVERS.pop(port, None)
        proc.terminate()
        proc.wait(timeout=20)


def hammer(
    port: int,
    make_request: RequestFactory,
    concurrency: int = 32,
    seconds: float = 10.0,
    warmup: float = 2.0,
    expect: tuple[int, ...] = (200,),
) -> Stats:
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    counted = [0] * concurrency  # measured or not: what the server's CPU is divided by
    start_measuring = time.monotonic() + warmup
    stop = start_measuring + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while True:
            now = time.monotonic()
            if now >= stop:
                break
            method, path, body, headers = make_request(i, n)
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status in expect
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - t0
            if now >= start_measuring:
                latencies[i].append(elapsed)
                if not ok:
                    errors[i] += 1
            n += 1
            counted[i] = n
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    cpu_before = server_cpu_seconds(port)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu_us = (server_cpu_seconds(port) - cpu_before) / max(sum(counted), 1) * 1e6
    return _stats([x for per in latencies for x in per], sum(errors), seconds, [(cpu_us, sum(counted))])


def _stats(latencies: list[float], errors: int, seconds: float, cpu: list[tuple[float, int]]) -> Stats:
    """`cpu`: (server CPU µs a request, requests) of each run pooled, weighted by its requests."""
    flat = sorted(latencies)
    requests = sum(n for _us, n in cpu)
    cpu_us = sum(us * n for us, n in cpu) / requests if requests else 0.0
    if not flat:
        return Stats(0, errors, seconds, 0.0, 0.0, cpu_us=cpu_us)
    p99 = flat[min(len(flat) - 1, int(len(flat) * 0.99))]
    return Stats(len(flat), errors, seconds, statistics.median(flat) * 1000, p99 * 1000, tuple(flat), cpu_us)


def alternate(
    path: tuple[int, RequestFactory],
    bare: tuple[int, RequestFactory],
    concurrency: int = 32,
    seconds: float = 10.0,
    rounds: int = 3,
) -> tuple[Stats, Stats]:
    """Measure a path and bare Flask in turns (path, bare, path, bare ...), each for seconds / rounds a turn.

    On a shared machine whatever else runs comes and goes over seconds; taking turns gives both sides the same
    share of it, so their ratio means something even when the absolute rates wander.
    """
    per_turn = seconds / rounds
    mine: list[Stats] = []
    theirs: list[Stats] = []
    for turn in range(rounds):
        mine.append(hammer(path[0], path[1], concurrency, per_turn, warmup=2.0 if turn == 0 else 0.5))
        theirs.append(hammer(bare[0], bare[1], concurrency, per_turn, warmup=2.0 if turn == 0 else 0.5))
    return _pooled(mine), _pooled(theirs)


def _pooled(parts: list[Stats]) -> Stats:
    return _stats(
        [x for p in parts for x in p.latencies],
        sum(p.errors for p in parts),
        sum(p.seconds for p in parts),
        [(p.cpu_us, p.requests) for p in parts],
    )


P99_TARGET_MS = 100.0


def p99_met(path: Stats) -> bool:
    return path.p99_ms < P99_TARGET_MS and path.errors == 0 and path.requests > 0


def verdict(name: str, path: Stats, bare: Stats) -> str:
    """Record `name`'s target (bench.targets: p99 under 100 ms at 32 connections, no errors) and say how it went,
    then what is reported beside it: the rate against bare Flask and the server's CPU a request on each side."""
    ratio = path.rps / bare.rps if bare.rps else 0.0
    measured = f"p99 {path.p99_ms:.0f} ms" + (f", {path.errors:,} errors" if path.errors else "")
    targets.record(f"{name}: p99 under {P99_TARGET_MS:.0f} ms at 32 connections", p99_met(path), measured)
    return (
        f"p99 {path.p99_ms:.1f} ms (target < {P99_TARGET_MS:.0f} ms): **{'met' if p99_met(path) else 'NOT met'}**. "
        f"Reported, not a target: {ratio:.2f} of bare Flask's rate; the server spent {path.cpu_us:,.0f} µs of CPU "
        f"a step against {bare.cpu_us:,.0f} µs a bare request."
    )


def fresh_postgres_database(url: str) -> bool:
    """Drop and re-create the benchmark's own PostgreSQL database; False when no server can be reached."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    except Exception:
        return False
    finally:
        admin.dispose()
    return True
