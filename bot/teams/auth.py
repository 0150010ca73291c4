"""Who may call /api/messages: every request must carry a Bot Framework JWT, checked here before anything else runs.

The keys come from the OpenID metadata at TEAMS_OPENID_METADATA_URL (its `jwks_uri`), cached and fetched again
when a token names a key we have not seen (Microsoft rolls keys). A token is accepted only when it is RS256-signed
by one of those keys, issued by the Bot Framework, meant for this bot (audience = app id), not expired, and its
`serviceurl` claim is the activity's serviceUrl, so a token for one Teams region cannot steer replies elsewhere.

The Agents SDK has a validator too, but it fixes the key URLs to Microsoft's and only logs a serviceurl mismatch;
both would break the tests' local key server and the last check, so PyJWT (what the SDK uses inside) is used directly.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests

log = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
# The Bot Framework allows five minutes of clock skew between its token service and bots.
CLOCK_SKEW_SECONDS = 300
METADATA_TTL_SECONDS = 24 * 3600
# A token naming an unknown key triggers a refetch, but not more often than this (unknown kids are cheap to send).
REFETCH_AFTER_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 10
# The channel reuses one token for many requests; a checked token is remembered this long (never past its expiry),
# so the signature is not verified again on every card click. A small bound keeps memory flat under abuse.
VERIFIED_TTL_SECONDS = 300
VERIFIED_MAX = 2048


class Unauthorized(Exception):
    """The request is not from the Bot Framework for this bot. The message is for the log, never the caller."""


class KeysUnavailable(Exception):
    """We cannot check any token right now (the key server is unreachable and nothing is cached): try again later."""


def same_service_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/").casefold() == b.strip().rstrip("/").casefold()


@dataclass
class TokenValidator:
    app_id: str
    metadata_url: str
    issuer: str = BOT_FRAMEWORK_ISSUER
    _keys: dict[str, tuple[jwt.PyJWK, list[str] | None]] = field(default_factory=dict)
    _fetched_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _verified: dict[str, tuple[float, dict[str, Any], list[str] | None]] = field(default_factory=dict)

    def validate(self, authorization: str | None, activity: dict[str, Any]) -> dict[str, Any]:
        """Return the token's claims, or raise Unauthorized."""
        if not authorization:
            raise Unauthorized("no Authorization header")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization is not a bearer token")
        token = token.strip()
        claims, endorsements = self._verify(token)
        channel = str(activity.get("channelId") or "")
        if endorsements is not None and channel and channel not in endorsements:
            raise Unauthorized("signing key is not endorsed for this channel")
        claimed_url = claims.get("serviceurl")
        service_url = activity.get("serviceUrl")
        if not isinstance(claimed_url, str) or not isinstance(service_url, str):
            raise Unauthorized("serviceurl claim or activity serviceUrl missing")
        if not same_service_url(claimed_url, service_url):
            raise Unauthorized("serviceurl claim does not match the activity")
        return claims

    def _verify(self, token: str) -> tuple[dict[str, Any], list[str] | None]:
        """Signature, issuer, audience and expiry: the checks that depend on the token alone."""
        now = time.time()
        remembered = self._verified.get(token)
        if remembered is not None and remembered[0] > now:
            return remembered[1], remembered[2]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as err:
            raise Unauthorized(f"malformed token: {type(err).__name__}") from None
        if header.get("alg") != "RS256":
            raise Unauthorized("token not signed with RS256")
        key, endorsements = self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=self.issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as err:
            raise Unauthorized(f"token rejected: {type(err).__name__}") from None
        if len(self._verified) >= VERIFIED_MAX:
            self._verified.clear()
        self._verified[token] = (min(float(claims["exp"]), now + VERIFIED_TTL_SECONDS), claims, endorsements)
        return claims, endorsements

    # -- keys ------------------------------------------------------------------------------------------------------

    def _key(self, kid: str) -> tuple[jwt.PyJWK, list[str] | None]:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = not self._keys or age > METADATA_TTL_SECONDS
            unknown = kid not in self._keys and age > REFETCH_AFTER_SECONDS
            if stale or unknown:
                self._refresh()
            if kid not in self._keys:
                raise Unauthorized("token signed with an unknown key")
            return self._keys[kid]

    def _refresh(self) -> None:
        try:
            metadata = requests.get(self.metadata_url, timeout=HTTP_TIMEOUT_SECONDS)
            metadata.raise_for_status()
            jwks = requests.get(metadata.json()["jwks_uri"], timeout=HTTP_TIMEOUT_SECONDS)
            jwks.raise_for_status()
            keys = jwks.json()["keys"]
        except (requests.RequestException, ValueError, KeyError, TypeError) as err:
            # Keep the keys we had: a blip at the key server should not lock every user out.
            log.warning("could not fetch Teams signing keys: %s", type(err).__name__)
            if not self._keys:
                raise KeysUnavailable("no signing keys available") from None
            return
        fresh: dict[str, tuple[jwt.PyJWK, list[str] | None]] = {}
        for raw in keys:
            if not isinstance(raw, dict) or "kid" not in raw:
                continue
            try:
                fresh[str(raw["kid"])] = (jwt.PyJWK(raw, algorithm="RS256"), raw.get("endorsements"))
            except jwt.PyJWTError:
                continue
        self._keys = fresh
        self._fetched_at = time.monotonic()
