"""Every referring agency the referrer can pick (questions.yaml), every route the rules can recommend and every outcome
the hub can decide is shown by the same words in every channel: the Slack hub card, the Teams hub card, the hub's
queue and request page, and the managers' dashboard (intake.labels is where they all read them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from hub.new_request import hub_payload
from hub.notifiers import slack, teams
from intake import triage
from intake.labels import Labels
from intake.store.support_request import SupportRequest
from tests.conftest import sign_in_as
from tests.hub.helpers import store_request

PUBLIC_URL = "https://hub.example.org"


def _slack(payload: dict[str, Any], labels: Labels) -> str:
    text, blocks = slack.hub_message(payload, labels)
    return text + json.dumps([b.to_dict() for b in blocks], ensure_ascii=False)


def _teams_texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _teams_texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _teams_texts(value)


def _teams(kind: str, payload: dict[str, Any], labels: Labels) -> str:
    return "\n".join(_teams_texts(teams.render(kind, payload, PUBLIC_URL, labels)))


@pytest.fixture
def seeded(app: Flask) -> dict[str, list[int]]:
    """One request from each agency, one recommending each route, and one decided with each outcome."""
    labels: Labels = app.extensions["labels"]
    rules = app.extensions["rules"]
    made: dict[str, list[int]] = {"agency": [], "route": [], "outcome": []}
    for n, agency in enumerate(labels.agencies):
        made["agency"].append(store_request(app, agency=agency, first=f"Agency{n}"))
    for n, (route, info) in enumerate(rules.routes.items()):
        made["route"].append(store_request(app, route=route, level=info.level or 2, first=f"Route{n}"))
    for n, outcome in enumerate(triage.OUTCOMES):
        request_id = store_request(app, level=2, first=f"Outcome{n}")
        with app.extensions["db"].transaction() as s:
            triage.record_decision(
                s,
                request_id,
                outcome=outcome,
                hub_level=2,
                rationale="Synthetic rationale.",
                override_reason=None,
                actor="staff:hub.worker@example.org",
                now=app.extensions["clock"](),
            )
        made["outcome"].append(request_id)
    return made


def _requests(app: Flask, ids: list[int]) -> list[SupportRequest]:
    with app.extensions["db"].reading() as s:
        return [s.get(SupportRequest, i) for i in ids]  # type: ignore[misc]


def test_each_agency_route_and_outcome_reads_the_same_everywhere(
    app: Flask, client: FlaskClient, seeded: dict[str, list[int]]
) -> None:
    labels: Labels = app.extensions["labels"]
    assert len(labels.agencies) == 15  # every choice questions.yaml offers
    sign_in_as(app, client, "hub_manager")
    queue = client.get("/hub/requests").get_data(as_text=True)
    dashboard = client.get("/hub/dashboard").get_data(as_text=True)

    for r in _requests(app, seeded["agency"]):
        name = labels.agency(r.referring_agency)
        assert name != r.referring_agency or name == "Other"
        payload = hub_payload(r, PUBLIC_URL)
        assert slack.escape(name) in _slack(payload, labels), name
        assert name in _teams("hub_new_request", payload, labels), name
        assert escape(name) in queue, name
        assert escape(name) in dashboard, name
        page = client.get(f"/hub/requests/{r.id}").get_data(as_text=True)
        assert escape(name) in page, name

    for r in _requests(app, seeded["route"]):
        name = labels.route(r.route)
        payload = hub_payload(r, PUBLIC_URL)
        assert slack.escape(name) in _slack(payload, labels), name
        assert name in _teams("hub_new_request", payload, labels), name
        assert escape(name) in queue, name
        assert escape(name) in dashboard, name

    for r in _requests(app, seeded["outcome"]):
        name = labels.outcome(r.hub_outcome)
        assert name != r.hub_outcome
        decided = {**hub_payload(r, PUBLIC_URL), "hub_outcome": r.hub_outcome, "hub_level": r.hub_level}
        assert slack.escape(name) in _slack(decided, labels), name
        assert name in _teams("hub_request_updated", decided, labels), name
        assert escape(name) in dashboard, name
        page = client.get(f"/hub/requests/{r.id}").get_data(as_text=True)
        assert escape(name) in page, name
