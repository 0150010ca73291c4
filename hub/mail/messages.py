"""What is mailed: the subject and plain-text body for each kind of outbox message, from its structured payload.

Mail is not a secure channel, so nothing here names the child or repeats the concern: only the request's reference,
when it was raised, the recommendation (level and route), what happens next and by when, later the hub's outcome
and what it means for the referrer, and a link to the referrer's own requests, where they read more after
confirming their email address again. Each kind reads only the payload fields listed for it, so a payload that
carried more could still not leak it into a mail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.follow_ups import summary_figures
from intake.working_day import LONDON

# Where a referrer reads their own requests after confirming their email (the browser chat's page).
MY_REQUESTS_PATH = "/my-requests"

NOT_SECURE = (
    "This email does not repeat what you told us about the child, because email is not a secure way to send it."
)


@dataclass(frozen=True)
class MailContext:
    """What every mail may say about the service itself, fixed when the app is built."""

    hub_name: str = "the hub"
    public_url: str = "http://localhost:5000"
    urgent_phone: str = ""

    @property
    def my_requests(self) -> str:
        return f"{self.public_url}{MY_REQUESTS_PATH}"

    def danger_line(self) -> str:
        phone = f" and then the hub on {self.urgent_phone}" if self.urgent_phone else ""
        return f"If a child is in immediate danger, call 999{phone}."


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    # Plain values a GOV.UK Notify template may place itself (reference, code ...); no personal data.
    fields: Mapping[str, str]


class NotRenderable(ValueError):
    """The payload lacks what this kind of mail must say (for example a code that is no longer kept)."""


def when(value: Any) -> str:
    """An ISO time from a payload as London time in words, or '' when there is none."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        return datetime.fromisoformat(value).astimezone(LONDON).strftime("%A %d %B %Y, %H:%M")
    except ValueError:
        return ""


def _line(text: Any) -> str:
    return " ".join(str(text).split())


def _body(*paragraphs: str | None) -> str:
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def _facts(rows: list[tuple[str, Any]]) -> str:
    return "\n".join(f"{label}: {_line(value)}" for label, value in rows if value not in (None, ""))


def _recommendation(payload: Mapping[str, Any]) -> str:
    level = payload.get("level")
    route = payload.get("route_label") or payload.get("route")
    if level is None:
        return ""
    return f"level {level}" + (f", {_line(route)}" if route else "")


def email_code(payload: Mapping[str, Any], ctx: MailContext) -> Rendered:
    code = payload.get("code")
    if not isinstance(code, str) or not code:
        raise NotRenderable("the code is no longer kept")
    minutes = payload.get("minutes") or 10
    text = _body(
        f"Your code to confirm your work email address for {ctx.hub_name}'s request for support service is:",
        code,
        f"It works for {minutes} minutes. Type it into the chat where you asked for it.",
        "If you did not ask for a code, you can ignore this email: nothing is sent to the hub without it.",
    )
    # The code stays out of the subject, which lock screens and mail logs show.
    return Rendered("Your confirmation code", text, {"code": code, "minutes": str(minutes)})


def request_acknowledgement(payload: Mapping[str, Any], ctx: MailContext) -> Rendered:
    reference = _line(payload.get("reference") or "")
    due = when(payload.get("decision_due_at"))
    next_steps = " ".join(_line(x) for x in (payload.get("next_steps"), payload.get("timescale")) if x)
    text = _body(
        f"{ctx.hub_name} has received your request for support.",
        _facts(
            [
                ("Reference", reference),
                ("Raised", when(payload.get("received_at"))),
                ("The bot's recommendation", _recommendation(payload)),
                ("The hub will decide by", due),
            ]
        ),
        f"What happens next: {next_steps}" if next_steps else None,
        "The hub makes the decision; the recommendation is the bot's. You will be told the outcome"
        + (f" by {due}." if due else " within one working day."),
        f"To see your requests, open {ctx.my_requests} and confirm your email address.",
        NOT_SECURE,
        ctx.danger_line(),
    )
    return Rendered(f"Request for support {reference} received", text, {"reference": reference})


