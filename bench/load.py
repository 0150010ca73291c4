"""A small closed-loop load generator and server runner shared by the HTTP benchmarks.

The server runs in its own process (gunicorn, gthread workers) so the load generator's threads do not share its
GIL. Each client thread keeps one persistent connection and sends the next request as soon as the last answer
arrives: `concurrency` connections in flight, as in the targets ("32 concurrent connections").
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

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def row(self, name: str) -> str:
        return f"| {name} | {self.rps:,.0f} | {self.p50_ms:.1f} | {self.p99_ms:.1f} | {self.errors} |"


TABLE_HEAD = "| path | requests/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|"


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
        yield port
    finally:
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
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _stats([x for per in latencies for x in per], sum(errors), seconds)


def _stats(latencies: list[float], errors: int, seconds: float) -> Stats:
    flat = sorted(latencies)
    if not flat:
        return Stats(0, errors, seconds, 0.0, 0.0)
    p99 = flat[min(len(flat) - 1, int(len(flat) * 0.99))]
    return Stats(len(flat), errors, seconds, statistics.median(flat) * 1000, p99 * 1000, tuple(flat))


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
    return _stats([x for p in parts for x in p.latencies], sum(p.errors for p in parts), sum(p.seconds for p in parts))


def verdict(path: Stats, bare: Stats, target_ratio: float = 0.5, p99_ms: float = 100.0) -> str:
    ratio = path.rps / bare.rps if bare.rps else 0.0
    ok = ratio >= target_ratio and path.p99_ms < p99_ms and path.errors == 0
    return (
        f"Ratio to bare Flask: **{ratio:.2f}** (target ≥ {target_ratio}); p99 {path.p99_ms:.1f} ms "
        f"(target < {p99_ms:.0f} ms): **{'met' if ok else 'NOT met'}**."
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
