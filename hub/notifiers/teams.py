"""Sending into Microsoft Teams: a client-credentials token, then the Agents SDK's connector client posting to
`{serviceUrl}v3/conversations/{id}/activities`.

`TeamsConnector` is the one place that talks to the Bot Connector; the app hands it to the Teams bot (replies to
typed messages) as well as using it here for the outbox (the hub's channel, the referrer's outcome).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from hub.follow_ups import summary_figures
from hub.notifier import DeliveryError, DeliveryReceipt
from intake.labels import TEAMS_CLAIM_VERB, Labels, when
from intake.store.database import Database
from intake.store.outbox import OutboxMessage

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANNEL = "teams"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
HTTP_TIMEOUT_SECONDS = 15
# Renew a token this long before it expires, so one is never used in its last seconds.
TOKEN_LEEWAY_SECONDS = 300


def default_token_url(tenant_id: str) -> str:
    return f"https://login.microsoftonline.com/{tenant_id or 'botframework.com'}/oauth2/v2.0/token"


class ConnectorError(Exception):
    """Could not post into Teams. `retryable` is False when trying again cannot help (the bot was removed...)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def certificate_credential(pem_file: str) -> tuple[str, str]:
    """(private key PEM, x5t thumbprint) from a PEM holding the bot's key and certificate; Entra needs the x5t."""
    pem = Path(pem_file).read_bytes()
    certificate = x509.load_pem_x509_certificate(pem)
    thumbprint = _base64url(certificate.fingerprint(hashes.SHA1()))  # noqa: S303 - x5t is defined as SHA-1
    return pem.decode(), thumbprint


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the SDK's async client from synchronous code, even where this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class TeamsConnector:
    """Posts activities into Teams conversations with a cached client-credentials token. Thread-safe."""

    def __init__(
        self,
        app_id: str,
        token_url: str,
        *,
        password: str = "",
        certificate_file: str = "",
        timeout: float = HTTP_TIMEOUT_SECONDS,
    ) -> None:
        self.app_id = app_id
        self.token_url = token_url
        self.timeout = timeout
        if certificate_file:
            key, thumbprint = certificate_credential(certificate_file)
            self._oauth = OAuth2Session(
                app_id,
                key,
                scope=BOT_FRAMEWORK_SCOPE,
                token_endpoint_auth_method="private_key_jwt",  # noqa: S106 - a method name
            )
            self._oauth.register_client_auth_method(PrivateKeyJWT(token_url, headers={"x5t": thumbprint}))
        else:
            self._oauth = OAuth2Session(app_id, password, scope=BOT_FRAMEWORK_SCOPE)
        self._lock = threading.Lock()

    # -- token -----------------------------------------------------------------------------------------------------

    def token(self) -> str:
        with self._lock:
            token = self._oauth.token
            if not token or token.is_expired(leeway=TOKEN_LEEWAY_SECONDS):
                try:
                    token = self._oauth.fetch_token(
                        self.token_url, grant_type="client_credentials", timeout=self.timeout
                    )
                except Exception as err:  # requests errors, OAuthError on a refused secret, bad JSON...
                    raise ConnectorError(
                        f"no token from the token endpoint: {type(err).__name__}", retryable=True
                    ) from None
            return str(token["access_token"])

    # -- sending ---------------------------------------------------------------------------------------------------

    def send(self, address: dict[str, Any], activity: dict[str, Any], *, replace: str | None = None) -> str | None:
        """Post `activity` into the conversation at `address` (or, with `replace`, put it in place of that earlier
        activity); returns the activity's id when Teams gives one."""
        service_url = address.get("service_url")
        conversation_id = address.get("conversation_id")
        if not service_url or not conversation_id:
            raise ConnectorError("the Teams address has no service URL or conversation", retryable=False)
        conversation = {"id": conversation_id}
        if address.get("tenant_id"):
            conversation["tenantId"] = address["tenant_id"]
        body = {
            "channelId": "msteams",
            "serviceUrl": service_url,
            "conversation": conversation,
            **({"from": {"id": address["bot_id"]}} if address.get("bot_id") else {}),
            **activity,
        }
        token = self.token()
        return _run(self._post(str(service_url), str(conversation_id), Activity.model_validate(body), token, replace))

    async def _post(
        self, service_url: str, conversation_id: str, activity: Activity, token: str, replace: str | None = None
    ) -> str | None:
        endpoint = service_url if service_url.endswith("/") else service_url + "/"
        session = aiohttp.ClientSession(base_url=endpoint, timeout=aiohttp.ClientTimeout(total=self.timeout))
        client = ConnectorClient(endpoint=endpoint, token=token, session=session)
        try:
            if replace:
                response = await client.conversations.update_activity(conversation_id, replace, activity)
            else:
                response = await client.conversations.send_to_conversation(conversation_id, activity)
        except aiohttp.ClientResponseError as err:
            # 429 and 5xx are Teams being busy or down; 4xx means this message will never go (bot removed, bad id).
            retryable = err.status == 429 or err.status >= 500
            raise ConnectorError(f"Bot Connector answered {err.status}", retryable=retryable) from None
        except (aiohttp.ClientError, TimeoutError) as err:
            raise ConnectorError(f"Bot Connector unreachable: {type(err).__name__}", retryable=True) from None
        finally:
            await client.close()
        return (response.id if response else None) or replace


