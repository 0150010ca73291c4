"""The request page: answers, recommendation, possible matches, timeline, notes, claim/assign, the decision form,
follow-ups and the audit trail — each form with its role and CSRF checks."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.clock import outbox_step
from hub import follow_ups
from intake.store.audit import AuditEvent
from intake.store.child_match import ChildMatch
from intake.store.follow_up import FollowUp
from intake.store.outbox import OutboxMessage
from intake.store.referrer_notice import ReferrerNotice
from intake.store.request_note import RequestNote
from intake.store.support_request import SupportRequest
from tests.conftest import FakeClock, sign_in_as
from tests.hub.helpers import csrf_from, hours, store_request


def _page(client: FlaskClient, rid: int) -> str:
    response = client.get(f"/hub/requests/{rid}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _token(client: FlaskClient, rid: int) -> str:
    return csrf_from(client, f"/hub/requests/{rid}")


def _request(app: Flask, rid: int) -> SupportRequest:
    with app.extensions["db"].reading() as s:
        found = s.get(SupportRequest, rid)
        assert found is not None
        return found


def test_page_shows_every_answer_escaped_with_the_recommendation_and_records_the_view(
    app: Flask, client: FlaskClient
) -> None:
    rid = store_request(app, level=3, route="early_help_intensive")
    email = sign_in_as(app, client, "hub_worker")
    html = _page(client, rid)
    assert "Testchild" in html and "FY1 1AA" in html and "14/03/2016" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "Synthetic reason: hungry on several days." in html
    assert app.extensions["rules"].version in html
    assert "Request for support to the hub: intensive early help" in html
    assert "School or college" in html
    with app.extensions["db"].reading() as s:
        viewed = s.scalars(select(AuditEvent).where(AuditEvent.action == "request.viewed")).one()
        assert (viewed.actor, viewed.request_id) == (f"staff:{email}", rid)
    assert client.get("/hub/requests/9999").status_code == 404


def test_claim_from_the_queue_and_csrf_rejection(app: Flask, client: FlaskClient) -> None:
    rid = store_request(app)
    email = sign_in_as(app, client, "hub_worker")
    assert client.post(f"/hub/requests/{rid}/claim").status_code == 400
    assert _request(app, rid).assigned_to is None
    token = csrf_from(client, "/hub/requests")
    response = client.post(f"/hub/requests/{rid}/claim", data={"csrf_token": token, "next": "queue"})
    assert response.status_code == 302 and response.headers["Location"] == "/hub/requests"
    assert _request(app, rid).assigned_to == f"staff:{email}"
    queue = client.get("/hub/requests?mine=1").get_data(as_text=True)
    assert "You have claimed" in queue and _request(app, rid).reference in queue
    other = app.test_client()
    sign_in_as(app, other, "hub_worker", email="other.worker@example.org")
    refused = other.post(f"/hub/requests/{rid}/claim", data={"csrf_token": _token(other, rid)})
    assert refused.status_code == 302
    assert "already been claimed by hub.worker@example.org" in _page(other, rid)


def test_only_managers_assign(app: Flask, client: FlaskClient) -> None:
    rid = store_request(app)
    sign_in_as(app, client, "hub_worker")
    assert 'id="assignee"' not in _page(client, rid)
    assert client.post(f"/hub/requests/{rid}/assign", data={"csrf_token": _token(client, rid)}).status_code == 403
    manager = app.test_client()
    sign_in_as(app, manager, "hub_manager")
    assert '<label for="assignee">' in _page(manager, rid)
    token = _token(manager, rid)
    bad = manager.post(f"/hub/requests/{rid}/assign", data={"csrf_token": token, "assignee": "staff:x@example.org"})
    assert bad.status_code == 302 and _request(app, rid).assigned_to is None
    manager.post(f"/hub/requests/{rid}/assign", data={"csrf_token": token, "assignee": "staff:hub.worker@example.org"})
    assert _request(app, rid).assigned_to == "staff:hub.worker@example.org"
    assert manager.post(f"/hub/requests/{rid}/assign", data={"assignee": ""}).status_code == 400  # no CSRF token


def test_decision_form_errors_link_to_their_fields(app: Flask, client: FlaskClient) -> None:
    rid = store_request(app, level=3, route="early_help_intensive")
    sign_in_as(app, client, "hub_worker")
    token = _token(client, rid)
    response = client.post(f"/hub/requests/{rid}/decision", data={"csrf_token": token, "hub_level": "3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#outcome">Choose the outcome</a>' in html
    assert '<a href="#rationale">Enter the rationale for the decision</a>' in html
    assert 'id="outcome"' in html and 'id="rationale"' in html and 'id="override_reason"' in html
    assert 'aria-describedby="rationale-hint rationale-error"' in html
    override = client.post(
        f"/hub/requests/{rid}/decision",
        data={"csrf_token": token, "outcome": "child_in_need_assessment", "hub_level": "4",
              "rationale": "Synthetic <b>rationale</b>."},
    )  # fmt: skip
    html = override.get_data(as_text=True)
    assert override.status_code == 400
    assert '<a href="#override_reason">Enter why the hub' in html
    assert "Synthetic &lt;b&gt;rationale&lt;/b&gt;." in html  # what was typed is kept, escaped
    assert 'value="child_in_need_assessment" checked' in html
    assert _request(app, rid).status == "awaiting_decision"
    no_csrf = client.post(f"/hub/requests/{rid}/decision", data={"outcome": "lado", "hub_level": "3",
                                                                 "rationale": "x"})  # fmt: skip
    assert no_csrf.status_code == 400 and _request(app, rid).status == "awaiting_decision"


def test_recording_a_decision_reaches_the_browser_referrer(app: Flask, client: FlaskClient, clock: FakeClock) -> None:
    rid = store_request(app, level=3, route="early_help_intensive", channel="webchat")
    sign_in_as(app, client, "hub_worker")
    response = client.post(
        f"/hub/requests/{rid}/decision",
        data={"csrf_token": _token(client, rid), "outcome": "early_help_universal_plus", "hub_level": "2",
              "rationale": "Synthetic rationale.", "override_reason": "Synthetic: needs are lower than reported."},
    )  # fmt: skip
    assert response.status_code == 302
    html = _page(client, rid)
    assert "Decision recorded for" in html and "Early help: universal plus" in html
    assert "Synthetic: needs are lower than reported." in html
    assert 'name="outcome"' not in html  # decided once; the form is gone
    # The clock's sweep delivers the outbox row to the browser referrer's notices.
    outbox_step(app, clock.now)
    with app.extensions["db"].reading() as s:
        message = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "referrer_outcome")).one()
        assert message.status == "sent"
        notice = s.scalars(select(ReferrerNotice)).one()
        assert notice.reference == _request(app, rid).reference
        assert notice.payload["hub_outcome"] == "early_help_universal_plus"
        # The follow-ups listener ran in the same transaction (it marks the request for the early-help check-ins).
        assert s.scalars(select(FollowUp).where(FollowUp.request_id == rid, FollowUp.kind == "after_decision")).one()
    assert "Outcome sent to the referrer" in html


def test_notes(app: Flask, client: FlaskClient) -> None:
    rid = store_request(app)
    sign_in_as(app, client, "hub_worker")
    token = _token(client, rid)
    empty = client.post(f"/hub/requests/{rid}/notes", data={"csrf_token": token, "note": "   "})
    assert empty.status_code == 400 and '<a href="#note">Enter the note</a>' in empty.get_data(as_text=True)
    added = client.post(f"/hub/requests/{rid}/notes", data={"csrf_token": token, "note": "Synthetic <i>note</i>."})
    assert added.status_code == 302
    html = _page(client, rid)
    assert "Synthetic &lt;i&gt;note&lt;/i&gt;." in html
    with app.extensions["db"].reading() as s:
        assert s.scalars(select(RequestNote)).one().text == "Synthetic <i>note</i>."
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "note.added")).one()
        assert "Synthetic" not in str(event.detail)
    assert client.post(f"/hub/requests/{rid}/notes", data={"note": "x"}).status_code == 400


def test_possible_earlier_requests_are_offered_for_a_person_to_confirm(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    earlier = store_request(app, received=clock.now - hours(24 * 40), postcode="FY1 1AB")
    by_postcode = store_request(app, first="Samantha", received=clock.now - hours(24 * 10))
    unrelated = store_request(app, first="Jo", last="Otherchild", dob=date(2015, 1, 1))
    rid = store_request(app)
    sign_in_as(app, client, "hub_worker")
    html = _page(client, rid)
    ref = {i: _request(app, i).reference for i in (earlier, by_postcode, unrelated)}
    assert ref[earlier] in html and ref[by_postcode] in html and ref[unrelated] not in html
    assert "Same name and date of birth" in html and "Same postcode and date of birth" in html
    token = _token(client, rid)
    same = {"csrf_token": token, "verdict": "same_child"}
    assert client.post(f"/hub/requests/{rid}/matches/{earlier}", data=same).status_code == 302
    client.post(f"/hub/requests/{rid}/matches/{by_postcode}", data={"csrf_token": token, "verdict": "not_same_child"})
    assert client.post(f"/hub/requests/{rid}/matches/{unrelated}", data=same).status_code == 404
    assert client.post(f"/hub/requests/{rid}/matches/{earlier}", data={"verdict": "same_child"}).status_code == 400
    with app.extensions["db"].reading() as s:
        verdicts = {m.other_request_id: m.verdict for m in s.scalars(select(ChildMatch))}
        assert verdicts == {earlier: "same_child", by_postcode: "not_same_child"}
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "child_match.recorded")).all()) == 2
    html = _page(client, rid)
    assert "<strong>Same child</strong> (recorded)" in html and "<strong>Not the same child</strong>" in html


def test_follow_ups_can_be_snoozed_and_cancelled_with_a_reason(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    rid = store_request(app)
    with app.extensions["db"].transaction() as s:
        reminder = follow_ups.schedule(s, rid, "triage_reminder", clock.now + hours(4), clock.now).id
        escalation = follow_ups.schedule(s, rid, "triage_escalation", clock.now + hours(30), clock.now).id
    sign_in_as(app, client, "hub_worker")
    html = _page(client, rid)
    assert f'for="until-{reminder}"' in html and f'for="cancel-reason-{escalation}"' in html
    token = _token(client, rid)
    base = f"/hub/requests/{rid}/follow-ups"
    client.post(f"{base}/{reminder}/snooze", data={"csrf_token": token, "until": "2026-11-25T11:00", "reason": "x"})
    no_reason = client.post(f"{base}/{escalation}/cancel", data={"csrf_token": token, "reason": ""})
    assert "Give a reason" in client.get(no_reason.headers["Location"]).get_data(as_text=True)
    client.post(f"{base}/{escalation}/cancel", data={"csrf_token": token, "reason": "Synthetic: dealt with by phone"})
    assert client.post(f"{base}/{reminder}/cancel", data={"reason": "no token"}).status_code == 400
    other = store_request(app, first="Jo")
    assert client.post(f"/hub/requests/{other}/follow-ups/{reminder}/cancel",
                       data={"csrf_token": token, "reason": "wrong request"}).status_code == 404  # fmt: skip
    with app.extensions["db"].reading() as s:
        snoozed, cancelled = s.get(FollowUp, reminder), s.get(FollowUp, escalation)
        assert snoozed is not None and cancelled is not None
        assert snoozed.status == "snoozed" and snoozed.due_at.hour == 11  # 11:00 London is 11:00 UTC in November
        assert cancelled.status == "cancelled" and cancelled.reason == "Synthetic: dealt with by phone"


def test_audit_trail_is_for_managers_and_shows_tampering(app: Flask, client: FlaskClient) -> None:
    rid = store_request(app)
    sign_in_as(app, client, "hub_worker")
    assert client.get(f"/hub/requests/{rid}/audit").status_code == 403
    assert client.get(f"/hub/requests/{rid}/audit.csv").status_code == 403
    manager = app.test_client()
    manager_email = sign_in_as(app, manager, "hub_manager")
    _page(manager, rid)
    html = manager.get(f"/hub/requests/{rid}/audit").get_data(as_text=True)
    assert "hash chain is intact" in html and "request.viewed" in html and "request.submitted" in html
    export = manager.get(f"/hub/requests/{rid}/audit.csv")
    assert export.mimetype == "text/csv" and "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0] == ["id", "at", "actor", "action", "request_id", "detail", "prev_hash", "hash"]
    assert [r[3] for r in rows[1:]] == ["request.submitted", "request.viewed", "audit.viewed"]
    with app.extensions["db"].reading() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None and (last.action, last.actor) == ("audit.exported", f"staff:{manager_email}")
    # Someone edits an event behind the service's back: the chain shows it.
    with app.extensions["db"].transaction() as s:
        s.execute(update(AuditEvent).where(AuditEvent.action == "request.viewed").values(actor="staff:someone-else"))
    html = manager.get(f"/hub/requests/{rid}/audit").get_data(as_text=True)
    assert "hash chain is broken at event" in html


def test_audit_export_neutralises_spreadsheet_formulas(app: Flask, client: FlaskClient) -> None:
    rid = store_request(app)
    with app.extensions["db"].transaction() as s:
        from intake.store import audit

        audit.record(s, at=_request(app, rid).received_at, actor="=HYPERLINK(1)", action="test", request_id=rid)
    sign_in_as(app, client, "admin")
    text = client.get(f"/hub/requests/{rid}/audit.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text
