"""One request, as the hub sees it: every answer, the routing decision and why, possible earlier requests about the
same child, the timeline, notes, and the actions (claim, assign, decide).

Place in the flow: queue -> **request page** -> intake.triage records the claim, assignment or decision (and the
outbox tells the referrer) -> back here. Every view and every change is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from hub import follow_ups
from hub.auth import HUB_MANAGER, HUB_WORKER, current_staff, now, require_role
from hub.queue import is_urgent, span, verified_view
from hub.staff import staff_choices
from intake import triage
from intake.actor import display_actor
from intake.referrer_reach import reachable
from intake.store import audit
from intake.store.audit import AuditEvent
from intake.store.child_match import VERDICTS, possible_matches, record_verdict
from intake.store.outbox import OutboxMessage
from intake.store.request_note import MAX_NOTE, RequestNote, notes_for
from intake.store.support_request import DECIDED, SupportRequest
from intake.working_day import LONDON

blueprint = Blueprint("hub_request", __name__, template_folder="templates")

# Audit actions in words, for the timeline.
ACTION_LABELS = {
    "request.submitted": "Request submitted",
    "request.viewed": "Viewed",
    "request.claimed": "Claimed",
    "request.taken_over": "Taken over",
    "request.assigned": "Assigned",
    "request.unassigned": "Returned to the queue",
    "request.decided": "Decision recorded",
    "note.added": "Note added",
    "child_match.recorded": "Possible match reviewed",
    "audit.viewed": "Audit trail viewed",
    "audit.exported": "Audit trail exported",
    "follow_up.snoozed": "Follow-up snoozed",
    "follow_up.cancelled": "Follow-up cancelled",
    "follow_up.done": "Follow-up marked done",
    "emergency.advised": "Told to call 999",
}
OUTBOX_LABELS = {
    "hub_new_request": "Hub channel alerted",
    "hub_request_updated": "Hub channel message updated",
    "referrer_receipt": "Receipt sent to the referrer",
    "referrer_outcome": "Outcome sent to the referrer",
    "request_acknowledgement": "Acknowledgement mailed to the referrer",
    "still_being_considered": "Referrer told it is still being considered",
    "triage_reminder": "Triage reminder",
    "triage_escalation": "Escalated to a manager",
    "early_help_review_checkin": "Early help review check-in",
    "early_help_not_started": "Early help not started check-in",
}

OUTBOX_STATES = {"sent": "sent", "pending": "waiting to send", "sending": "sending", "failed": "failed"}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    what: str
    who: str | None = None
    detail: str | None = None


def _db() -> Any:
    return current_app.extensions["db"]


def _load(s: Session, request_id: int) -> SupportRequest:
    found = s.get(SupportRequest, request_id)
    if found is None:
        abort(404)
    return found


def _answers(r: SupportRequest) -> list[tuple[str, str]]:
    """Every answer with its question's words, in the conversation's order; unknown keys last."""
    flow = current_app.extensions["intake"].flow
    indicators = current_app.extensions["rules"].indicators
    categories = {c.id: c.label for c in current_app.extensions["rules"].categories}
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for q in flow.questions:
        if q.id not in r.answers:
            continue
        seen.add(q.id)
        rows.append((q.prompt, _answer_text(q.id, r.answers[q.id], {c.value: c.label for c in q.choices},
                                            indicators, categories)))  # fmt: skip
    for key, value in r.answers.items():
        if key not in seen and not key.startswith("_"):
            rows.append((key.replace("_", " ").capitalize(), _answer_text(key, value, {}, indicators, categories)))
    return rows


def _answer_text(qid: str, value: Any, labels: dict[str, str], indicators: Any, categories: dict[str, str]) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        if qid in ("indicators", "suggested_signs") or qid.startswith("indicators."):
            signs = [v for v in value if v not in ("none", "browse")]  # the list's own "none" and "browse by area"
            return "\n".join(f"• {indicators[v].text if v in indicators else v}" for v in signs) or "None"
        if qid == "concern_categories":
            return "\n".join(f"• {categories.get(v, labels.get(v, v))}" for v in value) or "None"
        shown = [labels.get(str(v), v) for v in value if v != "none"]  # a checklist's "none of these"
        return "\n".join(f"• {label}" for label in shown) or "None"
    if value is None or value == "":
        return "Not given"
    if qid in ("child_dob", "child_due_date") and isinstance(value, str) and len(value) == 10:
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    return labels.get(str(value), str(value))


def _timeline(s: Session, r: SupportRequest) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for e in s.scalars(select(AuditEvent).where(AuditEvent.request_id == r.id).order_by(AuditEvent.id)):
        if e.action == "request.viewed":
            continue  # views are in the audit trail; the timeline is about what happened
        detail = None
        if e.action == "request.decided":
            outcome = e.detail.get("outcome")
            detail = f"{current_app.extensions['labels'].outcome(outcome)}, level {e.detail.get('hub_level')}"
        elif e.action in ("request.assigned", "request.claimed", "request.taken_over") and e.detail.get("assigned_to"):
            detail = f"To {display_actor(e.detail['assigned_to'])}"
        elif e.action == "child_match.recorded":
            detail = VERDICTS.get(e.detail.get("verdict"), "")
        entries.append(TimelineEntry(e.at, ACTION_LABELS.get(e.action, e.action), display_actor(e.actor), detail))
    for m in s.scalars(select(OutboxMessage).where(OutboxMessage.request_id == r.id).order_by(OutboxMessage.id)):
        state = OUTBOX_STATES.get(m.status, m.status)
        what = OUTBOX_LABELS.get(m.kind, m.kind.replace("_", " "))
        entries.append(TimelineEntry(m.sent_at or m.due_at, what, None, f"{m.channel}: {state}"))
    return sorted(entries, key=lambda e: e.at)


def _staff_names(s: Session) -> list[tuple[str, str]]:
    return [(f"staff:{a.email}", a.display_name) for a in staff_choices(s)]


def render_request(request_id: int, *, errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
                   note_error: str | None = None, status: int = 200) -> tuple[str, int]:  # fmt: skip
    staff = current_staff()
    assert staff is not None
    at = now()
    with _db().transaction() as s:
        r = _load(s, request_id)
        # Every view is recorded: this page shows a child's details.
        audit.record(s, at=at, actor=staff.actor, action="request.viewed", request_id=r.id)
        context = {
            "r": r,
            "answers": _answers(r),
            "reasons": (r.decision or {}).get("reasons", []),
            "urgent": is_urgent(s, r.id),
            "age": span(at - r.received_at),
            "due_in": span(r.decision_due_at - at) if r.decision_due_at else None,
            "overdue": bool(r.decision_due_at and r.decision_due_at < at and r.status != DECIDED),
            "matches": possible_matches(s, r),
            "timeline": _timeline(s, r),
            "notes": notes_for(s, r.id),
            "staff_options": _staff_names(s) if staff.has_role(HUB_MANAGER) else [],
            "follow_ups": _follow_ups(s, r),
            "verified": verified_view(r),
            # Nothing reaches this referrer (no chat address, no confirmed email): the hub phones them.
            "phone_referrer": None if reachable(r) else (r.referrer.phone if r.referrer else None) or "no number given",
        }
        html = render_template(
            "hub/request.html",
            **context,
            outcomes=triage.OUTCOMES,
            verdicts=VERDICTS,
            errors=errors or {},
            form=form or {"hub_level": str(r.level)},
            note_error=note_error,
            max_note=MAX_NOTE,
            display_actor=display_actor,
        )
    return html, status


def _follow_ups(s: Session, r: SupportRequest) -> dict[str, list[follow_ups.FollowUpView]]:
    upcoming, past = follow_ups.follow_ups_for(s, r.id)
    return {"upcoming": upcoming, "past": past}


@blueprint.get("/hub/requests/<int:request_id>")
@require_role(HUB_WORKER)
def show(request_id: int) -> tuple[str, int]:
    return render_request(request_id)


def _back(request_id: int) -> Response:
    if request.form.get("next") == "queue":
        return redirect(url_for("hub_queue.queue"))
    return redirect(url_for("hub_request.show", request_id=request_id))


@blueprint.post("/hub/requests/<int:request_id>/claim")
@require_role(HUB_WORKER)
def claim(request_id: int) -> Response:
    staff = current_staff()
    assert staff is not None
    try:
        with _db().transaction() as s:
            r = triage.claim(s, request_id, staff.actor, now(), take_over=request.form.get("take_over") == "yes")
            reference = r.reference
        flash(f"You have claimed {reference}.", "success")
    except triage.RequestNotFound:
        abort(404)
    except triage.TriageError as err:
        flash(str(err), "error")
    return _back(request_id)


@blueprint.post("/hub/requests/<int:request_id>/assign")
@require_role(HUB_MANAGER)
def assign(request_id: int) -> Response:
    staff = current_staff()
    assert staff is not None
    assignee = request.form.get("assignee", "")
    with _db().reading() as s:
        allowed = {value for value, _ in _staff_names(s)}
    if assignee and assignee not in allowed:
        flash("Choose someone from the list.", "error")
        return _back(request_id)
    try:
        with _db().transaction() as s:
            r = triage.assign(s, request_id, assignee or None, staff.actor, now())
            reference = r.reference
        who = display_actor(assignee) if assignee else "the queue"
        flash(f"{reference} is now with {who}.", "success")
    except triage.RequestNotFound:
        abort(404)
    except triage.TriageError as err:
        flash(str(err), "error")
    return _back(request_id)


@blueprint.post("/hub/requests/<int:request_id>/decision")
@require_role(HUB_WORKER)
def decide(request_id: int) -> Response | tuple[str, int]:
    staff = current_staff()
    assert staff is not None
    form = {k: request.form.get(k, "") for k in ("outcome", "hub_level", "rationale", "override_reason", "take_over")}
    try:
        with _db().transaction() as s:
            decision = triage.record_decision(
                s,
                request_id,
                outcome=form["outcome"] or None,
                hub_level=form["hub_level"] or None,
                rationale=form["rationale"],
                override_reason=form["override_reason"],
                actor=staff.actor,
                now=now(),
                take_over=form["take_over"] == "yes",
            )
            reference = s.get(SupportRequest, request_id).reference  # type: ignore[union-attr]
    except triage.RequestNotFound:
        abort(404)
    except triage.DecisionInvalid as err:
        return render_request(request_id, errors=err.errors, form=form, status=400)
    except triage.AlreadyClaimed as err:
        # Someone else has it: deciding needs the explicit take-over box, and the take-over is audited.
        return render_request(request_id, errors={"take_over": str(err)}, form=form, status=409)
    except triage.TriageError as err:
        flash(str(err), "error")
        return _back(request_id)
    flash(
        f"Decision recorded for {reference}: {decision.outcome_label}. The referrer will be told through the "
        "channel they used.",
        "success",
    )
    return redirect(url_for("hub_request.show", request_id=request_id))


@blueprint.post("/hub/requests/<int:request_id>/notes")
@require_role(HUB_WORKER)
def add_note(request_id: int) -> Response | tuple[str, int]:
    staff = current_staff()
    assert staff is not None
    text = request.form.get("note", "").strip()
    if not text:
        return render_request(request_id, note_error="Enter the note", status=400)
    if len(text) > MAX_NOTE:
        return render_request(request_id, note_error=f"The note must be {MAX_NOTE} characters or fewer", status=400)
    at = now()
    with _db().transaction() as s:
        _load(s, request_id)
        note = RequestNote(request_id=request_id, author=staff.actor, text=text, created_at=at)
        s.add(note)
        s.flush()
        audit.record(
            s, at=at, actor=staff.actor, action="note.added", request_id=request_id, detail={"note_id": note.id}
        )
    flash("Note added.", "success")
    return redirect(url_for("hub_request.show", request_id=request_id, _anchor="notes"))


@blueprint.post("/hub/requests/<int:request_id>/matches/<int:other_id>")
@require_role(HUB_WORKER)
def match(request_id: int, other_id: int) -> Response:
    staff = current_staff()
    assert staff is not None
    verdict = request.form.get("verdict", "")
    if verdict not in VERDICTS:
        flash("Choose whether it is the same child.", "error")
        return redirect(url_for("hub_request.show", request_id=request_id, _anchor="matches"))
    with _db().transaction() as s:
        r = _load(s, request_id)
        if other_id not in {m.request.id for m in possible_matches(s, r)}:
            abort(404)
        record_verdict(s, request_id, other_id, verdict, staff.actor, now())
    flash(f"Recorded: {VERDICTS[verdict].lower()}.", "success")
    return redirect(url_for("hub_request.show", request_id=request_id, _anchor="matches"))


@blueprint.post("/hub/requests/<int:request_id>/follow-ups/<int:follow_up_id>/snooze")
@require_role(HUB_WORKER)
def snooze_follow_up(request_id: int, follow_up_id: int) -> Response:
    staff = current_staff()
    assert staff is not None
    raw = request.form.get("until", "").strip()
    try:
        until = datetime.fromisoformat(raw).replace(tzinfo=LONDON) if raw else None
    except ValueError:
        until = None
    if until is None:
        flash("Enter the date and time to snooze until, like 2026-11-30 09:00.", "error")
        return redirect(url_for("hub_request.show", request_id=request_id, _anchor="follow-ups"))
    return _change_follow_up(
        request_id,
        follow_up_id,
        lambda s: follow_ups.snooze(s, follow_up_id, until, request.form.get("reason", ""), staff.actor, now()),
        "Follow-up snoozed.",
    )


@blueprint.post("/hub/requests/<int:request_id>/follow-ups/<int:follow_up_id>/cancel")
@require_role(HUB_WORKER)
def cancel_follow_up(request_id: int, follow_up_id: int) -> Response:
    staff = current_staff()
    assert staff is not None
    return _change_follow_up(
        request_id,
        follow_up_id,
        lambda s: follow_ups.cancel(s, follow_up_id, request.form.get("reason", ""), staff.actor, now()),
        "Follow-up cancelled.",
    )


@blueprint.post("/hub/requests/<int:request_id>/follow-ups/<int:follow_up_id>/done")
@require_role(HUB_WORKER)
def follow_up_done(request_id: int, follow_up_id: int) -> Response:
    staff = current_staff()
    assert staff is not None
    return _change_follow_up(
        request_id,
        follow_up_id,
        lambda s: follow_ups.mark_done(s, follow_up_id, request.form.get("note", ""), staff.actor, now()),
        "Marked done.",
    )


def _change_follow_up(request_id: int, follow_up_id: int, change: Any, done: str) -> Response:
    from intake.store.follow_up import FollowUp

    try:
        with _db().transaction() as s:
            row = s.get(FollowUp, follow_up_id)
            if row is None or row.request_id != request_id:
                abort(404)
            change(s)
        flash(done, "success")
    except follow_ups.FollowUpChangeError as err:
        flash(str(err), "error")
    return redirect(url_for("hub_request.show", request_id=request_id, _anchor="follow-ups"))
