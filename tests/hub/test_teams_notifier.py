"""The Teams notifier and connector on their own: what a card may show, certificate credentials, failures."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from hub.notifier import DeliveryError
from hub.notifiers.teams import TeamsConnector, TeamsNotifier, hub_address, render
from tests.teams_stubs import APP_ID, BotFramework, shared_key, start

ADDRESS_CONVERSATION = "a:personal-9"


@pytest.fixture
def bot_framework() -> Iterator[BotFramework]:
    fake, server = start()
    yield fake
    server.shutdown()
    server.server_close()


def message(kind: str, payload: dict, recipient: dict) -> SimpleNamespace:
    return SimpleNamespace(id=1, channel="teams", kind=kind, payload=payload, recipient=recipient)


def test_shared_channel_cards_carry_only_the_summary() -> None:
    payload = {
        "reference": "RFS-2026-000042",
        "level": 3,
        "route_label": "Children's social care assessment",
        "referring_agency": "school",
        "decision_due_at": "2026-11-25T17:00:00+00:00",
        "request_id": 42,
        "link": "https://hub.example.org/hub/requests/42",
        # Never in a summary payload, but if one ever were, a shared card must still not show it.
        "child_first_name": "Sam",
        "hub_rationale": "Sam Testchild disclosed ...",
        "answers": {"concern_details": "hungry"},
    }
    activity = render("hub_new_request", payload)
    shown = json.dumps(activity)
    assert "RFS-2026-000042" in shown and "Recommended level of need: 3" in shown
    assert "Decision due: Wed 25 Nov 2026 17:00" in shown
    for leak in ("Sam", "Testchild", "hungry", "disclosed"):
        assert leak not in shown
    titles = [a["title"] for a in activity["attachments"][0]["content"]["actions"]]
    assert titles == ["Claim", "Open in the hub"]


def test_a_referrers_own_chat_may_hear_the_hubs_reasons_as_plain_text() -> None:
    payload = {
        "reference": "RFS-2026-000042",
        "hub_outcome": "early help",
        "hub_rationale": "See [this](https://evil.example.org) {{DATE(2017-02-14T06:00:00Z)}}",
    }
    card = render("referrer_outcome", payload)["attachments"][0]["content"]
    assert all(e["type"] == "RichTextBlock" for e in card["body"]), "no markdown TextBlocks"
    runs = [r["text"] for e in card["body"] for r in e["inlines"]]
    assert any("[this](https://evil.example.org)" in r and "{{" not in r for r in runs)
    assert "actions" not in card, "no claim button in a referrer's chat"


def test_hub_conversation_setting() -> None:
    assert hub_address("https://smba.trafficmanager.net/uk/v3/conversations/19:abc@thread.tacv2", "t1", "28:b") == {
        "service_url": "https://smba.trafficmanager.net/uk/",
        "conversation_id": "19:abc@thread.tacv2",
        "tenant_id": "t1",
        "bot_id": "28:b",
    }
    assert hub_address("19:abc@thread.tacv2") is None
    assert hub_address("ftp://x/v3/conversations/19:a") is None


def test_certificate_credentials_sign_a_client_assertion(tmp_path: Path, bot_framework: BotFramework) -> None:
    key = shared_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "earlyhelp-bot.example.org")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "bot.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + certificate.public_bytes(serialization.Encoding.PEM)
    )
    connector = TeamsConnector(APP_ID, bot_framework.token_url, certificate_file=str(pem))
    assert connector.token().startswith("connector-token-")
    form = bot_framework.token_requests[0]
    assert "client_secret" not in form
    assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assertion = form["client_assertion"][0]
    header = jwt.get_unverified_header(assertion)
    assert header["x5t"] == jwt.utils.base64url_encode(certificate.fingerprint(hashes.SHA1())).decode()  # noqa: S303
    claims = jwt.decode(assertion, key.public_key(), algorithms=["RS256"], audience=bot_framework.token_url)
    assert claims["iss"] == claims["sub"] == APP_ID


def test_no_token_is_a_retryable_failure(bot_framework: BotFramework) -> None:
    connector = TeamsConnector(APP_ID, "http://127.0.0.1:9/token", password="test-password", timeout=2)
    notifier = TeamsNotifier(connector)
    recipient = {"service_url": bot_framework.service_url, "conversation_id": ADDRESS_CONVERSATION}
    with pytest.raises(DeliveryError) as caught:
        notifier.deliver(message("referrer_outcome", {"reference": "RFS-2026-000001"}, recipient))
    assert caught.value.retryable and bot_framework.posted == []


def test_an_address_without_a_conversation_is_not_retried(bot_framework: BotFramework) -> None:
    notifier = TeamsNotifier(TeamsConnector(APP_ID, bot_framework.token_url, password="test-password"))
    with pytest.raises(DeliveryError) as caught:
        notifier.deliver(message("referrer_outcome", {}, {"log": "hub"}))
    assert not caught.value.retryable


def test_delivery_returns_the_teams_activity_id(bot_framework: BotFramework) -> None:
    notifier = TeamsNotifier(TeamsConnector(APP_ID, bot_framework.token_url, password="test-password"))
    recipient = {"service_url": bot_framework.service_url, "conversation_id": ADDRESS_CONVERSATION}
    receipt = notifier.deliver(message("still_being_considered", {"reference": "RFS-2026-000001"}, recipient))
    assert receipt.external_id and receipt.external_id.startswith("activity-")
    assert bot_framework.posted_to(ADDRESS_CONVERSATION)[0].activity["summary"].endswith("RFS-2026-000001")


def test_delivery_works_from_a_thread_that_runs_an_event_loop(bot_framework: BotFramework) -> None:
    import asyncio
    import threading

    notifier = TeamsNotifier(TeamsConnector(APP_ID, bot_framework.token_url, password="test-password"))
    recipient = {"service_url": bot_framework.service_url, "conversation_id": ADDRESS_CONVERSATION}

    async def inside_a_loop() -> object:
        return notifier.deliver(message("referrer_outcome", {"reference": "RFS-2026-000002"}, recipient))

    # In a thread of its own, so the test does not depend on whether this thread already has a loop.
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(asyncio.run(inside_a_loop())))
    worker.start()
    worker.join()
    assert results and results[0].external_id  # type: ignore[attr-defined]
