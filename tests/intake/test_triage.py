"""Triage in the domain: claim, assign and decide, with audit events, outbox messages and decision listeners."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from intake import triage
from intake.store.audit import AuditEvent
from intake.store.outbox import OutboxMessage, enqueue
from intake.store.support_request import SupportRequest
from tests.conftest import FakeClock
from tests.hub.helpers import store_request

WORKER = "staff:worker@example.org"
OTHER = "staff:other@example.org"


@pytest.fixture(autouse=True)
def _isolated_listeners() -> Iterator[None]:
    saved = list(triage.decision_listeners)
    yield
    triage.decision_listeners[:] = saved


def _decide(app: Flask, request_id: int, clock: FakeClock, **kw: Any) -> triage.HubDecision:
    values = {"outcome": "early_help_intensive", "hub_level": 3, "rationale": "Synthetic rationale.",
              "override_reason": None} | kw  # fmt: skip
    with app.extensions["db"].transaction() as s:
        return triage.record_decision(s, request_id, actor=WORKER, now=clock.now, **values)


def _actions(app: Flask, request_id: int) -> list[str]:
    with app.extensions["db"].reading() as s:
        return [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id))]


def test_claim_then_claim_again_then_someone_else(app: Flask, clock: FakeClock) -> None:
    rid = store_request(app, level=3, route="early_help_intensive")
    db = app.extensions["db"]
    with db.transaction() as s:
        r = triage.claim(s, rid, WORKER, clock.now)
        assert (r.assigned_to, r.status) == (WORKER, "in_triage")
    with db.transaction() as s:
        triage.claim(s, rid, WORKER, clock.now)  # a double click: no second event
    with db.transaction() as s, pytest.raises(triage.AlreadyClaimed, match=r"worker@example\.org"):
        triage.claim(s, rid, OTHER, clock.now)
    assert _actions(app, rid) == ["request.submitted", "request.claimed"]
    with db.transaction() as s, pytest.raises(triage.RequestNotFound):
        triage.claim(s, 9999, WORKER, clock.now)


def test_assign_and_return_to_the_queue(app: Flask, clock: FakeClock) -> None:
    rid = store_request(app)
    db = app.extensions["db"]
    with db.transaction() as s:
        assert triage.assign(s, rid, OTHER, "staff:manager@example.org", clock.now).status == "in_triage"
    with db.transaction() as s:
        r = triage.assign(s, rid, None, "staff:manager@example.org", clock.now)
        assert (r.assigned_to, r.status) == (None, "awaiting_decision")
    assert _actions(app, rid)[1:] == ["request.assigned", "request.unassigned"]


def test_a_decision_needs_outcome_level_and_rationale(app: Flask, clock: FakeClock) -> None:
    rid = store_request(app, level=3, route="early_help_intensive")
    with pytest.raises(triage.DecisionInvalid) as err:
        _decide(app, rid, clock, outcome="bananas", hub_level="7", rationale="  ")
    assert set(err.value.errors) == {"outcome", "hub_level", "rationale"}
    with pytest.raises(triage.DecisionInvalid) as err:
        _decide(app, rid, clock, outcome=None, hub_level=None, rationale=None)
    assert set(err.value.errors) == {"outcome", "hub_level", "rationale"}
    with app.extensions["db"].reading() as s:
        assert s.get(SupportRequest, rid).status == "awaiting_decision"  # type: ignore[union-attr]


def test_an_override_needs_a_reason(app: Flask, clock: FakeClock) -> None:
    rid = store_request(app, level=3, route="early_help_intensive")
    with pytest.raises(triage.DecisionInvalid) as err:
        _decide(app, rid, clock, outcome="child_in_need_assessment", hub_level=4)
    assert list(err.value.errors) == ["override_reason"]
    assert "differs from the recommended level (3)" in err.value.errors["override_reason"]
    decision = _decide(
        app,
        rid,
        clock,
        outcome="child_in_need_assessment",
        hub_level="4",
        override_reason="Synthetic: new information.",
    )
    assert decision.overridden and decision.hub_level == 4
    with app.extensions["db"].reading() as s:
        r = s.get(SupportRequest, rid)
        assert r is not None
        assert (r.hub_level, r.hub_outcome, r.override_reason) == (4, "child_in_need_assessment",
                                                                   "Synthetic: new information.")  # fmt: skip


def test_recording_a_decision_tells_the_browser_referrer_and_audits_without_free_text(
    app: Flask, clock: FakeClock
) -> None:
    rid = store_request(app, level=3, route="early_help_intensive", channel="webchat")
    _decide(app, rid, clock, rationale="Synthetic rationale that must not reach the audit log.")
    with app.extensions["db"].reading() as s:
        r = s.get(SupportRequest, rid)
        assert r is not None
        assert (r.status, r.decided_by, r.decided_at, r.hub_level) == ("decided", WORKER, clock.now, 3)
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "request.decided")).one()
        assert event.detail == {"outcome": "early_help_intensive", "hub_level": 3, "recommended_level": 3,
                                "overridden": False, "rules_version": r.rules_version}  # fmt: skip
        message = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "referrer_outcome")).one()
        assert message.channel == "webchat"
        assert message.recipient == {"referrer_id": r.referrer_id}
        assert message.payload["reference"] == r.reference
        assert message.payload["outcome_label"] == "Early help: intensive / team around the family"
        assert "rationale" not in str(message.payload).lower()
        assert "Testchild" not in str(message.payload)
    with pytest.raises(triage.AlreadyDecided):
        _decide(app, rid, clock)


def test_a_slack_referrer_hears_back_in_slack_and_hub_messages_are_updated(app: Flask, clock: FakeClock) -> None:
    address = {"team_id": "T1", "user_id": "U1", "channel": "D1"}
    rid = store_request(app, channel="slack", address=address)
    with app.extensions["db"].transaction() as s:
        alert = enqueue(s, channel="slack", kind="hub_new_request", recipient={"team_id": "T1", "channel": "C1"},
                        payload={"reference": "x", "link": "http://hub/1"}, now=clock.now, request_id=rid)  # fmt: skip
        alert_id = alert.id
        triage.claim(s, rid, WORKER, clock.now)
    _decide(app, rid, clock, outcome="early_help_universal_plus", hub_level=2)
    with app.extensions["db"].reading() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.id != alert_id).order_by(OutboxMessage.id)).all()
        kinds = [(m.kind, m.channel) for m in rows]
        assert kinds == [("hub_request_updated", "slack"), ("referrer_outcome", "slack"),
                         ("hub_request_updated", "slack")]  # fmt: skip
        outcome = rows[1]
        assert outcome.recipient == address
        claimed, decided = rows[0], rows[2]
        assert claimed.recipient == {"team_id": "T1", "channel": "C1"}
        assert claimed.payload["event"] == "claimed" and claimed.payload["alert_message_id"] == alert_id
        assert decided.payload["event"] == "decided" and decided.payload["hub_outcome"] == "early_help_universal_plus"
        assert decided.payload["link"] == "http://hub/1"
        for m in (claimed, decided):
            assert "Testchild" not in str(m.payload) and "Sam" not in str(m.payload)


def test_decision_listeners_run_inside_the_transaction(app: Flask, clock: FakeClock) -> None:
    seen: list[tuple[int, str]] = []

    def listener(session: Any, request: SupportRequest, decision: triage.HubDecision, now: Any) -> None:
        seen.append((request.id, decision.outcome))

    assert triage.on_decision(listener) is listener
    triage.on_decision(listener)  # registering twice is a no-op
    rid = store_request(app)
    _decide(app, rid, clock, outcome="signpost_universal", hub_level=2)
    assert seen == [(rid, "signpost_universal")]

    def failing(*_: Any) -> None:
        raise RuntimeError("listener failed")

    triage.on_decision(failing)
    other = store_request(app, first="Jo")
    with pytest.raises(RuntimeError):
        _decide(app, other, clock, outcome="signpost_universal", hub_level=2)
    with app.extensions["db"].reading() as s:
        # Nothing half-done: no decision, no outcome message.
        assert s.get(SupportRequest, other).status == "awaiting_decision"  # type: ignore[union-attr]
        assert not s.scalars(select(OutboxMessage).where(OutboxMessage.request_id == other)).all()


def test_every_outcome_has_next_steps_and_matches_the_dashboards_codes() -> None:
    from hub.dashboard.figures import STATUTORY_OUTCOMES

    assert set(triage.NEXT_STEPS) == set(triage.OUTCOMES)
    assert set(STATUTORY_OUTCOMES) <= set(triage.OUTCOMES)