def referrer_outcome(payload: Mapping[str, Any], ctx: MailContext) -> Rendered:
    reference = _line(payload.get("reference") or "")
    outcome = _line(payload.get("outcome_label") or str(payload.get("hub_outcome") or "").replace("_", " "))
    level = payload.get("hub_level")
    recommended = payload.get("recommended_level")
    level_text = f"level {level}" if level is not None else ""
    if level_text and recommended not in (None, level):
        level_text += f" (the bot recommended level {recommended})"
    text = _body(
        f"{ctx.hub_name} has decided on your request for support {reference}.",
        _facts(
            [
                ("Reference", reference),
                ("Raised", when(payload.get("received_at"))),
                ("Decided", when(payload.get("decided_at"))),
                ("Outcome", outcome),
                ("The hub's level of need", level_text),
            ]
        ),
        f"What this means for you: {_line(payload['next_steps'])}" if payload.get("next_steps") else None,
        f"To see your requests, open {ctx.my_requests} and confirm your email address.",
        NOT_SECURE,
        ctx.danger_line(),
    )
    return Rendered(f"Outcome of request for support {reference}", text, {"reference": reference, "outcome": outcome})


def _short(subject: str, opening: str) -> Callable[[Mapping[str, Any], MailContext], Rendered]:
    """A kind that says one thing about one request, with the reference and the link to the referrer's requests."""

    def render(payload: Mapping[str, Any], ctx: MailContext) -> Rendered:
        reference = _line(payload.get("reference") or "")
        text = _body(
            opening.format(ref=reference, hub=ctx.hub_name),
            _facts([("Reference", reference), ("Due", when(payload.get("due_at")))]),
            f"To see your requests, open {ctx.my_requests} and confirm your email address.",
            NOT_SECURE,
            ctx.danger_line(),
        )
        return Rendered(subject.format(ref=reference), text, {"reference": reference})

    return render


def weekly_summary(payload: Mapping[str, Any], ctx: MailContext) -> Rendered:
    words = summary_figures.period(payload)
    levels, routes = summary_figures.by_level(payload), summary_figures.by_route(payload)
    text = _body(
        f"Requests for support to {ctx.hub_name}, {words}.",
        _facts(summary_figures.headline_rows(payload)),
        "By recommended level:\n" + "\n".join(f"  {k}: {v}" for k, v in levels) if levels else None,
        "By route:\n" + "\n".join(f"  {_line(k)}: {v}" for k, v in routes) if routes else None,
        f"The full weekly report: {ctx.public_url}{summary_figures.WEEKLY_REPORT_PATH}",
        "Counts only: no request or child is named in this email.",
    )
    return Rendered(f"Requests for support: {words}", text, {"period": words})


def generic(payload: Mapping[str, Any], ctx: MailContext) -> Rendered:
    reference = _line(payload.get("reference") or "")
    text = _body(
        f"There is an update about request for support {reference}." if reference else "There is an update.",
        f"To see your requests, open {ctx.my_requests} and confirm your email address.",
        NOT_SECURE,
    )
    return Rendered(f"Request for support {reference}".strip(), text, {"reference": reference})


KINDS: dict[str, Callable[[Mapping[str, Any], MailContext], Rendered]] = {
    "email_code": email_code,
    "request_acknowledgement": request_acknowledgement,
    "referrer_outcome": referrer_outcome,
    "weekly_summary": weekly_summary,
    "still_being_considered": _short(
        "Request for support {ref}: still being considered",
        "{hub} is still considering your request for support {ref}. You will be told the outcome as soon as it is "
        "decided. If you have not heard within a working day, phone the hub.",
    ),
    "early_help_not_started": _short(
        "Request for support {ref}: has early help started?",
        "It is ten working days since {hub} decided on early help for request {ref}. If the early help assessment "
        "has not started, please let the hub know.",
    ),
    "early_help_review_checkin": _short(
        "Request for support {ref}: early help review",
        "The first review of the early help for request {ref} is due. Is the plan working? Let the hub know if "
        "things have changed.",
    ),
}


def render(kind: str, payload: Mapping[str, Any], ctx: MailContext) -> Rendered:
    return KINDS.get(kind, generic)(payload or {}, ctx)
