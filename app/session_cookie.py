"""Signed-cookie sessions that cost nothing on the requests that do not use them.

Flask reads the session cookie (parse, check the signature, decode) before every request and, for a permanent
session, signs and sets it again after every response. The chat's message API, Slack and Teams never use the
session, and for a browser's chat message that was a fifth of the request's work. Here the cookie is read the first
time a request uses the session, and set again only when the request used it (which still slides a permanent
session's expiry forward on every page that reads it, as Flask's refresh does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer


class DeferredSession(SecureCookieSession):
    """A session whose stored data is read on first use.

    Flask marks a session `accessed` whenever the request reaches it through `flask.session`, so that is where it
    loads; every dict method loads too, for code that holds the object itself (the test client's
    `session_transaction`)."""

    def __init__(self, read: Callable[[], Mapping[str, Any]] | None = None) -> None:
        super().__init__()
        self._read = read
        self._used = False

    @property
    def loaded(self) -> bool:
        return self._read is None

    def load(self) -> None:
        read = self._read
        if read is not None:
            self._read = None
            dict.update(self, read())  # what was stored is not a change to store again

    @property  # type: ignore[override]
    def accessed(self) -> bool:
        return self._used

    @accessed.setter
    def accessed(self, value: bool) -> None:
        if value:
            self.load()
        self._used = value


def _loading_first(name: str) -> Callable[..., Any]:
    method = getattr(SecureCookieSession, name)

    def call(self: DeferredSession, *args: Any, **kwargs: Any) -> Any:
        self.load()
        return method(self, *args, **kwargs)

    call.__name__ = name
    return call


for _name in (
    "__getitem__",
    "__setitem__",
    "__delitem__",
    "__contains__",
    "__iter__",
    "__reversed__",
    "__len__",
    "__eq__",
    "__ne__",
    "__repr__",
    "__or__",
    "__ior__",
    "get",
    "setdefault",
    "pop",
    "popitem",
    "keys",
    "values",
    "items",
    "update",
    "clear",
    "copy",
):
    setattr(DeferredSession, _name, _loading_first(_name))


class DeferredCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, read on first use, set again only when used, and with the signing
    serializer built once per key instead of on every request."""

    session_class = DeferredSession

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is None:
                return None
            self._serializers = {key: serializer}
        return serializer

    def open_session(self, app: Flask, request: Request) -> DeferredSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        return DeferredSession(partial(self._stored, app, request, serializer))

    def _stored(self, app: Flask, request: Request, serializer: URLSafeTimedSerializer) -> Mapping[str, Any]:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return {}
        try:
            return serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return {}

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        return session.modified or (
            session.accessed and session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        )

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, DeferredSession) and not session.loaded:
            return  # never used by this request: nothing changed and nothing to refresh
        super().save_session(app, session, response)
