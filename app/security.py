"""Web hardening applied to every response and to the public endpoints: security headers and rate limits.

Rate limits count per client address. The default storage is each process's memory (so the limit applies per
worker); set RATE_LIMIT_STORAGE_URI (e.g. redis://...) to share counts between workers and machines.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.config import Settings

# Everything the pages need is served by the app itself: no external scripts, styles, fonts or frames.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def install_headers(app: Flask, settings: Settings) -> None:
    https_only = settings.flag("SESSION_COOKIE_SECURE")

    always = {
        "Content-Security-Policy": CSP,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        # One pass over the headers a view set itself (it may loosen one on purpose); werkzeug's setdefault
        # costs a raised KeyError per missing header, and this runs on every response.
        present = {name.lower() for name, _value in headers.items()}
        wanted = dict(always)
        if https_only or request.is_secure:
            wanted["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.path.startswith(("/chat/conversations", "/hub", "/dashboard")):
            # Pages and answers about children must not sit in shared caches or the browser's back-forward cache.
            wanted["Cache-Control"] = "no-store"
        headers.extend([(name, value) for name, value in wanted.items() if name.lower() not in present])
        return response


def build_limiter(app: Flask, settings: Settings) -> Limiter:
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=settings.get("RATE_LIMIT_STORAGE_URI") or "memory://",
        default_limits=[],
        headers_enabled=True,
    )
    app.extensions["limiter"] = limiter
    return limiter


def chat_limit(settings: Settings) -> str | None:
    """The public chat's limit, or None when it is turned off ("0")."""
    return None if settings.get("CHAT_RATE_LIMIT") == "0" else settings.get("CHAT_RATE_LIMIT")


def sign_in_limit(settings: Settings) -> str | None:
    return None if settings.get("SIGN_IN_RATE_LIMIT") == "0" else settings.get("SIGN_IN_RATE_LIMIT")
