"""One-time codes that confirm a work email: issue one (queued as mail through the outbox), check what was typed,
and say whether a browser confirmed an address recently enough to be remembered.

Place in the flow: the browser chat's `email_code` step (intake/verification/email_step.py) and /my-requests
(bot/webchat) call these inside their own transaction; rows are intake/store/email_code.py. A code is six digits,
lasts `minutes`, allows `tries` wrong answers, and is kept only as an HMAC keyed with the app's secret key and bound
to the browser and the address, so a database reader learns nothing and a code works for nobody else. Sending is
rate-limited per address and per browser.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from intake.store.email_code import REQUEST, EmailCode
from intake.store.outbox import enqueue

_CODE = re.compile(r"^\d{6}$")


def _six_digits() -> str:
    return f"{secrets.randbelow(10**6):06d}"


@dataclass(frozen=True)
class CodePolicy:
    """Fixed when the app is built: the key (from SECRET_KEY) and the limits."""

    key: bytes
    minutes: int = 10
    tries: int = 5
    remember_days: int = 30
    # At most this many codes an hour to one address, and from one browser.
    sends_per_hour: int = 5
    make_code: Callable[[], str] = field(default=_six_digits, compare=False)

    def tag(self, token: str) -> str:
        """The stored form of a browser's token."""
        return hmac.new(self.key, f"browser:{token}".encode(), hashlib.sha256).hexdigest()

    def digest(self, holder: str, email: str, code: str) -> str:
        return hmac.new(self.key, f"code:{holder}:{email}:{code}".encode(), hashlib.sha256).hexdigest()


def normal_email(email: str) -> str:
    return email.strip().casefold()


@dataclass(frozen=True)
class Sent:
    """A code was queued: the row, and when it stops working."""

    row_id: int
    expires_at: datetime


class TooManyCodes(Exception):
    """Sending another code now would pass the hourly limit; the message says what to do instead."""


def send_code(s: Session, policy: CodePolicy, token: str, email: str, now: datetime, purpose: str = REQUEST) -> Sent:
    """Queue a new code to `email` for this browser (earlier live ones stop working). Raises TooManyCodes."""
    holder, email = policy.tag(token), normal_email(email)
    hour_ago = now - timedelta(hours=1)
    recent = s.scalar(
        select(func.count(EmailCode.id)).where(
            EmailCode.created_at > hour_ago, or_(EmailCode.email == email, EmailCode.holder == holder)
        )
    )
    if (recent or 0) >= policy.sends_per_hour:
        raise TooManyCodes(
            f"Too many codes have been sent to this address or from this browser in the last hour ({recent}). "
            "Please wait a while and type 'send a new code', or phone the hub."
        )
    s.execute(
        update(EmailCode)
        .where(EmailCode.holder == holder, EmailCode.email == email, EmailCode.code_hash.is_not(None))
        .values(code_hash=None)
    )
    code = policy.make_code()
    expires = now + timedelta(minutes=policy.minutes)
    row = EmailCode(
        holder=holder,
        email=email,
        purpose=purpose,
        code_hash=policy.digest(holder, email, code),
        attempts=0,
        created_at=now,
        expires_at=expires,
    )
    s.add(row)
    s.flush()
    enqueue(
        s,
        channel="mail",
        kind="email_code",
        recipient=email,
        payload={"code": code, "minutes": policy.minutes, "expires_at": expires.isoformat()},
        now=now,
        dedupe_key=f"email_code:{row.id}",
    )
    return Sent(row.id, expires)


def check_code(
    s: Session, policy: CodePolicy, token: str, email: str, typed: str, now: datetime, purpose: str = REQUEST
) -> str | None:
    """None when `typed` is this browser's live code for `email` (it is then used up and the address confirmed);
    otherwise what to tell the person. Every wrong try counts, committed with the caller's transaction."""
    holder, email = policy.tag(token), normal_email(email)
    row = s.scalar(
        select(EmailCode)
        .where(EmailCode.holder == holder, EmailCode.email == email, EmailCode.purpose == purpose)
        .order_by(EmailCode.created_at.desc(), EmailCode.id.desc())
        .limit(1)
    )
    again = "Type 'send a new code' and I will send another."
    if row is None or row.code_hash is None:
        return f"There is no code waiting for this address. {again}"
    if row.expires_at <= now:
        row.code_hash = None
        return f"That code has expired: codes last {policy.minutes} minutes. {again}"
    digits = re.sub(r"[\s-]", "", typed or "")
    if not _CODE.match(digits):
        return "The code is six digits, for example 042917. Type it as it is in the email."
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, policy.digest(holder, email, digits)):
        left = policy.tries - row.attempts
        if left <= 0:
            row.code_hash = None
            return f"That code is not right, and it was the last try for that code. {again}"
        return f"That code is not right. You have {left} {'try' if left == 1 else 'tries'} left."
    row.code_hash, row.confirmed_at = None, now
    return None


def remembered(s: Session, policy: CodePolicy, token: str, email: str, now: datetime) -> datetime | None:
    """When this browser last confirmed `email` with a code, if within `remember_days`."""
    holder, email = policy.tag(token), normal_email(email)
    return s.scalar(
        select(func.max(EmailCode.confirmed_at)).where(
            EmailCode.holder == holder,
            EmailCode.email == email,
            EmailCode.confirmed_at > now - timedelta(days=policy.remember_days),
        )
    )


def forget_old_codes(s: Session, policy: CodePolicy, now: datetime) -> int:
    """Delete code rows older than the remembered period (the daily retention job): after that they prove nothing."""
    result = s.execute(delete(EmailCode).where(EmailCode.created_at < now - timedelta(days=policy.remember_days + 1)))
    return int(getattr(result, "rowcount", 0) or 0)
