"""Single sign-on against a real local OpenID Connect provider: discovery, authorize, token, JWKS, roles."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from hub.staff import find
from intake.store.audit import AuditEvent
from tests.conftest import FakeClock
from tests.hub.helpers import make_account
from tests.hub.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, RunningProvider


@pytest.fixture
def provider() -> Iterator[Provider]:
    with RunningProvider() as running:
        yield running


@pytest.fixture
def sso_app(database_url: str, clock: FakeClock, provider: Provider) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "OIDC_ISSUER": provider.url,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }
    )
    yield app
    app.extensions["db"].dispose()


def _sso(client: FlaskClient, next_path: str = "") -> object:
    """Follow the whole round trip: the app -> the provider's authorize endpoint -> back to the app's callback."""
    start = client.get("/hub/sign-in/sso" + (f"?next={next_path}" if next_path else ""))
    assert start.status_code == 302
    authorize = start.headers["Location"]
    assert authorize.startswith(f"{urlparse(authorize).scheme}://127.0.0.1")
    assert "nonce=" in authorize and "state=" in authorize
    back = requests.get(authorize, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    assert callback.path == "/hub/sign-in/callback"
    return client.get(f"{callback.path}?{callback.query}")


def test_sign_in_page_offers_single_sign_on(sso_app: Flask) -> None:
    html = sso_app.test_client().get("/hub/sign-in").get_data(as_text=True)
    assert "Sign in with your council account" in html


def test_role_from_the_providers_roles_claim(sso_app: Flask, provider: Provider) -> None:
    client = sso_app.test_client()
    provider.user = {"email": "Casey.Manager@example.org", "name": "Casey Manager", "roles": ["hub_manager", "other"]}
    done = _sso(client, "/hub/requests?overdue=1")
    assert done.status_code == 302 and done.headers["Location"] == "/hub/requests?overdue=1"
    page = client.get("/hub/requests")
    assert page.status_code == 200
    assert "Casey Manager" in page.get_data(as_text=True)
    with sso_app.extensions["db"].reading() as s:
        account = find(s, "casey.manager@example.org")
        assert account is not None and account.role == "hub_manager" and account.password_hash is None
        event = s.scalars(select(AuditEvent)).one()
        assert (event.action, event.detail["method"]) == ("staff.signed_in", "oidc")


def test_role_from_a_local_account_when_the_claim_has_none(sso_app: Flask, provider: Provider) -> None:
    make_account(sso_app, "robin.worker@example.org", "hub_worker", password=None)
    client = sso_app.test_client()
    provider.user = {"preferred_username": "robin.worker@example.org", "name": "Robin Worker"}
    assert _sso(client).status_code == 302
    assert client.get("/hub/requests").status_code == 200


def test_no_hub_role_means_no_session(sso_app: Flask, provider: Provider) -> None:
    client = sso_app.test_client()
    provider.user = {"email": "someone@example.org", "roles": ["finance"]}
    refused = _sso(client)
    assert refused.status_code == 400
    assert "has no hub role" in refused.get_data(as_text=True)
    assert client.get("/hub/requests").status_code == 302


def test_a_disabled_local_account_wins_over_the_claim(sso_app: Flask, provider: Provider) -> None:
    make_account(sso_app, "left@example.org", "hub_worker", password=None)
    with sso_app.extensions["db"].transaction() as s:
        find(s, "left@example.org").active = False  # type: ignore[union-attr]
    client = sso_app.test_client()
    provider.user = {"email": "left@example.org", "roles": ["admin"]}
    assert _sso(client).status_code == 400
    assert client.get("/hub/requests").status_code == 302


def test_a_forged_id_token_is_refused(sso_app: Flask, provider: Provider) -> None:
    client = sso_app.test_client()
    provider.user = {"email": "mallory@example.org", "roles": ["admin"]}
    provider.forge = True
    assert _sso(client).status_code == 400
    assert provider.token_requests == 1
    assert client.get("/hub/requests").status_code == 302


def test_a_callback_with_the_wrong_state_is_refused(sso_app: Flask, provider: Provider) -> None:
    client = sso_app.test_client()
    provider.user = {"email": "casey@example.org", "roles": ["hub_worker"]}
    client.get("/hub/sign-in/sso")
    response = client.get("/hub/sign-in/callback?code=anything&state=not-the-state")
    assert response.status_code == 400
    assert provider.token_requests == 0
    assert client.get("/hub/requests").status_code == 302


def test_provider_errors_are_explained(sso_app: Flask) -> None:
    response = sso_app.test_client().get("/hub/sign-in/callback?error=access_denied")
    assert response.status_code == 400
    assert "did not complete" in response.get_data(as_text=True)
