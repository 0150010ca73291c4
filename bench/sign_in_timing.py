"""Sign-in timing: a failed sign-in takes as long for an email with an account as for one without (issue 17).

`python -m bench.sign_in_timing` signs in 30 times with a wrong password for a known and for an unknown email through
the Flask test client (SQLite, no rate limits) and prints the median of each. Both run one scrypt check, so the
medians should be within a few per cent (tests/hub/test_sign_in_guessing.py counts the checks exactly).
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from app import create_app
from app.cli.database import upgrade
from hub.staff import add_account

ROUNDS = 30
SYNTHETIC_PASSWORD = "a long enough password"  # a throwaway bench account


def run() -> str:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder}/timing.db"
    upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret-key-of-at-least-32-characters",
            "SIGN_IN_RATE_LIMIT": "0",
            "SIGN_IN_ACCOUNT_LIMIT": "100000/minute",
            "AUDIT_CHECKPOINT_FILE": str(folder / "checkpoints.log"),
        }
    )
    with app.extensions["db"].transaction() as s:
        add_account(s, email="known@example.org", role="hub_worker", password=SYNTHETIC_PASSWORD, now=datetime.now(UTC))
    client = app.test_client()
    found = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', client.get("/hub/sign-in").text)
    assert found is not None
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(ROUNDS):
        for kind in times:
            data = {"email": f"{kind}@example.org", "password": f"guess {n}", "csrf_token": found.group(1)}
            start = time.perf_counter()
            assert client.post("/hub/sign-in", data=data).status_code == 400
            times[kind].append(time.perf_counter() - start)
    app.extensions["db"].dispose()
    known, unknown = (statistics.median(times[k]) * 1000 for k in ("known", "unknown"))
    return "\n".join(
        [
            "## Failed sign-in: known vs unknown email",
            "",
            f"median of {ROUNDS}: known email {known:.1f} ms, unknown email {unknown:.1f} ms "
            f"(ratio {known / unknown:.2f})",
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
