"""Back-off for password guessing at hub sign-in, per email address typed, that never says whether an account exists
and never lets a stranger lock a staff member out.

Place in the flow: the sign-in form (hub.sign_in) -> **sign-in guard** asks whether this email may be tried now ->
hub.staff checks the password -> the guard counts a failure, or forgets them after a success.

- Per client address: every sign-in post counts against SIGN_IN_RATE_LIMIT (app.security), whatever the email.
- Per email typed: SIGN_IN_ACCOUNT_LIMIT failures (default 5 in 15 minutes) and that email is held back, for known
  and unknown emails alike, so the answer ("too many attempts") says nothing about whether the account exists.
  The hold never applies at the account's *usual place* (the client address of its last successful sign-in), so
  the real person keeps signing in from their usual computer while a stranger is held back: there is no lockout a
  stranger can impose. Elsewhere the hold lasts until the oldest failure leaves the window (a moving window).
- Counts live in RATE_LIMIT_STORAGE_URI (Redis in production, so every worker shares them; each process's memory
  when empty). Emails are counted by a keyed tag, never stored as typed (people type passwords into that box).
  If that store is down, sign-in still works without the hold (a warning is logged): staff are never locked out by
  an outage, and the per-request scrypt check still slows guessing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from limits import parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from hub.staff import StaffAccount, normalise_email
from intake.store.audit import AuditSeal

EMAIL_PURPOSE = "sign-in email"
ADDRESS_PURPOSE = "sign-in address"
_BUCKET = "hub-sign-in-failures"
log = logging.getLogger(__name__)
T = TypeVar("T")


def _or(fallback: T, action: Callable[[], T]) -> T:
    try:
        return action()
    except StorageError as err:
        log.warning("sign-in back-off not applied, its storage failed: %s", type(err.storage_error).__name__)
        return fallback


class SignInGuard:
    def __init__(self, storage_uri: str, account_limit: str, seal: AuditSeal) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri, wrap_exceptions=True))
        self._item = parse(account_limit)
        self._seal = seal

    def email_tag(self, email: str) -> str:
        """The keyed tag an email typed at sign-in is known by (in the counts and the audit log)."""
        return self._seal.tag(EMAIL_PURPOSE, normalise_email(email)[:254])

    def place_tag(self, address: str) -> str:
        return self._seal.tag(ADDRESS_PURPOSE, address)

    def held_back(self, email: str, address: str, account: StaffAccount | None) -> bool:
        """True when this email has failed too often and the attempt is not from the account's usual place."""
        if account is not None and account.usual_place and account.usual_place == self.place_tag(address):
            return False
        return not _or(True, lambda: self._limiter.test(self._item, _BUCKET, self.email_tag(email)))

    def failed(self, email: str) -> None:
        _or(False, lambda: self._limiter.hit(self._item, _BUCKET, self.email_tag(email)))

    def succeeded(self, email: str, address: str, account: StaffAccount) -> None:
        """Forget the failures and remember where the person signs in from."""
        self.clear(email)
        account.usual_place = self.place_tag(address)

    def clear(self, email: str) -> None:
        _or(None, lambda: self._limiter.clear(self._item, _BUCKET, self.email_tag(email)))
