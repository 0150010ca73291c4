"""Local stand-ins for where mail goes: a real SMTP server (aiosmtpd) and a real HTTP server that answers like
GOV.UK Notify's API, both on 127.0.0.1 with a free port. Each records what it accepted and can be told to refuse
the next attempts, so tests see retries and failures happen where they really do.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import json
import socket
import ssl
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# -- SMTP ------------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """The aiosmtpd handler: keeps every accepted message; `refuse_data` / `refuse_rcpt` hold replies to give the
    next DATA / RCPT commands instead of accepting them."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse_data: list[str] = field(default_factory=list)
    refuse_rcpt: list[str] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        with self.lock:
            self.attempts += 1
            if self.refuse_rcpt:
                return self.refuse_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refuse_data:
                return self.refuse_data.pop(0)
            message = email.message_from_bytes(envelope.content, policy=default_policy)
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def bodies(self) -> list[str]:
        return [m.get_content() for m in self.messages]


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox
    controller: Controller

    def stop(self) -> None:
        self.controller.stop()


def serve_smtp(
    port: int | None = None, *, tls_context: ssl.SSLContext | None = None, logins: dict[str, str] | None = None
) -> SmtpServer:
    """Start aiosmtpd on 127.0.0.1. With `tls_context` it offers STARTTLS; with `logins` it requires a login
    (only after STARTTLS)."""
    mailbox = Mailbox()
    port = port or free_port()
    kwargs: dict[str, Any] = {}
    if tls_context is not None:
        kwargs.update(tls_context=tls_context, require_starttls=True)
    if logins is not None:

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
            ok = isinstance(auth_data, LoginPassword) and logins.get(auth_data.login.decode()) == (
                auth_data.password.decode()
            )
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=True)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return SmtpServer("127.0.0.1", port, mailbox, controller)


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting it) for a certificate made now for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


# -- GOV.UK Notify ---------------------------------------------------------------------------------------------------

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"earlyhelp_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"

# What Notify answers when it refuses a request (its documented error bodies).
NOTIFY_ERRORS = {
    400: {"error": "BadRequestError", "message": "Can't send to this recipient using a team-only API key"},
    403: {"error": "AuthError", "message": "Invalid token: API key not found"},
    429: {"error": "RateLimitError", "message": "Exceeded rate limit for key type LIVE of 3000 requests per 60 sec"},
    500: {"error": "Exception", "message": "Internal server error"},
}


@dataclass
class NotifyApiStub:
    """Accepts POST /v2/notifications/email signed with API_KEY (a JWT with the service id as issuer, HS256 with
    the key's secret, as Notify checks it) and answers 201 with an id; `fail(status)` refuses the next ones."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    requests: int = 0
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, times: int = 1) -> None:
        with self.lock:
            self.failures.extend([status] * times)

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests += 1
            if path != "/v2/notifications/email":
                return 404, _error(404, "NotFoundError", "Not found")
            if not _signed(headers.get("Authorization", "")):
                return 403, _error(403, "AuthError", "Invalid token: signature, api token not found")
            if self.failures:
                status = self.failures.pop(0)
                return status, _error(status, **NOTIFY_ERRORS[status])
            data = json.loads(body)
            missing = [k for k in ("email_address", "template_id") if not data.get(k)]
            if missing:
                return 400, _error(400, "ValidationError", f"{missing[0]} is a required property")
            notification_id = str(uuid.uuid4())
            self.sent.append({"id": notification_id, **data})
        personalisation = data.get("personalisation") or {}
        return 201, {
            "id": notification_id,
            "reference": data.get("reference"),
            "content": {
                "subject": personalisation.get("subject", ""),
                "body": personalisation.get("body", ""),
                "from_email": "request.for.support@notifications.service.gov.uk",
            },
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "template": {"id": data["template_id"], "version": 1, "uri": f"{self.base_url}/v2/template/x"},
        }


def _error(status: int, error: str, message: str) -> dict[str, Any]:
    return {"errors": [{"error": error, "message": message}], "status_code": status}


def _signed(authorization: str) -> bool:
    if not authorization.startswith("Bearer "):
        return False
    try:
        claims = jwt.decode(authorization[7:], SECRET, algorithms=["HS256"], options={"require": ["iss", "iat"]})
    except jwt.PyJWTError:
        return False
    return claims.get("iss") == SERVICE_ID


def serve_notify() -> tuple[NotifyApiStub, ThreadingHTTPServer]:
    stub = NotifyApiStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = stub.answer(self.path, self.headers, body)
            raw = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.base_url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stub, server


def notify_stub() -> Iterator[NotifyApiStub]:
    stub, server = serve_notify()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


__all__ = [
    "API_KEY",
    "TEMPLATE_ID",
    "Mailbox",
    "NotifyApiStub",
    "SmtpServer",
    "free_port",
    "notify_stub",
    "self_signed_tls",
    "serve_notify",
    "serve_smtp",
]


# -- fixtures (imported by the conftest of each test folder that sends mail) -----------------------------------------

import pytest  # noqa: E402


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = serve_smtp()
    yield server
    server.stop()


@pytest.fixture
def notify_api() -> Iterator[NotifyApiStub]:
    yield from notify_stub()
