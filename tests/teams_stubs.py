"""A local stand-in for the Bot Framework, on 127.0.0.1 in a thread: OpenID metadata and JWKS (signed with a key
made here), a client-credentials token endpoint, and a Bot Connector that records what the bot posts.

Shared by the Teams bot tests, the Teams notifier tests and the Teams benchmark.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

APP_ID = "00000000-0000-4000-8000-00000000b07f"
TENANT_ID = "00000000-0000-4000-8000-0000000071e1"
ISSUER = "https://api.botframework.com"
KID = "local-test-key"
_ACTIVITIES = re.compile(
    r"^(?P<base>/[^/]+/)v3/conversations/(?P<conversation>[^/]+)/activities(?:/(?P<reply>[^/]+))?$"
)


_KEYS: list[rsa.RSAPrivateKey] = []


def shared_key() -> rsa.RSAPrivateKey:
    """One RSA key per test run: making a 2048-bit key takes a noticeable fraction of a second."""
    if not _KEYS:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS[0]


@dataclass
class Posted:
    service_path: str
    conversation_id: str
    authorization: str
    activity: dict[str, Any]
    # Set when the bot replaced an earlier activity (PUT .../activities/<id>) instead of posting a new one.
    replaced: str | None = None


@dataclass
class BotFramework:
    """State of the fake; the handler below reads and writes it."""

    key: rsa.RSAPrivateKey = field(default_factory=shared_key)
    base_url: str = ""
    posted: list[Posted] = field(default_factory=list)
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    key_fetches: int = 0
    # A key server outage: /openid and /keys answer 503 (after `keys_delay` seconds, as a struggling server does).
    keys_down: bool = False
    keys_delay: float = 0.0
    # How many connector posts to refuse next, and with what status.
    fail_next: int = 0
    fail_status: int = 503
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def service_url(self) -> str:
        return f"{self.base_url}/uk/"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/openid"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": KID, "use": "sig", "endorsements": ["msteams"]}]}

    def mint(self, *, key: rsa.RSAPrivateKey | None = None, kid: str = KID, **claims: Any) -> str:
        """A Bot Framework-style token; pass a claim as None to leave it out."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": ISSUER,
            "aud": APP_ID,
            "iat": now,
            "nbf": now - 5,
            "exp": now + 3600,
            "serviceurl": self.service_url,
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": kid})

    def posted_to(self, conversation_id: str) -> list[Posted]:
        with self.lock:
            return [p for p in self.posted if p.conversation_id == conversation_id]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        fake = self.server.fake
        if self.path == "/keys":
            with fake.lock:
                fake.key_fetches += 1
        if self.path in ("/openid", "/keys"):
            time.sleep(fake.keys_delay)
            if fake.keys_down:
                self._json(503, {"error": "key server down"})
                return
        if self.path == "/openid":
            self._json(
                200,
                {
                    "issuer": ISSUER,
                    "jwks_uri": f"{fake.base_url}/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                },
            )
        elif self.path == "/keys":
            self._json(200, fake.jwks())
        else:
            self._json(404, {"error": "not found"})

    def do_PUT(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = _ACTIVITIES.match(self.path.split("?")[0])
        if not match or not match["reply"]:
            self._json(404, {"error": "not found"})
            return
        with fake.lock:
            fake.posted.append(
                Posted(
                    match["base"],
                    match["conversation"],
                    self.headers.get("Authorization", ""),
                    json.loads(raw or b"{}"),
                    replaced=match["reply"],
                )
            )
        self._json(200, {"id": match["reply"]})

    def do_POST(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/token":
            form = parse_qs(raw.decode())
            with fake.lock:
                fake.token_requests.append(form)
            self._json(
                200, {"token_type": "Bearer", "expires_in": 3600, "access_token": f"connector-token-{uuid.uuid4()}"}
            )
            return
        match = _ACTIVITIES.match(self.path.split("?")[0])
        if not match:
            self._json(404, {"error": "not found"})
            return
        with fake.lock:
            if fake.fail_next > 0:
                fake.fail_next -= 1
                status = fake.fail_status
            else:
                status = 0
                fake.posted.append(
                    Posted(
                        match["base"],
                        match["conversation"],
                        self.headers.get("Authorization", ""),
                        json.loads(raw or b"{}"),
                    )
                )
        if status:
            self._json(status, {"error": {"code": "ServiceError", "message": "stub told to fail"}})
        else:
            self._json(201, {"id": f"activity-{uuid.uuid4()}"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: BotFramework


def start() -> tuple[BotFramework, _Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    fake = BotFramework()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    server.fake = fake
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server


def activity(
    fake: BotFramework,
    kind: str = "message",
    *,
    user: str = "aad-user-1",
    conversation: str = "a:personal-1",
    conversation_type: str = "personal",
    person: str = "Alex Testreferrer",
    **fields: Any,
) -> dict[str, Any]:
    """An incoming activity as Teams sends it, from a (synthetic) user in a 1:1 chat unless told otherwise."""
    return {
        "type": kind,
        "id": f"in-{uuid.uuid4()}",
        "channelId": "msteams",
        "serviceUrl": fake.service_url,
        "from": {"id": f"29:{user}", "name": person, "aadObjectId": user},
        "recipient": {"id": f"28:{APP_ID}", "name": "Request for support"},
        "conversation": {"id": conversation, "conversationType": conversation_type, "tenantId": TENANT_ID},
        "channelData": {"tenant": {"id": TENANT_ID}},
        **fields,
    }
