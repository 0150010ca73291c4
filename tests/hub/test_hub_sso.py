"""Single sign-on against a real local OpenID Connect provider: discovery, authorize, token, JWKS, roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
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
def sso_app(database_url: str, clock: FakeClock, provider: Provider, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoints.log"),
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


def _account(app: Flask, email: str):  # type: ignore[no-untyped-def]
    with app.extensions["db"].reading() as s:
        return find(s, email)


def _signed_in_as(app: Flask) -> str:
    with app.extensions["db"].reading() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None
        return last.actor


def test_the_first_sign_in_links_by_email_once_and_records_the_stable_key(sso_app: Flask, provider: Provider) -> None:
    make_account(sso_app, "robin@example.org", "hub_worker", password=None)
    provider.user = {"sub": "robin-subject", "email": "robin@example.org", "name": "Robin"}
    assert _sso(sso_app.test_client()).status_code == 302
    account = _account(sso_app, "robin@example.org")
    assert (account.sso_issuer, account.sso_subject) == (provider.url, "robin-subject")
    with sso_app.extensions["db"].reading() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.detail["outcome"] == "linked" and "robin-subject" in event.detail["sso_key"]
    # Signed in again, with the email claim changed: the same account, found by its key.
    provider.user = {"sub": "robin-subject", "email": "robin.new-name@example.org"}
    assert _sso(sso_app.test_client()).status_code == 302
    assert _signed_in_as(sso_app) == "staff:robin@example.org"


def test_a_changed_email_claim_cannot_take_over_another_account(sso_app: Flask, provider: Provider) -> None:
    make_account(sso_app, "alice@example.org", "hub_worker", password=None)
    make_account(sso_app, "boss@example.org", "admin", password=None)
    provider.user = {"sub": "alice-subject", "email": "alice@example.org"}
    assert _sso(sso_app.test_client()).status_code == 302
    provider.user = {"sub": "boss-subject", "email": "boss@example.org"}
    assert _sso(sso_app.test_client()).status_code == 302
    # Alice edits her email in the directory to the administrator's: she is still Alice, a hub worker.
    provider.user = {"sub": "alice-subject", "email": "boss@example.org"}
    client = sso_app.test_client()
    assert _sso(client).status_code == 302
    assert _signed_in_as(sso_app) == "staff:alice@example.org"
    assert client.get("/hub/dashboard").status_code == 403
    # A new identity claiming the administrator's email is refused: that account is linked to someone else.
    provider.user = {"sub": "mallory-subject", "email": "boss@example.org", "roles": ["admin"]}
    stranger = sso_app.test_client()
    refused = _sso(stranger)
    assert refused.status_code == 400 and "could not be matched" in refused.get_data(as_text=True)
    assert stranger.get("/hub/requests").status_code == 302
    assert _account(sso_app, "boss@example.org").sso_subject == "boss-subject"


def test_entra_accounts_are_keyed_on_tenant_and_object_id(sso_app: Flask, provider: Provider) -> None:
    provider.user = {"sub": "pairwise-1", "tid": "tenant-1", "oid": "object-1", "email": "sam@example.org",
                     "roles": ["hub_worker"]}  # fmt: skip
    assert _sso(sso_app.test_client()).status_code == 302
    account = _account(sso_app, "sam@example.org")
    assert (account.sso_issuer, account.sso_subject) == ("entra:tenant-1", "object-1")
    provider.user = {"sub": "pairwise-2", "tid": "tenant-1", "oid": "object-1", "email": "sam.renamed@example.org",
                     "roles": ["hub_worker"]}  # fmt: skip
    assert _sso(sso_app.test_client()).status_code == 302
    assert _signed_in_as(sso_app) == "staff:sam@example.org"
    assert _account(sso_app, "sam.renamed@example.org") is None  # no second account


def test_a_disabled_linked_account_refuses_whatever_the_claims(sso_app: Flask, provider: Provider) -> None:
    provider.user = {"sub": "kim-subject", "email": "kim@example.org", "roles": ["hub_worker"]}
    assert _sso(sso_app.test_client()).status_code == 302
    assert sso_app.test_cli_runner().invoke(args=["users", "disable", "kim@example.org"]).exit_code == 0
    provider.user = {"sub": "kim-subject", "email": "kim.other@example.org", "roles": ["admin"]}
    assert _sso(sso_app.test_client()).status_code == 400
