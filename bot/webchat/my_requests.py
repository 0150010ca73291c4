"""/my-requests: a referrer reads their own requests after confirming their work email again by a code mailed to it.

Place in the flow: every mail to a referrer links here (hub/mail/messages.py). The person gives their work email,
a code goes through the outbox (intake/verification/email_code.py, purpose `my_requests`: always a fresh code, never
a remembered browser), and once it is typed this browser session may read, for MY_REQUESTS_MINUTES, every request
raised with that email on any channel (intake/referrer_updates.requests_for_email): reference, dates, where it is,
and the hub's outcome with what it means. Never the child or the concern: the page is only as safe as the mailbox.
The same answer is given whether or not the address has any requests, so the page does not say who has referred.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response
from wtforms import ValidationError

from bot.webchat.routes import DB_DOWN, browser_token
from intake.referrer_updates import requests_for_email
from intake.store.database import log_database_error
from intake.store.email_code import MY_REQUESTS
from intake.validation import AnswerError, load_answer
from intake.verification.email_code import CodePolicy, TooManyCodes, check_code, normal_email, send_code

blueprint = Blueprint("my_requests", __name__, template_folder="templates")

PENDING = "my_requests_pending"  # the address a code was sent to
CONFIRMED = "my_requests_email"  # {"email", "at"}
MY_REQUESTS_MINUTES = 30


def _now() -> datetime:
    return current_app.extensions.get("clock", lambda: datetime.now(UTC))()


def _policy() -> CodePolicy:
    return current_app.extensions["email_codes"]


def _confirmed() -> str | None:
    held = session.get(CONFIRMED)
    if not isinstance(held, dict) or not isinstance(held.get("at"), str):
        return None
    if datetime.fromisoformat(held["at"]) + timedelta(minutes=MY_REQUESTS_MINUTES) < _now():
        session.pop(CONFIRMED, None)
        return None
    return str(held["email"])


def _page(**context: Any) -> tuple[str, int]:
    status = context.pop("status", 200)
    return render_template("webchat/my_requests.html", **context), status


def _csrf_ok() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token", ""))
    except (ValidationError, CSRFError):
        return False
    return True


def _email_question() -> Any:
    flow = current_app.extensions["intake"].flow
    return next(q for q in flow.questions if q.kind == "email")


@blueprint.get("/my-requests")
def page() -> tuple[str, int]:
    email = _confirmed()
    if email is None:
        return _page(step="code" if session.get(PENDING) else "email", pending=session.get(PENDING))
    try:
        requests = requests_for_email(current_app.extensions["db"], email)
    except OperationalError as err:
        log_database_error("listing a referrer's requests", err)
        return _page(step="list", email=email, requests=(), error=DB_DOWN, status=503)
    return _page(step="list", email=email, requests=requests)


@blueprint.post("/my-requests")
def ask_for_code() -> Response | tuple[str, int]:
    if not _csrf_ok():
        return _page(step="email", error="The form had expired. Please try again.", status=400)
    raw = request.form.get("email", "")[:300]
    try:
        email = normal_email(load_answer(_email_question(), raw, (), _now().date()))
    except AnswerError as err:
        return _page(step="email", error=str(err), value=raw, status=400)
    try:
        with current_app.extensions["db"].transaction() as s:
            send_code(s, _policy(), browser_token(), email, _now(), purpose=MY_REQUESTS)
    except TooManyCodes as err:
        return _page(step="email", error=str(err), value=raw, status=429)
    except OperationalError as err:
        log_database_error("sending a my-requests code", err)
        return _page(step="email", error=DB_DOWN, value=raw, status=503)
    session[PENDING] = email
    session.pop(CONFIRMED, None)
    return redirect(url_for("my_requests.page"))


@blueprint.post("/my-requests/code")
def confirm_code() -> Response | tuple[str, int]:
    email = session.get(PENDING)
    if not isinstance(email, str):
        return redirect(url_for("my_requests.page"))
    if not _csrf_ok():
        return _page(step="code", pending=email, error="The form had expired. Please try again.", status=400)
    if request.form.get("again"):
        session.pop(PENDING, None)
        return redirect(url_for("my_requests.page"))
    try:
        with current_app.extensions["db"].transaction() as s:
            problem = check_code(
                s, _policy(), browser_token(), email, request.form.get("code", "")[:40], _now(), purpose=MY_REQUESTS
            )
    except OperationalError as err:
        log_database_error("checking a my-requests code", err)
        return _page(step="code", pending=email, error=DB_DOWN, status=503)
    if problem:
        return _page(step="code", pending=email, error=problem.replace("Type 'send a new code'", "Ask for a new code"),
                     status=400)  # fmt: skip
    session.pop(PENDING, None)
    session[CONFIRMED] = {"email": email, "at": _now().isoformat()}
    return redirect(url_for("my_requests.page"))


@blueprint.post("/my-requests/sign-out")
def sign_out() -> Response:
    session.pop(CONFIRMED, None)
    session.pop(PENDING, None)
    return redirect(url_for("my_requests.page"))
