"""HTTP routes of the browser chat: the page, a no-script form, and the JSON API.

A conversation belongs to the browser that started it: its chat identity is a random id in the signed session
cookie, and every route answers only for that identity's drafts (anyone else, and any Slack or Teams draft, gets the
same 404 as an id that does not exist). The cookie ends with the browser session, and the identity after
CHAT_IDLE_TIMEOUT_MINUTES without a request (a signed timestamp checked here, so a copied cookie dies too). A new
conversation is only offered until its first answer: the draft is stored then, so a visit writes nothing.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    after_this_request,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy.exc import OperationalError

from intake.conversation.turn import Inbound
from intake.conversation.wording import emergency_reply
from intake.referrer_updates import ReferrerUpdates, updates_for
from intake.service import DraftNotFound, IntakeService, StepResult
from intake.store.database import log_database_error

blueprint = Blueprint(
    "webchat", __name__, template_folder="templates", static_folder="static", static_url_path="/chat/static"
)

CHANNEL = "webchat"
IDENTITY = "webchat_id"
SEEN = "webchat_seen"
OFFERED = "webchat_offered"
# A long-lived random token naming this browser (not its chat identity, which ends with the session), so a work
# email it confirmed with a code is remembered for EMAIL_VERIFIED_DAYS. Stored server-side only as a keyed tag.
BROWSER = "earlyhelp_browser"
# The last-seen time is signed again at most this often, so most messages leave the cookie as it is.
SEEN_REFRESH_SECONDS = 60
NOT_FOUND = "No conversation has that id. Start a new one with POST /chat/conversations."
MAX_TEXT = 5000
MAX_QUESTION_ID = 100
DB_DOWN = (
    "We could not save that just now because of a problem on our side. Your earlier answers are safe. "
    "Please send your answer again in a minute."
)


def _service() -> IntakeService:
    return current_app.extensions["intake"]


def _db_down(inbound: Inbound | None = None) -> str:
    """What to say when the database fails. The urgent numbers need no database, so they are always given; and a
    "yes" to the immediate-danger question gets the whole 999 advice first, exactly as when the database is up."""
    flow = _service().flow
    advice = emergency_reply(flow, _now())
    if inbound is not None and _says_yes(inbound) and inbound.question_id in (None, advice.question_id):
        return f"{advice.text}\n\n{DB_DOWN}"
    hub, edt = flow.hub_urgent_phone, flow.emergency_duty_team_phone
    return (
        f"{DB_DOWN} If a child is in immediate danger, call 999 now, then phone the hub's urgent line on {hub} "
        f"(the emergency duty team on {edt} when the hub is closed)."
    )


def _says_yes(inbound: Inbound) -> bool:
    said = inbound.choice if inbound.choice is not None else inbound.text
    return str(said or "").strip().casefold() in {"yes", "y", "true"}


def _now() -> datetime:
    clock: Callable[[], datetime] = current_app.extensions.get("clock", lambda: datetime.now(UTC))
    return clock()


def _identity(create: bool = True) -> str | None:
    """This browser's chat identity, made on first use (when `create`); None when it has none or it idled out."""
    now = _now().timestamp()
    identity, seen = session.get(IDENTITY), session.get(SEEN)
    idle: float = current_app.extensions["chat_idle_seconds"]
    if identity is not None and (not isinstance(seen, int | float) or now - seen > idle):
        for key in (IDENTITY, SEEN, OFFERED, "webchat_done", "webchat_flash"):
            session.pop(key, None)
        identity = None
    if identity is None:
        if not create:
            return None
        identity = session[IDENTITY] = str(uuid.uuid4())
        session[SEEN] = now
    elif now - seen >= SEEN_REFRESH_SECONDS:
        session[SEEN] = now
    return identity


def _offer(identity: str) -> StepResult:
    """This browser's open draft, or a new conversation offered under an id kept in its cookie (nothing stored)."""
    result = _service().resume_or_offer(CHANNEL, identity, _now(), session.get(OFFERED))
    if not result.stored and session.get(OFFERED) != result.draft_id:
        session[OFFERED] = result.draft_id
    return result


