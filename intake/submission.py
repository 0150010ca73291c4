"""Submission: a finished draft becomes a stored SupportRequest with its routing decision, and the referrer is told.

Place in the flow: conversation (review answered 'submit') -> intake.service -> **submission** (validate the stored
answers, evaluate the rules, check the referrer against the partner lists, store the request, its audit event and
whatever the listeners add, in one transaction) -> the receipt the referrer sees.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.conversation import engine
from intake.conversation.turn import Reply
from intake.receipt import receipt_for
from intake.request_facts import facts_from_answers
from intake.store import audit
from intake.store.draft import SUBMITTED, Draft, conversation_tag
from intake.store.referrer import Referrer
from intake.store.support_request import SupportRequest, format_reference, name_key
from intake.verification import Partners
from intake.verification.at_submission import Origin, verify_referrer
from intake.verification.email_step import confirmed_at
from intake.working_day import LONDON, working_deadline
from routing import evaluate

log = logging.getLogger("intake.service")  # the name operators already filter on

# Called inside the submission transaction, so what a listener adds (outbox rows, follow-ups) commits with the
# request or not at all.
SubmitListener = Callable[[Session, SupportRequest, datetime], None]


def submit_draft(
    s: Session,
    flow: engine.Flow,
    draft: Draft,
    now: datetime,
    *,
    partners: Partners,
    listeners: Sequence[SubmitListener] = (),
    origin: Origin | None = None,
) -> SupportRequest | engine.Turn:
    """Store the request, or, when the stored answers do not make a valid request, the turn that re-asks."""
    today = now.astimezone(LONDON).date()
    answers, problems = engine.submission_problems(flow, draft.state, today)
    if problems:
        log.warning("conversation %s failed validation at submission (%s)", conversation_tag(draft.id), problems[0].key)
        return engine.reask(flow, draft.state, problems[0], today)
    rules = flow.rules
    facts = facts_from_answers(answers, today)
    decision = evaluate(rules, facts)
    verification = verify_referrer(s, partners, draft, answers, origin, confirmed_at(flow, draft.state))
    referrer = remember_referrer(s, draft, answers, now)
    request = SupportRequest(
        draft_id=draft.id,
        referrer_id=referrer.id,
        channel=draft.channel,
        received_at=now,
        immediate_danger=bool(answers.get("immediate_danger")),
        referring_agency=answers.get("referrer_agency"),
        referring_organisation=answers.get("referrer_organisation"),
        # The clean answers to the steps that applied: exactly what the person saw at review.
        child_first_name=_known(answers.get("child_first_name")),
        child_last_name=_known(answers.get("child_last_name")),
        child_dob=_date(answers.get("child_dob")),
        child_due_date=_date(answers.get("child_due_date")),
        child_postcode=answers.get("child_postcode"),
        concern_categories=list(answers.get("concern_categories") or []),
        answers=answers,
        facts=facts.to_dict(),
        level=decision.level,
        route=decision.route,
        decision=decision.to_dict(),
        rules_version=decision.rules_version,
        decision_due_at=working_deadline(now, rules.timescales.decision_working_days, rules.contacts.hub_hours),
        verified_by=verification.key,
        verification=verification.to_dict(),
    )
    request.child_name_key = name_key(request.child_first_name, request.child_last_name)
    s.add(request)
    s.flush()
    request.reference = format_reference(today.year, request.id)
    draft.status = SUBMITTED
    draft.referrer_id = referrer.id
    audit.record(
        s,
        at=now,
        actor=f"referrer:{referrer.id}",
        action="request.submitted",
        request_id=request.id,
        detail={
            "reference": request.reference,
            "level": request.level,
            "route": request.route,
            "rules_version": request.rules_version,
            "channel": request.channel,
            "verified_by": request.verified_by,
        },
    )
    for listener in listeners:
        listener(s, request, now)
    s.flush()
    log.info("request %s submitted: level %s, route %s", request.reference, request.level, request.route)
    return request


def submitted_reply(flow: engine.Flow, request: SupportRequest, now: datetime) -> tuple[Reply, dict[str, Any]]:
    """What the referrer is shown once the request is stored, and the same as data for channels that draw it."""
    d = request.decision
    reasons = [r["text"] for r in d.get("reasons", [])]
    contacts = flow.rules.contacts
    due_text = deadline_words(request.decision_due_at, now) if request.decision_due_at else None
    shown = receipt_for(
        request.reference or "",
        request.level,
        request.route,
        d,
        hub_phone=flow.hub_urgent_phone,
        out_of_hours_phone=flow.emergency_duty_team_phone,
        already_sent=(contacts.portal, contacts.hub_email),
        due_text=due_text,
        immediate_danger=bool(request.immediate_danger),
    )
    reply = Reply(text=shown.text(), hints={"reference": request.reference, "level": request.level})
    return reply, {
        "reference": request.reference,
        "level": request.level,
        "route": request.route,
        "route_label": d.get("route_label"),
        "reasons": reasons,
        "next_steps": d.get("next_steps"),
        "timescale": d.get("timescale"),
        "phone_first": bool(d.get("phone_first")),
        "decision_due_at": request.decision_due_at.isoformat() if request.decision_due_at else None,
        "decision_due_text": due_text,
        # What the referrer is told, for channels that draw it (the Teams result card).
        "receipt": asdict(shown),
    }


def find_referrer(s: Session, channel: str, channel_user_id: str) -> Referrer | None:
    return s.scalar(select(Referrer).where(Referrer.channel == channel, Referrer.channel_user_id == channel_user_id))


def remember_referrer(s: Session, draft: Draft, answers: dict[str, Any], now: datetime) -> Referrer:
    """The referrer's details as this request gave them, kept so their next request need not ask again."""
    referrer = find_referrer(s, draft.channel, draft.channel_user_id)
    if referrer is None:
        referrer = Referrer(channel=draft.channel, channel_user_id=draft.channel_user_id, created_at=now)
        s.add(referrer)
    referrer.name = answers.get("referrer_name") or referrer.name
    referrer.role = answers.get("referrer_role") or referrer.role
    referrer.agency = answers.get("referrer_agency") or referrer.agency
    referrer.organisation = answers.get("referrer_organisation") or referrer.organisation
    referrer.phone = answers.get("referrer_phone") or referrer.phone
    referrer.email = answers.get("referrer_email") or referrer.email
    referrer.updated_at = now
    s.flush()
    return referrer


def deadline_words(at: datetime, now: datetime) -> str:
    """'by 10:00 on Wednesday 25 November' in Europe/London (the year too when it is not this year's)."""
    local = at.astimezone(LONDON)
    year = f" {local.year}" if local.year != now.astimezone(LONDON).year else ""
    return f"by {local:%H:%M} on {local:%A} {local.day} {local:%B}{year}"


def _known(value: Any) -> str | None:
    if not value or str(value).strip().casefold() in {"unknown", "not known", "skip"}:
        return None
    return str(value).strip()


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None
