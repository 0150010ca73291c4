"""Web hardening applied to every request and response: input checks, security headers and rate limits.

Input checks (`install_input_checks`, before any blueprint is registered): JSON nested deeper than MAX_JSON_DEPTH or
holding a NUL character is refused as invalid JSON (every `get_json` then answers None, and each endpoint its 400);
a form or query string that is not valid UTF-8, or holds a NUL, is a 400; an `<int:...>` path part too big for a
database id does not match (404). Oversized bodies are 413 (MAX_CONTENT_LENGTH).

Rate limits count per client address and endpoint. The default storage is each process's memory (so the limit
applies per worker); set RATE_LIMIT_STORAGE_URI (e.g. redis://...) to share counts between workers and machines.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Collection, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from limits import parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import BadRequest, TooManyRequests
from werkzeug.routing import IntegerConverter

from app.config import Settings

_log = logging.getLogger("earlyhelp.security")

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Everything the pages need is served by the app itself: no external scripts, styles, fonts or frames.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


# Deeper than any real message (a Teams card action is under 10 levels); Python's parser gives up near 1,000.
MAX_JSON_DEPTH = 64
# Ids are PostgreSQL integer columns: a bigger number in a path can name nothing.
MAX_DATABASE_ID = 2**31 - 1
BAD_TEXT = "The request holds characters that are not valid text (UTF-8, no NUL characters). Check it and try again."


def _refuse_deep_or_nul(value: Any) -> None:
    """Raise ValueError if `value` nests deeper than MAX_JSON_DEPTH or holds a NUL (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
            stack.extend((k, depth + 1) for k in item)
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str) and "\x00" in item:
            raise ValueError("NUL character in JSON")


class CheckedJSON(DefaultJSONProvider):
    """Flask's JSON, refusing what no endpoint could use: too deep (Python would raise RecursionError, a 500) or
    with NUL characters (PostgreSQL refuses them in text). Refused JSON is a ValueError, as malformed JSON is."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as err:
            raise ValueError("JSON nested too deeply") from err
        _refuse_deep_or_nul(value)
        return value


class DatabaseId(IntegerConverter):
    """`<int:...>` in a route: at most MAX_DATABASE_ID, so a huge number is a 404 rather than an overflow."""

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:  # fmt: skip
        super().__init__(url_map, fixed_digits, min, MAX_DATABASE_ID if max is None else max, signed)


def _check_text(raw: bytes) -> None:
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as err:
        raise BadRequest(BAD_TEXT) from err
    if any("\x00" in k or "\x00" in v for k, v in pairs):
        raise BadRequest(BAD_TEXT)


def install_input_checks(app: Flask) -> None:
    """Call straight after making the app, before blueprints add their routes (the int converter applies then)."""
    app.json = CheckedJSON(app)
    app.url_map.converters["int"] = DatabaseId

    @app.before_request
    def text_is_text() -> None:
        if request.query_string:
            _check_text(request.query_string)
        if request.mimetype == "application/x-www-form-urlencoded" and request.content_length:
            _check_text(request.get_data(cache=True))  # kept: the form (and Slack's signature check) read it again


class SecurityHeaders:
    """WSGI middleware adding the headers to every response as it starts: pages, API answers, errors and static
    files alike, and in one pass over a plain list (this runs on every request, so it stays cheap)."""

    def __init__(self, app: WSGIApplication, https_only: bool, static_paths: tuple[str, ...]) -> None:
        self._app = app
        self._https_only = https_only
        self.static_paths = static_paths
        self._always = [
            ("Content-Security-Policy", CSP),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            wanted = list(self._always)
            # Read when the response starts, so a proxy fix applied inside has already set the scheme.
            if self._https_only or environ.get("wsgi.url_scheme") == "https":
                wanted.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
            if not environ.get("PATH_INFO", "").startswith(self.static_paths):
                wanted.append(("Cache-Control", "no-store"))
            # A view may set one of these itself (to loosen it on purpose): its own value stands.
            present = {name.lower() for name, _value in headers}
            headers.extend(pair for pair in wanted if pair[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return self._app(environ, start)


def static_paths(app: Flask) -> tuple[str, ...]:
    """Where the app serves its scripts, styles and images: the only responses a browser or proxy may keep."""
    paths = {app.static_url_path} if app.has_static_folder else set()
    paths |= {bp.static_url_path for bp in app.blueprints.values() if bp.has_static_folder and bp.static_url_path}
    return tuple(sorted(p.rstrip("/") + "/" for p in paths if p))


def install_headers(app: Flask, settings: Settings) -> None:
    """Every response but a static file is `Cache-Control: no-store`: any page or answer can show a child's details
    (the chat's review, the finished page, notices, the no-script redirect, every hub page), and none may sit in a
    shared cache or the browser's back-forward cache for the next person at a shared computer."""
    app.wsgi_app = SecurityHeaders(  # type: ignore[method-assign]
        app.wsgi_app, settings.flag("SESSION_COOKIE_SECURE"), static_paths(app)
    )


class RateLimits:
    """Per-client-address limits on the views that need them (the public chat, the hub's sign-in), checked by a
    wrapper around just those views, so no other request pays for them. Counts live in each process's memory
    unless RATE_LIMIT_STORAGE_URI names a shared store (e.g. redis://...)."""

    def __init__(self, storage_uri: str) -> None:
        self._limiter = FixedWindowRateLimiter(storage_from_string(storage_uri, wrap_exceptions=True))

    def apply(self, app: Flask, endpoint: str, spec: str, methods: Collection[str] | None = None) -> None:
        """Limit one endpoint with `spec` ("120/minute;2000/hour"), counted per address and endpoint."""
        items = parse_many(spec)
        view = app.view_functions[endpoint]

        @wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            if methods is None or request.method in methods:
                address = request.remote_addr or "unknown"
                try:
                    for item in items:
                        if not self._limiter.hit(item, endpoint, address):
                            reset_at, _left = self._limiter.get_window_stats(item, endpoint, address)
                            raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))
                except StorageError as err:
                    # The shared store (Redis) is down: serve the request unlimited rather than fail it, and say so.
                    _log.warning("rate limit not applied, its storage failed: %s", type(err.storage_error).__name__)
            return view(*args, **kwargs)

        app.view_functions[endpoint] = limited


def chat_limit(settings: Settings) -> str | None:
    """The public chat's limit, or None when it is turned off ("0")."""
    return None if settings.get("CHAT_RATE_LIMIT") == "0" else settings.get("CHAT_RATE_LIMIT")


def sign_in_limit(settings: Settings) -> str | None:
    return None if settings.get("SIGN_IN_RATE_LIMIT") == "0" else settings.get("SIGN_IN_RATE_LIMIT")
