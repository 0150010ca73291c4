"""The browser chat's JSON API, driven from greeting to a stored, routed request."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from intake.store import AuditEvent, SupportRequest
from tests.conftest import EMAIL_CODE, sign_in_as


def _send(client: FlaskClient, conversation_id: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post(f"/chat/conversations/{conversation_id}/messages", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _question(data: dict[str, Any]) -> dict[str, Any]:
    return data["replies"][-1]


def answer_until_review(
    client: FlaskClient,
    conversation_id: str,
    first: dict[str, Any],
    answers: dict[str, Any],
    pick_indicators: int = 1,
) -> dict[str, Any]:
    """Answer each question the bot asks from `answers` (by question id) until it asks for review."""
    data = first
    for _ in range(80):
        question = _question(data)
        qid = question.get("question_id")
        if qid == "review":
            return data
        if qid.startswith("indicators."):
            body = {"choices": [c["value"] for c in question["choices"][:pick_indicators]]}
        elif qid in ("concern_categories", "suggested_signs") and qid not in answers:
            body = {"choices": [question["choices"][0]["value"]]}
        else:
            assert qid in answers, f"unexpected question {qid}: {question['text']}"
            body = answers[qid]
        data = _send(client, conversation_id, body)
        assert not any(r.get("error") for r in data["replies"]), data["replies"]
    raise AssertionError("the conversation never reached review")


TYPICAL = {
    "immediate_danger": {"choice": "no"},
    "referrer_name": {"text": "Alex Example"},
    "referrer_role": {"text": "Designated safeguarding lead"},
    "referrer_agency": {"choice": "school"},
    "referrer_organisation": {"text": "Example Primary School"},
    "referrer_phone": {"text": "01632 960123"},
    "referrer_email": {"text": "alex@school.example.org"},
    "referrer_email_code": {"text": EMAIL_CODE},
    "child_unborn": {"choice": "no"},
    "child_name": {"text": "Sam Testchild"},
    "child_first_name": {"text": "Sam"},
    "child_last_name": {"text": "Testchild"},
    "child_dob": {"text": "14/03/2016"},
    "child_gender": {"choice": "boy"},
    "child_address": {"text": "1 Test Street, Blackpool"},
    "child_postcode": {"text": "fy11aa"},
    "child_school": {"text": "Example Primary School"},
    "child_extras": {"choices": ["none"]},
    "special_checks": {"choices": ["none"]},
    "family_told": {"choice": "given"},
    "child_language": {"text": "English"},
    "interpreter_needed": {"choice": "no"},
    "child_disability": {"choice": "no"},
    "child_lives_with": {"choice": "one_parent"},
    "parents_carers": {"text": "Jo Testparent (mother)"},
    "household_others": {"text": "skip"},
    "existing_support": {"choice": "none"},
    "child_disclosed_harm": {"choice": "no"},
    "allegation_against_professional": {"choice": "no"},
    "concern_details": {
        "text": "Synthetic test concern: arrived hungry three days this week and said there was no food at home."
    },
    "concern_when": {"text": "Three times this week"},
    "child_words": {"text": "skip"},
    "spoken_to_parents": {"choice": "yes"},
    "consent": {"choice": "given"},
}


def test_whole_conversation_reaches_a_stored_routed_request(client: FlaskClient, app) -> None:
    created = client.post("/chat/conversations")
    assert created.status_code == 201
    data = created.get_json()
    conversation_id = data["conversation_id"]
    assert _question(data)["question_id"] == "immediate_danger"
    assert {c["value"] for c in _question(data)["choices"]} == {"yes", "no"}

    data = answer_until_review(client, conversation_id, data, TYPICAL)
    assert "Testchild" in _question(data)["text"]  # answers are shown back before submitting

    done = _send(client, conversation_id, {"choice": "submit"})
    assert done["done"] is True
    request = done["request"]
    assert request["reference"].startswith("RFS-2026-")
    assert request["level"] in (1, 2, 3, 4)
    assert request["route"]
    assert request["reasons"]

    with app.extensions["db"].reading() as s:
        stored = s.scalars(select(SupportRequest)).one()
        assert stored.reference == request["reference"]
        assert stored.child_postcode == "FY1 1AA"
        assert stored.rules_version == app.extensions["rules"].version
        assert stored.decision["reasons"]
        assert stored.decision_due_at is not None and stored.decision_due_at > stored.received_at
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.request_id.is_not(None))) == 1
        assert stored.referring_organisation == "Example Primary School"
        # "The main language at home is not English" left unticked says it is English (not "Not given").
        assert stored.answers["child_language"] == "English"

    # A retried submit (a double click, a lost response) returns the same request and stores nothing new.
    again = _send(client, conversation_id, {"choice": "submit"})
    assert again["request"]["reference"] == request["reference"]
    with app.extensions["db"].reading() as s:
        assert s.scalar(select(func.count()).select_from(SupportRequest)) == 1

    # The hub queue (for signed-in hub staff) shows it, without the child's name.
    assert client.get("/hub/requests").status_code == 302
    sign_in_as(app, client, "hub_worker")
    page = client.get("/hub/requests").get_data(as_text=True)
    assert request["reference"] in page
    assert "Testchild" not in page


def test_immediate_danger_is_answered_first_with_999(client: FlaskClient) -> None:
    data = client.post("/chat/conversations").get_json()
    data = _send(client, data["conversation_id"], {"choice": "yes"})
    first = data["replies"][0]["text"]
    assert first.startswith("Call 999 now")
    assert "01632" in first  # the hub's (fictional) urgent number from the rules


def test_bad_input_gets_a_message_and_the_question_again(client: FlaskClient) -> None:
    data = client.post("/chat/conversations").get_json()
    data = _send(client, data["conversation_id"], {"text": "perhaps"})
    assert data["replies"][0]["error"] is True
    assert "Please answer Yes or No" in data["replies"][0]["text"]
    assert data["replies"][-1]["question_id"] == "immediate_danger"


def test_malformed_requests_get_clear_json_errors(client: FlaskClient) -> None:
    conversation_id = client.post("/chat/conversations").get_json()["conversation_id"]
    bad = client.post(
        f"/chat/conversations/{conversation_id}/messages", data="{not json", content_type="application/json"
    )
    assert bad.status_code == 400 and "JSON" in bad.get_json()["error"]
    both = client.post(f"/chat/conversations/{conversation_id}/messages", json={"text": "a", "choice": "b"})
    assert both.status_code == 400
    missing = client.post("/chat/conversations/not-a-conversation/messages", json={"text": "yes"})
    assert missing.status_code == 404 and "POST /chat/conversations" in missing.get_json()["error"]


def test_draft_is_resumed_by_the_same_browser(client: FlaskClient) -> None:
    data = client.post("/chat/conversations").get_json()
    conversation_id = data["conversation_id"]
    _send(client, conversation_id, {"choice": "no"})
    resumed = client.post("/chat/conversations").get_json()
    assert resumed["conversation_id"] == conversation_id
    assert resumed["replies"][-1]["question_id"] == "concern_details"


def test_page_renders_the_first_question_and_works_without_javascript(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "immediate danger" in html and 'lang="en-GB"' in html
    conversation_id = html.split('name="conversation_id" value="')[1].split('"')[0]
    posted = client.post("/chat/form", data={"conversation_id": conversation_id, "choice": "no"})
    assert posted.status_code == 302
    assert "What has happened?" in client.get("/").get_data(as_text=True)


def test_an_answer_sent_again_is_re_asked_not_applied_to_the_next_question(client: FlaskClient, app) -> None:
    # A browser resends an answer when the response is lost after the service saved it.
    conversation_id = client.post("/chat/conversations").get_json()["conversation_id"]
    _send(client, conversation_id, {"choice": "no", "question_id": "immediate_danger"})
    _send(client, conversation_id, {**TYPICAL["concern_details"], "question_id": "concern_details"})
    name = {"text": "Alex Example", "question_id": "referrer_name"}
    assert _question(_send(client, conversation_id, name))["question_id"] == "referrer_role"
    again = _send(client, conversation_id, name)
    assert "already been answered" in again["replies"][0]["text"]
    assert _question(again)["question_id"] == "referrer_role"
    state = app.extensions["intake"].current(conversation_id, app.extensions["clock"]())
    assert state.replies[-1].question_id == "referrer_role"
    # The role is still unanswered: the name was not taken as the role.
    role = _send(client, conversation_id, {"text": "Class teacher", "question_id": "referrer_role"})
    assert _question(role)["question_id"] == "referrer_agency"


def test_without_javascript_words_can_be_typed_beside_buttons(client: FlaskClient) -> None:
    # 'help' and 'back' (and 'change 3' at the review) need a box even where the question has buttons.
    html = client.get("/").get_data(as_text=True)
    assert 'id="typed-text"' in html
    conversation_id = html.split('name="conversation_id" value="')[1].split('"')[0]
    typed = {"conversation_id": conversation_id, "input": "text", "question_id": "immediate_danger", "text": "help"}
    assert client.post("/chat/form", data=typed).status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Immediate danger means" in html and 'name="question_id" value="immediate_danger"' in html


def test_a_question_id_must_be_a_short_string(client: FlaskClient) -> None:
    conversation_id = client.post("/chat/conversations").get_json()["conversation_id"]
    for bad in (3, ["immediate_danger"], "x" * 101):
        response = client.post(
            f"/chat/conversations/{conversation_id}/messages", json={"choice": "no", "question_id": bad}
        )
        assert response.status_code == 400 and '"question_id"' in response.get_json()["error"]
    assert _question(_send(client, conversation_id, {"choice": "no", "question_id": ""}))["question_id"] == (
        "concern_details"
    )


def test_a_form_posted_twice_without_javascript_is_applied_once(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    conversation_id = html.split('name="conversation_id" value="')[1].split('"')[0]
    client.post("/chat/form", data={"conversation_id": conversation_id, "choice": "no"})
    html = client.get("/").get_data(as_text=True)
    assert '<input type="hidden" name="question_id" value="concern_details">' in html
    form = {"conversation_id": conversation_id, "question_id": "concern_details", **TYPICAL["concern_details"]}
    assert client.post("/chat/form", data=form).status_code == 302
    assert client.post("/chat/form", data=form).status_code == 302  # the browser's resend
    html = client.get("/").get_data(as_text=True)
    assert '<input type="hidden" name="question_id" value="referrer_name">' in html


def test_unknown_pages_are_friendly(client: FlaskClient) -> None:
    assert "There is nothing at this address" in client.get("/nowhere").get_data(as_text=True)
    assert client.get("/chat/nowhere").get_json()["error"]


HOSTILE = "<script>alert('x')</script> Robert'); DROP TABLE support_requests;-- \" OR 1=1 <!channel> & <b>bold</b>"


def test_hostile_text_is_stored_verbatim_and_shown_escaped(client: FlaskClient, app) -> None:
    data = client.post("/chat/conversations").get_json()
    conversation_id = data["conversation_id"]
    answers = {**TYPICAL, "concern_details": {"text": HOSTILE}, "child_name": {"text": f"{HOSTILE[:100]} Testchild"}}
    answer_until_review(client, conversation_id, data, answers)
    page = client.get("/").get_data(as_text=True)  # the page resumes the draft at its review
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    done = _send(client, conversation_id, {"choice": "submit"})
    assert done["done"] is True
    with app.extensions["db"].reading() as s:
        stored = s.scalars(select(SupportRequest)).one()
        assert stored.answers["concern_details"] == HOSTILE
        assert stored.child_first_name == HOSTILE[:100]
    # Very long text: the API refuses it with a message, and the conversation asks for a shorter answer.
    fresh = client.post("/chat/conversations").get_json()
    too_long = client.post(f"/chat/conversations/{fresh['conversation_id']}/messages", json={"text": "x" * 6000})
    assert too_long.status_code == 400 and "at most" in too_long.get_json()["error"]
