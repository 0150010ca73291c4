"""Helpers for hub tests: CSRF tokens from real pages, accounts, and synthetic requests stored directly."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from hub.staff import add_account
from intake.store import audit
from intake.store.referrer import Referrer
from intake.store.support_request import SupportRequest, format_reference, name_key
from intake.working_day import working_deadline

_TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_from(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


PASSWORD = "correct horse battery staple"


def make_account(app: Flask, email: str, role: str, password: str | None = PASSWORD) -> None:
    with app.extensions["db"].transaction() as s:
        add_account(s, email=email, role=role, password=password, now=app.extensions["clock"](), name=None)


def store_request(
    app: Flask,
    *,
    level: int = 2,
    route: str = "early_help_universal_plus",
    received: datetime | None = None,
    channel: str = "webchat",
    agency: str = "school",
    first: str = "Sam",
    last: str = "Testchild",
    dob: date | None = date(2016, 3, 14),
    postcode: str | None = "FY1 1AA",
    phone_first: bool = False,
    immediate_danger: bool = False,
    address: dict[str, Any] | None = None,
    channel_user_id: str | None = None,
) -> int:
    """A submitted request as the intake would store it, without driving a whole conversation."""
    received = received or app.extensions["clock"]()
    rules = app.extensions["rules"]
    with app.extensions["db"].transaction() as s:
        referrer = Referrer(
            channel=channel,
            channel_user_id=channel_user_id or f"{channel}-user-{received.timestamp()}-{first}-{level}",
            name="Alex Example",
            agency=agency,
            email="alex@school.example.org",
            address=address,
            created_at=received,
            updated_at=received,
        )
        s.add(referrer)
        s.flush()
        label = rules.routes[route].label if route in rules.routes else route
        request = SupportRequest(
            draft_id=f"draft-{referrer.id}",
            referrer_id=referrer.id,
            channel=channel,
            received_at=received,
            immediate_danger=immediate_danger,
            referring_agency=agency,
            referring_organisation="Testville Primary School",
            child_first_name=first,
            child_last_name=last,
            child_name_key=name_key(first, last),
            child_dob=dob,
            child_postcode=postcode,
            concern_categories=["neglect"],
            answers={
                "immediate_danger": immediate_danger,
                "referrer_name": "Alex Example",
                "referrer_agency": agency,
                "child_first_name": first,
                "child_last_name": last,
                "child_dob": dob.isoformat() if dob else None,
                "child_postcode": postcode,
                "concern_details": "Synthetic test concern: <script>alert('x')</script> arrived hungry.",
            },
            facts={},
            level=level,
            route=route,
            decision={
                "level": level,
                "route": route,
                "route_label": label,
                "reasons": [{"code": "test", "text": "Synthetic reason: hungry on several days."}],
                "next_steps": "",
                "timescale": "",
                "consent_needed": False,
                "phone_first": phone_first,
                "rules_version": rules.version,
            },
            rules_version=rules.version,
            decision_due_at=working_deadline(received, 1),
        )
        s.add(request)
        s.flush()
        request.reference = format_reference(received.year, request.id)
        audit.record(s, at=received, actor=f"referrer:{referrer.id}", action="request.submitted", request_id=request.id)
        return request.id


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