def browser_token() -> str:
    """This browser's long-lived token (made on first use); its cookie is renewed on each answer."""
    token = request.cookies.get(BROWSER, "")
    if not (20 <= len(token) <= 100 and token.replace("-", "").replace("_", "").isalnum()):
        token = secrets.token_urlsafe(32)
    days = current_app.extensions["settings"].integer("EMAIL_VERIFIED_DAYS")

    @after_this_request
    def keep(response: Response) -> Response:
        response.set_cookie(
            BROWSER,
            token,
            max_age=days * 86400,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
        return response

    return token


def _answer(conversation_id: str, inbound: Inbound) -> StepResult:
    """Apply an answer to this browser's conversation; DraftNotFound for anyone else's, or none."""
    identity = _identity(create=False)
    if identity is None or not conversation_id:
        raise DraftNotFound(conversation_id)
    offered = conversation_id == session.get(OFFERED)
    result = _service().handle(
        conversation_id,
        inbound,
        _now(),
        owner=(CHANNEL, identity),
        start=offered,
        origin={"browser": browser_token()},
    )
    if offered and result.stored:
        session.pop(OFFERED, None)  # the draft exists now; the next conversation gets a new id
    return result


def _result_json(result: StepResult) -> dict[str, Any]:
    return {
        "conversation_id": result.draft_id,
        "replies": [r.to_dict() for r in result.replies],
        "done": result.done,
        "request": result.request,
    }


def _problem(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def _question_id(value: Any) -> str | None:
    # The question the person was answering; a page that sends it never has a resent answer applied to the next one.
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_QUESTION_ID:
        raise ValueError('"question_id" must be the "question_id" of the question you are answering.')
    return value


def _inbound_from_json(body: Any) -> Inbound:
    if not isinstance(body, dict):
        raise ValueError('Send a JSON object such as {"text": "yes"} or {"choice": "yes"}.')
    text, choice, choices = body.get("text"), body.get("choice"), body.get("choices")
    question_id = _question_id(body.get("question_id"))
    if sum(x is not None for x in (text, choice, choices)) != 1:
        raise ValueError('Send exactly one of "text", "choice" or "choices".')
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        raise ValueError(f'"text" must be a string of at most {MAX_TEXT} characters.')
    if choice is not None and (not isinstance(choice, str) or len(choice) > 200):
        raise ValueError('"choice" must be the value of one of the offered choices.')
    if choices is not None and (
        not isinstance(choices, list)
        or len(choices) > 200
        or not all(isinstance(c, str) and len(c) <= 200 for c in choices)
    ):
        raise ValueError('"choices" must be a list of the values of offered choices.')
    return Inbound(
        text=text, choice=choice, choices=tuple(choices) if choices is not None else None, question_id=question_id
    )


# -- JSON API ------------------------------------------------------------------------------------------------------


@blueprint.post("/chat/conversations")
def create_conversation() -> tuple[Response, int]:
    if request.content_length and request.get_json(silent=True) is None:
        return _problem(400, "Send no body, or a JSON object such as {}, with Content-Type application/json.")
    try:
        result = _offer(_identity() or "")
    except OperationalError as err:
        log_database_error("opening a conversation", err)
        return _problem(503, _db_down())
    return jsonify(_result_json(result)), 201


@blueprint.get("/chat/conversations/<conversation_id>")
def show_conversation(conversation_id: str) -> tuple[Response, int]:
    identity = _identity(create=False)
    if identity is None:
        return _problem(404, NOT_FOUND)
    try:
        result = _service().current(
            conversation_id, _now(), owner=(CHANNEL, identity), start=conversation_id == session.get(OFFERED)
        )
    except DraftNotFound:
        return _problem(404, NOT_FOUND)
    except OperationalError as err:
        log_database_error("showing a conversation", err)
        return _problem(503, _db_down())
    return jsonify(_result_json(result)), 200


@blueprint.post("/chat/conversations/<conversation_id>/messages")
def post_message(conversation_id: str) -> tuple[Response, int]:
    body = request.get_json(silent=True)
    if body is None:
        return _problem(400, 'Send JSON with Content-Type application/json, for example {"text": "yes"}.')
    try:
        inbound = _inbound_from_json(body)
    except ValueError as err:
        return _problem(400, str(err))
    try:
        result = _answer(conversation_id, inbound)
    except DraftNotFound:
        return _problem(404, NOT_FOUND)
    except OperationalError as err:
        log_database_error("handling a message", err)
        return _problem(503, _db_down(inbound))
    return jsonify(_result_json(result)), 200


# -- The page ------------------------------------------------------------------------------------------------------


def _updates() -> ReferrerUpdates:
    """Outcomes and messages the hub sent this browser's person since they were last here (never fatal)."""
    identity = _identity(create=False)
    if identity is None:
        return ReferrerUpdates()
    try:
        return updates_for(current_app.extensions["db"], CHANNEL, identity, _now())
    except OperationalError as err:
        log_database_error("reading referrer updates", err)
        return ReferrerUpdates()


@blueprint.get("/")
def page() -> str | tuple[str, int]:
    identity = _identity() or ""
    flash = session.pop("webchat_flash", None)
    try:
        result = _offer(identity)
    except OperationalError as err:
        log_database_error("showing the chat page", err)
        return render_template("webchat/chat.html", result=None, error=_db_down()), 503
    return render_template("webchat/chat.html", result=result, error=flash, updates=_updates())


@blueprint.get("/chat/updates")
def updates_json() -> tuple[Response, int]:
    """Your requests and the hub's messages about them, as JSON (for the page's script and other clients)."""
    updates = _updates()
    return jsonify(
        {
            "unread": updates.unread,
            "notices": [
                {
                    "kind": n.kind,
                    "reference": n.reference,
                    "at": n.created_at.isoformat(),
                    "unread": n.unread,
                    "outcome": n.outcome,
                    "level": n.level,
                }
                for n in updates.notices
            ],
            "requests": [
                {
                    "reference": r.reference,
                    "received_at": r.received_at.isoformat(),
                    "status": r.status,
                    "level": r.level,
                    "hub_level": r.hub_level,
                    "hub_outcome": r.hub_outcome,
                }
                for r in updates.requests
            ],
        }
    ), 200


@blueprint.post("/chat/form")
def form_post() -> Response:
    """The same conversation without JavaScript: a plain form post, then back to the page."""
    conversation_id = request.form.get("conversation_id", "")
    # A form posted twice (a double click, the browser's resend) is re-asked, never applied to the next question.
    question_id = request.form.get("question_id", "")[:MAX_QUESTION_ID] or None
    values = request.form.getlist("choices")
    if request.form.get("choice"):
        inbound = Inbound(choice=request.form["choice"][:200], question_id=question_id)
    elif values or request.form.get("input") == "multi":
        inbound = Inbound(choices=tuple(v[:200] for v in values[:200]), question_id=question_id)
    else:
        inbound = Inbound(text=request.form.get("text", "")[:MAX_TEXT], question_id=question_id)
    try:
        result = _answer(conversation_id, inbound)
    except DraftNotFound:
        return redirect(url_for("webchat.page"))
    except OperationalError as err:
        log_database_error("handling a form answer", err)
        session["webchat_flash"] = _db_down(inbound)
        return redirect(url_for("webchat.page"))
    if result.done:
        session["webchat_done"] = _result_json(result)
        return redirect(url_for("webchat.finished"))
    return redirect(url_for("webchat.page"))


@blueprint.get("/chat/finished")
def finished() -> str:
    done = session.pop("webchat_done", None)
    return render_template("webchat/finished.html", done=done)