def hub_address(value: str, tenant_id: str = "", bot_id: str = "") -> dict[str, Any] | None:
    """TEAMS_HUB_CONVERSATION, `<serviceUrl>v3/conversations/<conversation id>`, as a Teams address."""
    value = value.strip()
    marker = "/v3/conversations/"
    if marker not in value:
        return None
    service_url, _, conversation_id = value.partition(marker)
    conversation_id = conversation_id.strip("/")
    if not service_url.startswith(("https://", "http://")) or not conversation_id:
        return None
    return {
        "service_url": service_url + "/",
        "conversation_id": conversation_id,
        "tenant_id": tenant_id or None,
        "bot_id": bot_id or None,
    }


# -- the outbox notifier -----------------------------------------------------------------------------------------------

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

_TITLES = {
    "hub_new_request": "New request for support",
    "hub_request_updated": "Request for support",
    "referrer_receipt": "The hub has your request",
    "referrer_outcome": "The hub has decided on your request",
    "still_being_considered": "Your request is still being considered",
    "triage_reminder": "A request is waiting for a decision",
    "triage_escalation": "A request has passed its decision deadline",
    "early_help_review_checkin": "Early help review",
    "early_help_not_started": "Early help has not started",
    "draft_reminder": "You have an unfinished request",
    "weekly_summary": "This week's requests",
}
# Payload fields a card may show, in order, with their labels. Everything else in a payload is ignored, so a
# payload carrying more than a shared channel may see still cannot leak it through this notifier.
_FIELDS = (
    ("reference", "Reference"),
    ("level", "Recommended level of need"),
    ("route_label", "Route"),
    ("route", "Route"),
    ("referring_agency", "Referred by"),
    ("decision_due_at", "Decision due"),
    ("status", "Status"),
    ("assigned_to", "Claimed by"),
    ("decided_by", "Decided by"),
    ("outcome_label", "Outcome"),
    ("hub_outcome", "Outcome"),
    ("outcome", "Outcome"),
    ("hub_level", "Hub's level of need"),
    ("next_steps", "What happens next"),
    ("timescale", "Timescale"),
    ("due_at", "Due"),
)
# Referrers' own chats may also be told the reasons; a shared channel never is (they are not in _FIELDS).
_PRIVATE_FIELDS = (("reasons", "Why"), ("hub_rationale", "The hub's reasons"), ("message", "Message"))
_SHARED_KINDS = ("hub_new_request", "hub_request_updated", "triage_reminder", "triage_escalation", "weekly_summary")


def _plain(text: str) -> str:
    # TextRuns are never read as markdown; this only stops `{{...}}` becoming a DATE()/TIME() template.
    return text.replace("{{", "{\u200b{").replace("}}", "}\u200b}")


def _shown(key: str, value: Any, labels: Labels) -> str:
    if key.endswith("_at") and isinstance(value, str):
        return when(value)
    if key == "referring_agency":
        return labels.agency(value)
    if key in ("hub_outcome", "outcome"):
        return labels.outcome(value)
    if key == "status":
        return labels.status(value)
    return str(value)


