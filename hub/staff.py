"""Hub staff accounts: who may sign in to the hub, with which role; password checks and single sign-on identities.

Place in the flow: sign-in (local password or single sign-on) -> **staff** -> the session holds the account id ->
every hub page checks the role (hub.auth). Local accounts are made with `earlyhelp users add`; single sign-on
accounts are made on first sign-in. Passwords are hashed with scrypt (werkzeug); nothing here logs a password.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from intake.store.database import Base, UtcDateTime

HUB_WORKER = "hub_worker"
HUB_MANAGER = "hub_manager"
ADMIN = "admin"
ROLES = (HUB_WORKER, HUB_MANAGER, ADMIN)
ROLE_LABELS = {HUB_WORKER: "Hub worker", HUB_MANAGER: "Hub manager", ADMIN: "Administrator"}
# Roles nest: a manager can do what a worker can, an administrator what a manager can.
ROLE_RANK = {HUB_WORKER: 1, HUB_MANAGER: 2, ADMIN: 3}

MIN_PASSWORD_LENGTH = 12

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-for-timing", method="scrypt")


class StaffAccount(Base):
    __tablename__ = "staff_accounts"
    __table_args__ = (UniqueConstraint("sso_issuer", "sso_subject", name="uq_staff_accounts_sso_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # None for accounts that only sign in through single sign-on.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # In every hub session cookie of this person; raising it ends all of them at once (hub.auth checks it).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Single sign-on's stable key for the person (issuer + subject), recorded at their first SSO sign-in.
    sso_issuer: Mapped[str | None] = mapped_column(String(500))
    sso_subject: Mapped[str | None] = mapped_column(String(255))
    # A keyed tag of the client address of the last successful sign-in (hub.sign_in_guard spares it from back-off).
    usual_place: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def has_role(self, *roles: str) -> bool:
        return has_role(self.role, *roles)


def has_role(role: str | None, *wanted: str) -> bool:
    """True when `role` is one of `wanted` or outranks the lowest of them (roles nest)."""
    if role not in ROLE_RANK or not wanted:
        return False
    return ROLE_RANK[role] >= min(ROLE_RANK[w] for w in wanted)


class AccountError(ValueError):
    """A bad value for an account (email, role, password); the message says what to do."""


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def check_email(email: str) -> str:
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        raise AccountError("Enter an email address like name@example.org.")
    return email


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Choose a role: {', '.join(ROLES)}.")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    return password


def find(session: Session, email: str) -> StaffAccount | None:
    return session.scalar(select(StaffAccount).where(StaffAccount.email == normalise_email(email)))


def add_account(
    session: Session, *, email: str, role: str, now: datetime, password: str | None = None, name: str | None = None
) -> StaffAccount:
    """Make an account. Without a password it can only sign in through single sign-on."""
    email, role = check_email(email), check_role(role)
    if find(session, email) is not None:
        raise AccountError(f"There is already an account for {email}.")
    account = StaffAccount(
        email=email,
        name=(name or "").strip() or None,
        role=role,
        password_hash=generate_password_hash(check_password(password), method="scrypt") if password else None,
        active=True,
        failed_sign_ins=0,
        session_version=0,
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    session.flush()
    return account


def end_sessions(account: StaffAccount, now: datetime) -> None:
    """End every hub session of this person, on every device, from their next request on."""
    account.session_version = (account.session_version or 0) + 1
    account.updated_at = now


def set_password(account: StaffAccount, password: str, now: datetime) -> None:
    """A new password ends every session signed in with the old one."""
    account.password_hash = generate_password_hash(check_password(password), method="scrypt")
    unlock(account, now)
    end_sessions(account, now)


def set_role(account: StaffAccount, role: str, now: datetime) -> bool:
    """Change the role; the person signs in again to use it. Returns whether anything changed."""
    role = check_role(role)
    if account.role == role:
        return False
    account.role = role
    end_sessions(account, now)
    return True


def set_active(account: StaffAccount, active: bool, now: datetime) -> bool:
    """Disable (every session ends at once) or enable an account. Returns whether anything changed."""
    if account.active == active:
        return False
    account.active = active
    end_sessions(account, now)
    return True


def unlock(account: StaffAccount, now: datetime) -> None:
    account.failed_sign_ins = 0
    account.first_failed_at = None
    account.locked_until = None
    account.updated_at = now


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password sign-in: `account` is set only when it succeeded."""

    account: StaffAccount | None
    outcome: str  # "ok" | "wrong" | "disabled" | "held_back"
    account_id: int | None = None  # the account the email named, if any (for the audit log, never shown)


