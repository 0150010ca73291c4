"""The managers' dashboard over a million requests in PostgreSQL: full page render time and each figure's queries.

Seeds `bench_dashboard` (created when missing; BENCH_DASHBOARD_DATABASE_URL to point elsewhere) with
BENCH_DASHBOARD_ROWS synthetic requests (1,000,000 by default) spread over three years, with generate_series
INSERT ... SELECT and one UPDATE marking repeats (minutes, not hours). Seeding is skipped when the table already
holds that many bench rows (BENCH_DASHBOARD_RESEED=1 forces it). Then it renders the dashboard page through the
Flask test client for several periods and filters, times each figure on its own, and runs EXPLAIN (ANALYZE) on
each query a figure issues, to show which indexes it uses.

The data: ~700,000 different children, so about one request in three is a repeat within 12 months (nationally
about one in five: a harder case for the repeat figures); agencies weighted like real referrals; levels 1-4; 97%
decided, with a median of about six hours; 90% with feedback to the referrer; the hub choosing another level in
about 12%. All names are synthetic ("child123 testchild").
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from app.cli.database import upgrade
from app.cli.pg_reachable import main as pg_reachable
from bench import targets
from intake.store.database import normalise_url

PG_URL = os.environ.get("BENCH_DASHBOARD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_dashboard")
ROWS = int(os.environ.get("BENCH_DASHBOARD_ROWS", "1000000"))
RESEED = os.environ.get("BENCH_DASHBOARD_RESEED") == "1"
REPEATS = 7
CHUNK = 100_000
CHILDREN = 700_000
REFERRERS = 5_000
# The data ends here and the app's clock stands here, so "last 4 weeks" is full of requests.
END = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
START = END - timedelta(days=3 * 365)
TARGET_SECONDS = 0.5

# Weighted like real referrals: police, schools and health send most.
AGENCIES = [
    *["school"] * 4,
    *["police"] * 4,
    "health_visiting",
    "gp",
    "hospital",
    "midwifery",
    "early_years",
    "mental_health",
    "childrens_social_care",
    "youth_justice",
    "housing",
    "voluntary",
    "other",
]

SEED_SQL = """
INSERT INTO support_requests (
    reference, draft_id, referrer_id, channel, received_at, immediate_danger,
    referring_agency, referring_organisation, child_first_name, child_last_name, child_name_key, child_dob,
    child_postcode, concern_categories, answers, facts, level, route, decision, rules_version, status,
    decision_due_at, assigned_to, decided_at, decided_by, hub_level, hub_outcome, feedback_sent_at)
SELECT
    'RFS-B-' || lpad(g::text, 8, '0'),
    'bench-' || g,
    1 + (g % :referrers),
    'webchat',
    received_at,
    false,
    agency,
    initcap(replace(agency, '_', ' ')) || ' Testorg ' || lpad((g % 60)::text, 2, '0'),
    'Child' || child,
    'Testchild',
    CASE WHEN r_alias < 0.05 THEN 'alias' || child || ' testchild' ELSE 'child' || child || ' testchild' END,
    date '2008-01-01' + (child % 6500),
    'FY' || (1 + child % 9) || ' ' || (child % 10) || chr(65 + child % 26) || chr(65 + (child / 26) % 26),
    '[]', '{}', '{}',
    level,
    CASE level WHEN 1 THEN 'universal_signpost' WHEN 2 THEN 'early_help_universal_plus'
        WHEN 3 THEN 'early_help_intensive'
        ELSE CASE WHEN g % 3 = 0 THEN 'hub_child_protection' ELSE 'hub_child_in_need' END END,
    '{}',
    'bench-rules',
    CASE WHEN decided THEN 'decided' ELSE 'awaiting_decision' END,
    received_at + interval '1 day',
    NULL,
    CASE WHEN decided THEN received_at + decision_hours * interval '1 hour' END,
    CASE WHEN decided THEN 'staff:bench@example.org' END,
    CASE WHEN decided THEN hub_level END,
    CASE WHEN NOT decided THEN NULL
        WHEN hub_level = 1 THEN CASE WHEN g % 2 = 0 THEN 'no_further_action_advice' ELSE 'signpost_universal' END
        WHEN hub_level = 2 THEN 'early_help_universal_plus'
        WHEN hub_level = 3 THEN 'early_help_intensive'
        ELSE CASE WHEN g % 5 < 3 THEN 'child_in_need_assessment' ELSE 'strategy_discussion' END END,
    CASE WHEN decided AND r_feedback < 0.9
        THEN received_at + (decision_hours + r_feedback * 20) * interval '1 hour' END