def _line(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": _plain(text), **style}]}


def render(kind: str, payload: dict[str, Any], public_url: str = "", labels: Labels | None = None) -> dict[str, Any]:
    """The Teams message for one outbox row: an Adaptive Card from the structured payload."""
    labels = labels or Labels()
    if kind == "weekly_summary":
        return _weekly_summary(payload)
    body = [_line(_TITLES.get(kind, "Request for support update"), weight="bolder", size="medium")]
    fields = _FIELDS if kind in _SHARED_KINDS else _FIELDS + _PRIVATE_FIELDS
    shown: set[str] = set()
    for key, label in fields:
        value = payload.get(key)
        if value in (None, "", []) or label in shown:
            continue
        shown.add(label)
        if isinstance(value, list):
            body.append(_line(f"{label}:", weight="bolder"))
            body += [_line(f"• {item}") for item in value[:20]]
        else:
            body.append(_line(f"{label}: {_shown(key, value, labels)}"))
    actions: list[dict[str, Any]] = []
    claimable = not payload.get("assigned_to") and payload.get("status") in (None, "awaiting_decision")
    if kind in ("hub_new_request", "hub_request_updated") and payload.get("request_id") is not None and claimable:
        data = {"verb": TEAMS_CLAIM_VERB, "request_id": payload["request_id"], "reference": payload.get("reference")}
        actions.append(
            {
                "type": "Action.Execute",
                "title": "Claim",
                "verb": TEAMS_CLAIM_VERB,
                "data": data,
                "fallback": {"type": "Action.Submit", "title": "Claim", "data": data},
            }
        )
    link = payload.get("link") or (
        f"{public_url}/hub/requests/{payload['request_id']}"
        if kind in _SHARED_KINDS and payload.get("request_id")
        else None
    )
    if link:
        actions.append({"type": "Action.OpenUrl", "title": "Open in the hub", "url": link})
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    if actions:
        card["actions"] = actions
    summary = _TITLES.get(kind, "Request for support update")
    if payload.get("reference"):
        summary = f"{summary}: {payload['reference']}"
    return {
        "type": "message",
        "summary": summary,
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }


def _weekly_summary(payload: dict[str, Any]) -> dict[str, Any]:
    """The Monday summary to hub managers: the headline figures (hub/follow_ups/summary_figures.py), counts only."""
    period = summary_figures.period(payload)
    body: list[dict[str, Any]] = [_line(f"Requests for support: {period}", weight="bolder", size="medium")]
    facts = [{"title": label, "value": _plain(value)} for label, value in summary_figures.headline_rows(payload)]
    body.append({"type": "FactSet", "facts": facts})
    for title, more in (("By recommended level", summary_figures.by_level(payload)),
                        ("By route", summary_figures.by_route(payload))):  # fmt: skip
        if more:
            body.append(_line(title, weight="bolder"))
            body.append({"type": "FactSet", "facts": [{"title": _plain(k), "value": _plain(v)} for k, v in more]})
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    if payload.get("link"):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the weekly report", "url": payload["link"]}]
    return {
        "type": "message",
        "summary": f"Requests for support: {period}",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }


class TeamsNotifier:
    """Delivers outbox rows for channel "teams": the hub's channel (summary cards) and referrers' 1:1 chats.

    A `hub_request_updated` (claimed, assigned, decided) replaces the original alert card in place when Teams gave
    that alert an id, so the channel shows one card per request; otherwise it is posted as a new card."""

    def __init__(
        self, connector: TeamsConnector, public_url: str = "", db: Database | None = None, labels: Labels | None = None
    ) -> None:
        self.connector = connector
        self.labels = labels or Labels()
        self.public_url = public_url.rstrip("/")
        self.db = db

    def deliver(self, message: OutboxMessage) -> DeliveryReceipt:
        payload = message.payload or {}
        activity = render(message.kind, payload, self.public_url, self.labels)
        replace = self._alert_id(payload) if message.kind == "hub_request_updated" else None
        try:
            activity_id = self.connector.send(message.recipient or {}, activity, replace=replace)
        except ConnectorError as err:
            raise DeliveryError(f"teams: {err}", retryable=err.retryable) from None
        return DeliveryReceipt(external_id=activity_id)

    def _alert_id(self, payload: dict[str, Any]) -> str | None:
        if payload.get("alert_external_id"):
            return str(payload["alert_external_id"])
        if self.db is None or payload.get("alert_message_id") is None:
            return None
        # The alert may have been delivered after this update was queued: its id is on its own outbox row.
        with self.db.reading() as s:
            alert = s.get(OutboxMessage, int(payload["alert_message_id"]))
            return alert.external_id if alert is not None else None
