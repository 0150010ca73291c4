"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set),
a clock the test controls, and the app built on both."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.cli.database import upgrade
from intake.store.database import normalise_url

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# Every one-time code the test app mails (the real app makes a random one each time).
EMAIL_CODE = "246813"


class FakeClock:
    """The current time, moved by the test instead of by sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


class InlineExecutor(Executor):
    """Runs work handed to a background pool at once (bolt's after-the-ack work, mail sent straight after a
    commit), so a test can assert on it when the call returns.

    An error in bolt's lazy listeners never reaches here: bolt catches it and only logs it
    (slack_bolt.lazy_listener.internals), so a test of that work asserts on what it did, not on an exception."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # kept on the future, as a real pool does
            future.set_exception(err)
        return future


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test that touches the database is marked, so CI can run exactly those again on PostgreSQL.
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the real migrations once: on PostgreSQL from scratch, on SQLite into a template file copied per test."""
    if PG_URL:
        url = normalise_url(PG_URL)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(url)
        return url
    template = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{template}")
    return str(template)


@pytest.fixture
def database_url(_migrated_template: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        yield _migrated_template
        engine = create_engine(_migrated_template)
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return
    path = tmp_path / "test.db"
    shutil.copyfile(_migrated_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def clock() -> FakeClock:
    # A Tuesday morning in term time, inside hub hours (GMT).
    return FakeClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))


@pytest.fixture
def app(database_url: str, clock: FakeClock, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoints.log"),
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            "TESTING": True,
            "CLOCK": clock,
            "OUTBOX_SEND_NOW_EXECUTOR": InlineExecutor(),
            "EMAIL_CODE_MAKER": lambda: EMAIL_CODE,
        }
    )
    yield app
    app.extensions["db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on a real HTTP server on a loopback port, for browser tests; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def _playwright_browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_playwright_browser: Any) -> Iterator[Any]:
    """A fresh browser page (its own cookies) in headless Debian Chromium, driven by Playwright."""
    context = _playwright_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)  # generous: CI shares two cores
    yield page
    context.close()


STAFF_PASSWORD = "correct horse battery staple"


def sign_in_as(app: Flask, client: FlaskClient, role: str, email: str | None = None) -> str:
    """Make a hub account with `role` (unless it exists) and sign `client` in through the real sign-in form."""
    from hub.staff import add_account, find

    email = email or f"{role.replace('_', '.')}@example.org"
    with app.extensions["db"].transaction() as s:
        if find(s, email) is None:
            add_account(s, email=email, role=role, password=STAFF_PASSWORD, now=app.extensions["clock"](),
                        name=f"Test {role.replace('_', ' ')}")  # fmt: skip
    page = client.get("/hub/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/hub/sign-in", data={"email": email, "password": STAFF_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return email
