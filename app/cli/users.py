"""`earlyhelp users ...`: hub staff accounts (local sign-in, or a role for a single sign-on identity)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from hub.staff import ROLES, AccountError, add_account, find, set_password, unlock


def _now():  # type: ignore[no-untyped-def]
    return current_app.extensions["clock"]()


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
            email = account.email
    except AccountError as err:
        raise click.UsageError(str(err)) from err
    click.echo(f"Added {email} as {role}{' (single sign-on only)' if sso_only else ''}.")


@users_group.command("list")
@with_appcontext
def list_command() -> None:
    """List hub accounts."""
    from sqlalchemy import select

    from hub.staff import StaffAccount

    with current_app.extensions["db"].reading() as s:
        for a in s.scalars(select(StaffAccount).order_by(StaffAccount.email)):
            state = "active" if a.active else "disabled"
            kind = "password" if a.password_hash else "sso"
            click.echo(f"{a.email}\t{a.role}\t{kind}\t{state}")


def _change(email: str, change) -> None:  # type: ignore[no-untyped-def]
    with current_app.extensions["db"].transaction() as s:
        account = find(s, email)
        if account is None:
            raise click.UsageError(f"No account for {email}.")
        try:
            change(account)
        except AccountError as err:
            raise click.UsageError(str(err)) from err


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role_command(email: str, role: str) -> None:
    """Change EMAIL's role."""
    _change(email, lambda a: setattr(a, "role", role))
    click.echo(f"{email} is now {role}.")


@users_group.command("disable")
@click.argument("email")
@with_appcontext
def disable_command(email: str) -> None:
    """Stop EMAIL signing in (by password or single sign-on); their open sessions end on the next request."""
    _change(email, lambda a: setattr(a, "active", False))
    click.echo(f"{email} is disabled.")


@users_group.command("enable")
@click.argument("email")
@with_appcontext
def enable_command(email: str) -> None:
    """Let a disabled account sign in again."""
    _change(email, lambda a: setattr(a, "active", True))
    click.echo(f"{email} is enabled.")


@users_group.command("unlock")
@click.argument("email")
@with_appcontext
def unlock_command(email: str) -> None:
    """Clear a lockout after too many failed sign-ins."""
    _change(email, lambda a: unlock(a, _now()))
    click.echo(f"{email} is unlocked.")


@users_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set a new password for EMAIL (also clears a lockout)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    _change(email, lambda a: set_password(a, password, _now()))
    click.echo(f"Password changed for {email}.")