def authenticate(
    session: Session,
    email: str,
    password: str,
    now: datetime,
    *,
    held_back: Callable[[StaffAccount | None], bool] = lambda _account: False,
) -> SignIn:
    """Check a password. Every path (known email, unknown email, single-sign-on-only account, held back by the
    sign-in guard) runs exactly one scrypt check and writes nothing to the account on failure, so neither the answer
    nor its timing says whether the account exists. Failures are counted by hub.sign_in_guard, not here."""
    account = find(session, email)
    stored = account.password_hash if account is not None else None
    matches = check_password_hash(stored or _DUMMY_HASH, password)
    account_id = account.id if account is not None else None
    if held_back(account):
        return SignIn(None, "held_back", account_id)
    if account is None or stored is None or not matches:
        return SignIn(None, "wrong", account_id)
    if not account.active:
        return SignIn(None, "disabled", account_id)
    unlock(account, now)
    account.last_sign_in_at = now
    return SignIn(account, "ok", account_id)


@dataclass(frozen=True)
class SsoSignIn:
    """The outcome of a single sign-on: `account` is set only when the person may sign in."""

    account: StaffAccount | None
    outcome: str  # "ok" | "linked" (first SSO sign-in of an existing account) | "created" | "no_role" | "disabled"
    #               | "other_identity" (the email belongs to an account linked to someone else) | "no_subject"


def sso_key(claims: dict[str, object], issuer: str) -> tuple[str, str] | None:
    """The provider's stable key for a person, never the email claim (Entra lets users change that): the tenant and
    object id when the token has them (Microsoft Entra: the same person in every app), else issuer and subject."""
    tid, oid = claims.get("tid"), claims.get("oid")
    if tid and oid:
        return f"entra:{tid}", str(oid)
    sub = claims.get("sub")
    if not sub:
        return None
    return str(claims.get("iss") or issuer), str(sub)


def sso_account(
    session: Session,
    *,
    key: tuple[str, str] | None,
    email: str,
    name: str | None,
    claimed_roles: list[str],
    now: datetime,
) -> SsoSignIn:
    """The account for someone the identity provider vouched for.

    Accounts are found by the provider's stable key (`sso_key`). The first single sign-on of a person links by email
    once: an account with that email and no key yet gets this key (a local account made with `--sso-only`, or one
    that used a password until now). After that the email claim is only shown, never used to find an account, so a
    changed email claim cannot take over someone else's account: an email whose account is linked to another key is
    refused. The role comes from the roles claim when it names a hub role (the highest wins), else from the account;
    with neither the person is refused. A disabled account always refuses, whatever the provider says.
    """
    if key is None:
        return SsoSignIn(None, "no_subject")
    issuer, subject = key
    hub_roles = [r for r in claimed_roles if r in ROLE_RANK]
    role = max(hub_roles, key=ROLE_RANK.__getitem__) if hub_roles else None
    account = session.scalar(
        select(StaffAccount).where(StaffAccount.sso_issuer == issuer, StaffAccount.sso_subject == subject)
    )
    outcome = "ok"
    if account is None:
        email = check_email(email)
        account = find(session, email)
        if account is not None and account.sso_subject is not None:
            return SsoSignIn(None, "other_identity")
        if account is None:
            if role is None:
                return SsoSignIn(None, "no_role")
            account = add_account(session, email=email, role=role, name=name, now=now)
            outcome = "created"
        else:
            outcome = "linked"
        account.sso_issuer, account.sso_subject = issuer, subject
    if not account.active:
        return SsoSignIn(None, "disabled")
    if role is not None and role != account.role:
        set_role(account, role, now)
    account.name = account.name or ((name or "").strip() or None)
    account.last_sign_in_at = now
    account.updated_at = now
    return SsoSignIn(account, outcome)


def staff_choices(session: Session) -> list[StaffAccount]:
    """Active staff, for the assign list."""
    return list(
        session.scalars(
            select(StaffAccount)
            .where(StaffAccount.active.is_(True))
            .order_by(func.coalesce(StaffAccount.name, StaffAccount.email))
        )
    )
