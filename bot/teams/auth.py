"""Who may call /api/messages: every request must carry a Bot Framework JWT, checked here before anything else runs.

The signing keys are published at the `jwks_uri` of the OpenID metadata at TEAMS_OPENID_METADATA_URL; PyJWT's
`PyJWKClient` fetches and caches them, and fetches again when a token names a key it has not seen (Microsoft rolls
keys), at most once per cooldown. A token is accepted only when it is RS256-signed by one of those keys, issued by
the Bot Framework, meant for this bot (audience = app id), not expired, its key endorsed for the activity's channel,
and its `serviceurl` claim is the activity's serviceUrl, so a token for one Teams region cannot steer replies
elsewhere.

When Microsoft's key server is down or slow, Teams keeps working with the keys already fetched: a failed refresh
keeps the old keys for another while rather than trying again on every request.

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
from cachetools import TTLCache

log = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
# The Bot Framework allows five minutes of clock skew between its token service and bots.
CLOCK_SKEW_SECONDS = 300
# Keys are read again daily, and when a token names an unknown key, but not more often than the cooldown (unknown
# key ids are cheap to send).
KEYS_LIFESPAN_SECONDS = 24 * 3600
REFETCH_AFTER_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 5
METADATA_RETRY_SECONDS = 30
# The channel reuses one token for many requests; a checked token is remembered this long (never past its expiry),
# so the signature is not verified again on every card click. The bound keeps memory flat under abuse.
VERIFIED_TTL_SECONDS = 300
VERIFIED_MAX = 2048


class Unauthorized(Exception):
    """The request is not from the Bot Framework for this bot. The message is for the log, never the caller."""


class KeysUnavailable(Exception):
    """We cannot check any token right now (the key server is unreachable and nothing is cached): try again later."""


def same_service_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/").casefold() == b.strip().rstrip("/").casefold()


class BotFrameworkKeys(jwt.PyJWKClient):
    """PyJWKClient for the Bot Framework's key set: keeps each key's channel endorsements, and keeps the keys it has
    when the key server cannot be reached."""

    def __init__(self, jwks_uri: str, lifespan: float) -> None:
        super().__init__(
            jwks_uri, lifespan=lifespan, timeout=HTTP_TIMEOUT_SECONDS, cooldown_duration=REFETCH_AFTER_SECONDS
        )
        self.endorsements: dict[str, list[str] | None] = {}

    def fetch_data(self) -> Any:
        try:
            data = super().fetch_data()
        except jwt.PyJWKClientConnectionError as err:
            kept = self.jwk_set_cache.jwk_set_with_timestamp if self.jwk_set_cache else None
            if kept is None:
                raise
            # Returned, the old set is cached again for another lifespan: the next try is that far off, not the
            # next request. A token naming a new key still asks again, once per cooldown.
            log.warning("Teams signing keys not refreshed, keeping ours: %s", type(err.__cause__).__name__)
            return kept.get_jwk_set()
        self.endorsements = {
            str(key["kid"]): key.get("endorsements")
            for key in data.get("keys", [])
            if isinstance(key, dict) and "kid" in key
        }
        return data


@dataclass
class TokenValidator:
    app_id: str
    metadata_url: str
    issuer: str = BOT_FRAMEWORK_ISSUER
    keys_lifespan: float = KEYS_LIFESPAN_SECONDS
    _keys: BotFrameworkKeys | None = None
    _keys_lock: threading.Lock = field(default_factory=threading.Lock)
    _metadata_failed_at: float = float("-inf")
    _verified_lock: threading.Lock = field(default_factory=threading.Lock)
    _verified: TTLCache[str, tuple[float, dict[str, Any], list[str] | None]] = field(
        default_factory=lambda: TTLCache(maxsize=VERIFIED_MAX, ttl=VERIFIED_TTL_SECONDS)
    )

    def validate(self, authorization: str | None, activity: dict[str, Any]) -> dict[str, Any]:
        """Return the token's claims, or raise Unauthorized (or KeysUnavailable)."""
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
        with self._verified_lock:
            remembered = self._verified.get(token)
        if remembered is not None and remembered[0] > now:
            return remembered[1], remembered[2]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as err:
            raise Unauthorized(f"malformed token: {type(err).__name__}") from None
        if header.get("alg") != "RS256":
            raise Unauthorized("token not signed with RS256")
        kid = str(header.get("kid", ""))
        keys = self._key_set()
        try:
            key = keys.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError:
            raise KeysUnavailable("no signing keys available") from None
        except jwt.PyJWKClientError:
            raise Unauthorized("token signed with an unknown key") from None
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
        endorsements = keys.endorsements.get(kid)
        with self._verified_lock:
            self._verified[token] = (min(float(claims["exp"]), now + VERIFIED_TTL_SECONDS), claims, endorsements)
        return claims, endorsements

    def _key_set(self) -> BotFrameworkKeys:
        """The key client, made the first time a token is checked: the metadata names where the keys are. While the
        metadata cannot be read, requests are refused at once for a while rather than each waiting for it."""
        with self._keys_lock:
            if self._keys is None:
                if time.monotonic() - self._metadata_failed_at < METADATA_RETRY_SECONDS:
                    raise KeysUnavailable("no signing keys available")
                try:
                    metadata = requests.get(self.metadata_url, timeout=HTTP_TIMEOUT_SECONDS)
                    metadata.raise_for_status()
                    jwks_uri = str(metadata.json()["jwks_uri"])
                except (requests.RequestException, ValueError, KeyError, TypeError) as err:
                    log.warning("could not fetch the Teams OpenID metadata: %s", type(err).__name__)
                    self._metadata_failed_at = time.monotonic()
                    raise KeysUnavailable("no signing keys available") from None
                self._keys = BotFrameworkKeys(jwks_uri, self.keys_lifespan)
            return self._keys
