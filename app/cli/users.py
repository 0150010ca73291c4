"""`earlyhelp users ...`: hub staff accounts (local sign-in, or a role for a single sign-on identity).

Every change is an audit event (actor `cli:<operating-system user>`), in the same transaction as the change; a
password change, a role change and disabling end every hub session of that person at once (hub.staff).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from hub.staff import ROLES, AccountError, StaffAccount, add_account, find, set_active, set_password, set_role, unlock
from intake.store import audit


def _now() -> datetime:
    return current_app.extensions["clock"]()


def _operator() -> str:
    """Who ran the command, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _audit(s: Session, action: str, account: StaffAccount, **detail: Any) -> None:
    audit.record(s, at=_now(), actor=_operator(), action=action, detail={"account": account.email, **detail})


@click.group("users")
def users_group() -> None:
    """Manage hub staff accounts."""


@users_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the person may do in the hub.")
@click.option("--name", default=None, help="Name shown in the hub.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.option("--sso-only", is_flag=True, help="No password: the person signs in through single sign-on only.")
@with_appcontext
def add_command(email: str, role: str, name: str | None, password_stdin: bool, sso_only: bool) -> None:
    """Add a hub account for EMAIL with a role; asks for a password unless --sso-only."""
    password: str | None = None
    if not sso_only:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with current_app.extensions["db"].transaction() as s:
            account = add_account(s, email=email, role=role, name=name, password=password, now=_now())
            _audit(s, "staff.added", account, role=role, sign_in="sso" if sso_only else "password")
            email = account.email
    except AccountError as err:
        raise click.UsageError(str(err)) from err
    click.echo(f"Added {email} as {role}{' (single sign-on only)' if sso_only else ''}.")


@users_group.command("list")
@with_appcontext
def list_command() -> None:
    """List hub accounts."""
    from sqlalchemy import select

    with current_app.extensions["db"].reading() as s:
        for a in s.scalars(select(StaffAccount).order_by(StaffAccount.email)):
            state = "active" if a.active else "disabled"
            kind = "password" if a.password_hash else "sso"
            click.echo(f"{a.email}\t{a.role}\t{kind}\t{state}")


def _change(email: str, action: str, change: Callable[[StaffAccount], Any], **detail: Any) -> None:
    """Apply `change` to EMAIL's account and audit it, unless it changed nothing (it returns False)."""
    with current_app.extensions["db"].transaction() as s:
        account = find(s, email)
        if account is None:
            raise click.UsageError(f"No account for {email}.")
        try:
            changed = change(account)
        except AccountError as err:
            raise click.UsageError(str(err)) from err
        if changed is not False:
            _audit(s, action, account, **detail)


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role_command(email: str, role: str) -> None:
    """Change EMAIL's role (their open sessions end: they sign in again with the new role)."""
    _change(email, "staff.role_changed", lambda a: set_role(a, role, _now()), role=role)
    click.echo(f"{email} is now {role}.")


@users_group.command("disable")
@click.argument("email")
@with_appcontext
def disable_command(email: str) -> None:
    """Stop EMAIL signing in (by password or single sign-on); every open session of theirs ends at once."""
    _change(email, "staff.disabled", lambda a: set_active(a, False, _now()))
    click.echo(f"{email} is disabled.")


@users_group.command("enable")
@click.argument("email")
@with_appcontext
def enable_command(email: str) -> None:
    """Let a disabled account sign in again."""
    _change(email, "staff.enabled", lambda a: set_active(a, True, _now()))
    click.echo(f"{email} is enabled.")


@users_group.command("unlock")
@click.argument("email")
@with_appcontext
def unlock_command(email: str) -> None:
    """Clear the sign-in back-off after failed sign-ins for EMAIL (in RATE_LIMIT_STORAGE_URI)."""
    _change(email, "staff.unlocked", lambda a: unlock(a, _now()))
    current_app.extensions["sign_in_guard"].clear(email)
    click.echo(f"{email} is unlocked.")


@users_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set a new password for EMAIL (ends their open sessions and clears the sign-in back-off)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    _change(email, "staff.password_changed", lambda a: set_password(a, password, _now()))
    current_app.extensions["sign_in_guard"].clear(email)
    click.echo(f"Password changed for {email}.")