FROM (
    SELECT g, received_at, child, level, r_alias, r_feedback, decision_hours,
        (received_at < :decided_before AND r_decided < 0.97) AS decided,
        CASE WHEN r_override < 0.06 THEN greatest(1, level - 1)
            WHEN r_override < 0.12 THEN least(4, level + 1) ELSE level END AS hub_level,
        (CAST(:agencies AS text[]))[1 + floor(r_agency * :agency_count)::int] AS agency
    FROM (
        SELECT g,
            CAST(:start AS timestamptz) + ((g - 1) * :step + random() * 60) * interval '1 second' AS received_at,
            floor(random() * :children)::int AS child,
            CASE WHEN r_level < 0.15 THEN 1 WHEN r_level < 0.45 THEN 2 WHEN r_level < 0.80 THEN 3 ELSE 4 END AS level,
            random() AS r_alias, random() AS r_feedback, random() AS r_decided, random() AS r_override,
            random() AS r_agency, -ln(1 - random() * 0.999) * 8 AS decision_hours
        FROM (SELECT g, random() AS r_level FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS g) AS numbers
    ) AS drawn
) AS shaped
"""


BACKFILL_REPEATS = """
UPDATE support_requests SET repeat_of_id = (
    SELECT earlier.id FROM support_requests AS earlier
    WHERE earlier.child_dob = support_requests.child_dob
      AND (earlier.child_name_key = support_requests.child_name_key
           OR earlier.child_postcode = support_requests.child_postcode)
      AND earlier.received_at < support_requests.received_at
      AND earlier.received_at >= support_requests.received_at - interval '12 months'
    ORDER BY earlier.received_at DESC, earlier.id DESC
    LIMIT 1)
WHERE child_dob IS NOT NULL
"""


def _ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def _seed(engine: Engine) -> str:
    with engine.connect() as conn:
        have = conn.scalar(text("SELECT count(*) FROM support_requests WHERE rules_version = 'bench-rules'"))
    if have == ROWS and not RESEED:
        return f"Reused the {ROWS:,} requests already seeded."
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE support_requests, referrers RESTART IDENTITY CASCADE"))
        conn.execute(
            text(
                "INSERT INTO referrers (channel, channel_user_id, name, agency, organisation, created_at, updated_at) "
                "SELECT 'webchat', 'bench-' || g, 'Bench Testreferrer ' || g, 'school', 'Bench Testschool', "
                ":at, :at FROM generate_series(1, :n) AS g"
            ),
            {"n": REFERRERS, "at": START},
        )
        conn.execute(text("SELECT setseed(0.42)"))
        step = (END - START).total_seconds() / ROWS
        for lo in range(1, ROWS + 1, CHUNK):
            hi = min(lo + CHUNK - 1, ROWS)
            conn.execute(
                text(SEED_SQL),
                {
                    "lo": lo,
                    "hi": hi,
                    "start": START,
                    "step": step,
                    "children": CHILDREN,
                    "referrers": REFERRERS,
                    "agencies": AGENCIES,
                    "agency_count": len(AGENCIES),
                    "decided_before": END - timedelta(days=2),
                },
            )
            print(f"  seeded {hi:,} requests", flush=True)
        # What the submit listener (intake.repeat_requests.mark_repeat) would have recorded, as the migration does.
        conn.execute(text(BACKFILL_REPEATS))
        print("  marked repeat requests", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE support_requests"))
        conn.execute(text("VACUUM ANALYZE referrers"))
    return f"Seeded {ROWS:,} requests in {time.perf_counter() - started:.0f} s (generate_series INSERT ... SELECT)."


def _keep_months(url: str) -> str:
    """What the clock's hourly job does: keep every ended month's figures (hub.dashboard.kept_months)."""
    from hub.dashboard.kept_months import keep_months
    from intake.store.database import Database

    db = Database(url)
    started = time.perf_counter()
    try:
        made = keep_months(db, END)
    finally:
        db.dispose()
    if not made:
        return "Every month before the current one was already kept (hub.dashboard.kept_months)."
    return f"Kept {made} months' figures in {time.perf_counter() - started:.0f} s (hub.dashboard.kept_months)."


@contextmanager
def _statements(engine: Engine) -> Iterator[list[tuple[str, Any, float]]]:
    """Every SQL statement run inside the block, with its parameters and time."""
    seen: list[tuple[str, Any, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters, time.perf_counter() - conn.info.pop("bench_started")))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _timed(fn: Callable[[], Any], repeats: int = REPEATS) -> list[float]:
    fn()  # warm: connection pool, compiled SQL and template caches, PostgreSQL's buffers
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _plan_summary(engine: Engine, statement: str, parameters: Any) -> tuple[str, list[str]]:
    """EXPLAIN ANALYZE one statement: the index names used and the plan's node lines."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement, parameters)
            lines = [row[0] for row in cursor.fetchall()]
        conn.rollback()
    nodes = [line.rstrip() for line in lines if "->" in line or not line.startswith(" ")]
    used = sorted({word for line in lines for word in line.replace("(", " ").split() if word.startswith("ix_")})
    scans = "seq scan" if any("Seq Scan on support_requests" in line for line in lines) else "no seq scan"
    return f"{', '.join(used) or 'no index'}; {scans}", nodes


