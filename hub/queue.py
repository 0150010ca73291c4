"""The hub's queue: requests waiting for a decision, most urgent first, with filters.

Place in the flow: submitted requests (intake) -> **queue** -> a worker claims one and opens its page (hub.request_page)
-> decision. Order: requests the rules said to phone about (immediate danger, child protection, LADO, FGM) first,
then other level-4 routes, then everything else; inside each group the nearest decision deadline first (overdue at the
top), then the newest. The one-working-day promise is about deadlines, so a new request never jumps an older one
that is about to go overdue unless it is more urgent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import Select, select

from hub.auth import HUB_WORKER, current_staff, now, require_role
from intake.store.support_request import AWAITING_DECISION, DECIDED, IN_TRIAGE, SupportRequest
from intake.verification import Verification, partners

blueprint = Blueprint("hub_queue", __name__, template_folder="templates")

OPEN = "open"
STATUS_FILTERS = {
    OPEN: "Waiting for a decision (not claimed or being triaged)",
    AWAITING_DECISION: "Not claimed yet",
    IN_TRIAGE: "Being triaged",
    DECIDED: "Decided",
}
QUEUE_LIMIT = 500


@dataclass(frozen=True)
class QueueFilters:
    status: str = OPEN
    level: int | None = None
    route: str = ""
    agency: str = ""
    mine: bool = False
    overdue: bool = False

    @classmethod
    def from_args(cls, args: Any) -> QueueFilters:
        status = args.get("status", OPEN)
        level = args.get("level", "")
        return cls(
            status=status if status in STATUS_FILTERS else OPEN,
            level=int(level) if level in ("1", "2", "3", "4") else None,
            route=args.get("route", "")[:40],
            agency=args.get("agency", "")[:50],
            mine=args.get("mine") == "1",
            overdue=args.get("overdue") == "1",
        )

    @property
    def active(self) -> bool:
        return self != QueueFilters()


def urgency(r: SupportRequest) -> int:
    """0: phone-first or immediate danger; 1: other level 4; 2: the rest."""
    if r.immediate_danger or (r.decision or {}).get("phone_first"):
        return 0
    return 1 if r.level == 4 else 2


def queue_order(rows: list[SupportRequest]) -> list[SupportRequest]:
    far = datetime.max.replace(tzinfo=now().tzinfo)
    return sorted(rows, key=lambda r: (urgency(r), r.decision_due_at or far, -r.received_at.timestamp()))


def _query(f: QueueFilters, actor: str, at: datetime) -> Select[tuple[SupportRequest]]:
    q = select(SupportRequest)
    if f.status == OPEN:
        q = q.where(SupportRequest.status.in_((AWAITING_DECISION, IN_TRIAGE)))
    else:
        q = q.where(SupportRequest.status == f.status)
    if f.level is not None:
        q = q.where(SupportRequest.level == f.level)
    if f.route:
        q = q.where(SupportRequest.route == f.route)
    if f.agency:
        q = q.where(SupportRequest.referring_agency == f.agency)
    if f.mine:
        q = q.where(SupportRequest.assigned_to == actor)
    if f.overdue:
        q = q.where(SupportRequest.decision_due_at < at, SupportRequest.status != DECIDED)
    if f.status == DECIDED:
        return q.order_by(SupportRequest.decided_at.desc()).limit(QUEUE_LIMIT)
    return q.order_by(SupportRequest.decision_due_at).limit(QUEUE_LIMIT)


def span(delta: timedelta) -> str:
    """A duration for people: '3 days 2 h', '4 h 05 min', '12 min'."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


@blueprint.get("/hub/")
@blueprint.get("/hub/requests")
@require_role(HUB_WORKER)
def queue() -> str:
    staff = current_staff()
    assert staff is not None
    at = now()
    filters = QueueFilters.from_args(request.args)
    rules = current_app.extensions["rules"]
    with current_app.extensions["db"].reading() as s:
        rows = list(s.scalars(_query(filters, staff.actor, at)))
        items = [_row(r, at) for r in (rows if filters.status == DECIDED else queue_order(rows))]
    agency_labels = choice_labels("referrer_agency")
    routes = sorted(((key, info.label) for key, info in rules.routes.items()), key=lambda kv: kv[1])
    return render_template(
        "hub/queue.html",
        items=items,
        filters=filters,
        statuses=STATUS_FILTERS,
        routes=routes,
        agencies=sorted(agency_labels.items(), key=lambda kv: kv[1]),
        agency_labels=agency_labels,
        overdue_count=sum(1 for i in items if i["overdue"]),
        request_pages="hub_request" in current_app.blueprints,
    )


def choice_labels(question_id: str) -> dict[str, str]:
    """Value -> label of one question's choices, so pages show what the referrer picked in words."""
    try:
        question = current_app.extensions["intake"].flow.question(question_id)
    except KeyError:
        return {}
    return {c.value: c.label for c in question.choices}


def _row(r: SupportRequest, at: datetime) -> dict[str, Any]:
    due = r.decision_due_at
    overdue = due is not None and due < at and r.status != DECIDED
    return {
        "id": r.id,
        "reference": r.reference,
        "level": r.level,
        "route": r.route,
        "route_label": (r.decision or {}).get("route_label", r.route),
        "urgent": urgency(r) == 0,
        "agency": r.referring_agency,
        "organisation": r.referring_organisation,
        "received_at": r.received_at,
        "age": span(at - r.received_at),
        "due_at": due,
        "due_in": span(due - at) if due else None,
        "overdue": overdue,
        "status": r.status,
        "assigned_to": r.assigned_to,
        "hub_outcome": r.hub_outcome,
        "verified": verified_view(r, details=False),
    }


def verified_view(r: SupportRequest, details: bool = True) -> dict[str, Any]:
    """How the referrer was verified, in the words the queue and the request page show (intake.verification)."""
    found = Verification.from_dict(r.verification) if details else None
    return {
        "label": partners.label(r.verified_by),
        "ok": partners.reassuring(r.verified_by),
        "sentences": found.sentences() if found else [],
    }
