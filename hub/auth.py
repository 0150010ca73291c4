"""Who is signed in to the hub, and the role check every hub page makes.

Place in the flow: sign-in (hub.sign_in) puts a staff account id and its session version in the signed session
cookie -> **auth** loads the account on each request, ends idle and revoked sessions, and `require_role(...)` guards
each view: no session -> the sign-in page; the wrong role -> 403; a form post without a valid CSRF token -> 400.
Hub pages are never cached.

Revoking: the account's `session_version` is in every cookie it was signed in with; sign-out, a password change, a
role change and disabling raise it (hub.staff), so every copy of every cookie of that person stops working at once.
Idling: the cookie carries the time of its last request, signed with SECRET_KEY. Only the service can move it on,
and only while the session is still live, so a copy replayed after HUB_IDLE_TIMEOUT_MINUTES is refused. A copy kept
alive by use still ends HUB_SESSION_MAX_HOURS after sign-in: the signed sign-in time is never moved on.

Use it on every hub view:

    @blueprint.get("/hub/something")
    @require_role(HUB_WORKER)          # roles nest: hub_worker < hub_manager < admin
    def something(): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from hub.staff import ADMIN, HUB_MANAGER, HUB_WORKER, ROLE_LABELS, StaffAccount, has_role
from intake.actor import staff_actor

__all__ = [
    "ADMIN",
    "HUB_MANAGER",
    "HUB_WORKER",
    "StaffUser",
    "add_nav_link",
    "current_staff",
    "init_auth",
    "now",
    "require_role",
]

F = TypeVar("F", bound=Callable[..., Any])

SESSION_KEY = "hub_staff_id"
SEEN_KEY = "hub_seen_at"
VERSION_KEY = "hub_session_version"
ISSUED_KEY = "hub_signed_in_at"
csrf = CSRFProtect()


@dataclass(frozen=True)
class StaffUser:
    id: int
    email: str
    name: str
    role: str

    @property
    def actor(self) -> str:
        """How this person appears in audit events and in `assigned_to`."""
        return staff_actor(self.email)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def has_role(self, *roles: str) -> bool:
        return has_role(self.role, *roles)


def now() -> datetime:
    return current_app.extensions["clock"]()


_NOT_LOADED = object()


def current_staff() -> StaffUser | None:
    """The signed-in staff member, looked up on first use in a request (the chat, Slack and Teams never ask)."""
    staff = g.get("staff", _NOT_LOADED)
    if staff is _NOT_LOADED:
        staff = g.staff = _load_staff()
    return staff  # type: ignore[return-value]


def _load_staff() -> StaffUser | None:
    """The session's account, unless it has been idle too long or the account was switched off; a hub page
    looking it up counts as activity and extends the session."""
    staff_id = session.get(SESSION_KEY)
    if staff_id is None:
        return None
    current = now()
    seen = session.get(SEEN_KEY)
    idle: timedelta = current_app.extensions["hub_idle_timeout"]
    longest: timedelta = current_app.extensions["hub_session_max"]
    issued = session.get(ISSUED_KEY)
    if (
        seen is None
        or issued is None
        or current.timestamp() - float(seen) > idle.total_seconds()
        or current.timestamp() - float(issued) > longest.total_seconds()
    ):
        sign_out_session()
        g.hub_timed_out = True
        return None
    with current_app.extensions["db"].reading() as s:
        account = s.get(StaffAccount, staff_id)
        if account is None or not account.active or session.get(VERSION_KEY) != account.session_version:
            # Deleted, disabled, or every session of theirs ended (sign-out, new password, new role).
            sign_out_session()
            g.hub_ended = True
            return None
        staff = StaffUser(account.id, account.email, account.display_name, account.role)
    # Static files do not count as activity worth extending the session for.
    if request.endpoint and not request.endpoint.endswith(".static"):
        session[SEEN_KEY] = current.timestamp()
    return staff


def sign_in_session(account: StaffAccount) -> None:
    """Start a fresh session for this account (a new session on every sign-in, so an old cookie is worthless)."""
    session.clear()
    session[SESSION_KEY] = account.id
    session[VERSION_KEY] = account.session_version
    session[SEEN_KEY] = session[ISSUED_KEY] = now().timestamp()
    g.pop("staff", None)  # looked up afresh if this request asks again


def sign_out_session() -> None:
    session.clear()
    g.pop("staff", None)


def require_role(*roles: str) -> Callable[[F], F]:
    """Allow the view only to signed-in staff holding one of `roles` (or a role above it); check CSRF on posts."""
    if not roles:
        raise ValueError("require_role needs at least one role")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                if g.get("hub_timed_out"):
                    session["hub_notice"] = "You were signed out because you were inactive. Sign in again."
                elif g.get("hub_ended"):
                    session["hub_notice"] = (
                        "You were signed out: you signed out elsewhere, or your account was changed. Sign in again."
                    )
                nxt = request.full_path if request.method == "GET" else None
                return redirect(url_for("hub_sign_in.sign_in", next=nxt.rstrip("?") if nxt else None))
            if not staff.has_role(*roles):
                return render_template("hub/forbidden.html", roles=roles), 403
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                csrf.protect()
            return view(*args, **kwargs)

        guarded.required_roles = roles  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def add_nav_link(app: Flask, endpoint: str, label: str, role: str) -> None:
    """Show a link in the hub's header to staff holding `role` (e.g. the managers' dashboard)."""
    app.extensions.setdefault("hub_nav_links", []).append({"endpoint": endpoint, "label": label, "role": role})


def init_auth(app: Flask) -> None:
    """Wire CSRF (checked only where require_role or a hub form asks: the chat's JSON API has no cookie forms) and
    the idle timeout that `current_staff` applies. (Hub pages are never cached: app.security sends no-store.)"""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the session's idle timeout bounds it instead
    csrf.init_app(app)
    app.extensions["hub_idle_timeout"] = timedelta(
        minutes=app.extensions["settings"].integer("HUB_IDLE_TIMEOUT_MINUTES")
    )
    app.extensions["hub_session_max"] = timedelta(hours=app.extensions["settings"].integer("HUB_SESSION_MAX_HOURS"))

    @app.errorhandler(CSRFError)
    def csrf_failed(err: CSRFError) -> tuple[str, int]:
        return render_template("hub/csrf_error.html"), 400

    @app.context_processor
    def staff_in_templates() -> dict[str, Any]:
        return {
            "staff": current_staff(),
            "hub_nav_links": app.extensions.setdefault("hub_nav_links", []),
            "HUB_WORKER": HUB_WORKER,
            "HUB_MANAGER": HUB_MANAGER,
            "ADMIN": ADMIN,
        }