def _app(url: str) -> Any:
    from app import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret-key-of-at-least-32-characters",
            "CHILD_POPULATION": "30000",
            "LOG_LEVEL": "WARNING",
            "CLOCK": lambda: END,
        }
    )


def _client(app: Any) -> Any:
    """A test client signed in as a hub manager (the session the sign-in form would have made)."""
    from hub.auth import ISSUED_KEY, SEEN_KEY, SESSION_KEY, VERSION_KEY
    from hub.staff import HUB_MANAGER, add_account, find

    email = "bench.manager@example.org"
    with app.extensions["db"].transaction() as s:
        account = find(s, email) or add_account(s, email=email, role=HUB_MANAGER, now=END, name="Bench Manager")
        account_id, version = account.id, account.session_version
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = account_id
        session[VERSION_KEY] = version
        session[SEEN_KEY] = session[ISSUED_KEY] = END.timestamp()
    return client


def run() -> str:
    head = ["## Managers' dashboard over a million requests (PostgreSQL)", ""]
    if pg_reachable(PG_URL.rsplit("/", 1)[0] + "/postgres") != 0:
        return "\n".join([*head, "PostgreSQL not reachable: not measured.", ""])
    url = normalise_url(PG_URL)
    _ensure_database(url)
    upgrade(url)
    engine = create_engine(url)
    seeded = _seed(engine)
    seeded += " " + _keep_months(url)
    with engine.connect() as conn:
        version = conn.scalar(text("SHOW server_version"))
        total = conn.scalar(text("SELECT count(*) FROM support_requests"))
    engine.dispose()

    app = _app(url)
    client = _client(app)
    today = END.date()
    scenarios = [
        ("Last 4 weeks (the default)", "/hub/dashboard"),
        ("This month", "/hub/dashboard?preset=this_month"),
        ("Last quarter", "/hub/dashboard?preset=last_quarter"),
        ("Last 4 weeks, police only", "/hub/dashboard?agency=police"),
        ("Last quarter, one organisation", "/hub/dashboard?preset=last_quarter&organisation=School+Testorg+07"),
        ("A whole year", f"/hub/dashboard?from={today - timedelta(days=364)}&to={today}"),
        ("Weekly report", "/hub/dashboard/weekly"),
        ("CSV: repeat list, last quarter", "/hub/dashboard/repeats.csv?preset=last_quarter"),
    ]
    lines = [
        *head,
        f"{seeded} {total:,} rows in `support_requests`, received {START:%d %b %Y} to {END:%d %b %Y} "
        f"(about {total / ((END - START).days):,.0f} a day; Blackpool receives about 45). PostgreSQL {version} on "
        "the same machine. Each row: one warm-up, then the median and slowest of "
        f"{REPEATS} renders of the whole page through the Flask test client (queries, charts, template). "
        f"Target: under {TARGET_SECONDS * 1000:.0f} ms.",
        "",
        "| page | median | slowest | status |",
        "|---|---:|---:|---|",
    ]
    verdicts = []
    for label, path in scenarios:
        response = client.get(path)
        if response.status_code != 200:
            lines.append(f"| {label} | | | HTTP {response.status_code} |")
            continue
        times = _timed(lambda p=path: client.get(p))
        median = statistics.median(times)
        ok = median < TARGET_SECONDS
        lines.append(f"| {label} | {_ms(median)} | {_ms(max(times))} | {'ok' if ok else 'OVER TARGET'} |")
        verdicts.append((label, median, ok))

    lines += [
        "",
        "Each figure on its own for the default period (last 4 weeks), with the indexes its queries use "
        "(from EXPLAIN ANALYZE):",
        "",
        "| figure | median | queries | indexes used |",
        "|---|---:|---:|---|",
    ]
    plans: list[str] = []
    from hub.dashboard import queries
    from hub.dashboard.period import Filters, preset

    db = app.extensions["db"]
    period = preset("last_4_weeks", today)
    everyone = Filters()
    one_org = Filters(organisation="School Testorg 07")
    measured: list[tuple[str, Callable[[Any], Any]]] = [
        ("seven breakdowns (GROUPING SETS)", lambda s: queries.breakdowns(s, period, everyone, organisation_limit=15)),
        ("overview: timeliness, feedback, repeats, statutory", lambda s: queries.overview(s, period, everyone)),
        ("repeat list (newest 50)", lambda s: queries.repeat_list(s, period, everyone, limit=50)),
        ("weekly figures (last week)", lambda s: queries.weekly_figures(s, today - timedelta(days=7), today)),
        ("breakdowns, police only", lambda s: queries.breakdowns(s, period, Filters(agency="police"), 15)),
        ("breakdowns, one organisation", lambda s: queries.breakdowns(s, period, one_org, 15)),
        ("overview, police only", lambda s: queries.overview(s, period, Filters(agency="police"))),
    ]
    for label, figure in measured:
        with db.reading() as session:
            times = _timed(lambda f=figure, s=session: f(s))
            with _statements(db.engine) as seen:
                figure(session)
        summaries = []
        for statement, parameters, _ in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            summary, nodes = _plan_summary(db.engine, statement, parameters)
            summaries.append(summary)
            plans += [f"-- {label}", *nodes, ""]
        lines.append(
            f"| {label} | {_ms(statistics.median(times))} | {len(summaries)} | {'<br>'.join(sorted(set(summaries)))} |"
        )
    db.dispose()
    met = bool(verdicts) and all(ok for _label, _median, ok in verdicts)
    slowest = max(verdicts, key=lambda v: v[1]) if verdicts else None
    targets.record(
        f"Dashboard at a million requests (PostgreSQL): every page under {TARGET_SECONDS * 1000:.0f} ms (median)",
        met,
        f"slowest: {slowest[0].lower()}, {_ms(slowest[1])}" if slowest else "not measured",
    )
    verdict = (
        f"Every page rendered in under {TARGET_SECONDS * 1000:.0f} ms (median)."
        if met
        else f"Some pages took longer than {TARGET_SECONDS * 1000:.0f} ms (median): see OVER TARGET above."
    )
    lines += [
        "",
        verdict,
        "",
        "<details><summary>Query plans (EXPLAIN ANALYZE, default period)</summary>",
        "",
        "```",
        *plans,
        "```",
        "",
        "</details>",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
