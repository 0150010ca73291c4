"""How often and for how long the outbox and follow-up sweeps retry a failure (hub/outbox/sweep.py,
hub/follow_ups/sweep.py): exponential backoff, a last attempt, and when a claimed row counts as abandoned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=1)
    # A row `sending` for longer than this belongs to a sweeper that died.
    stuck_after: timedelta = timedelta(minutes=10)

    def delay(self, attempts: int) -> timedelta:
        """Deterministic exponential backoff after the `attempts`-th failure: 1, 2, 4, 8 ... minutes, capped."""
        return min(self.base_delay * (2 ** max(attempts - 1, 0)), self.max_delay)
