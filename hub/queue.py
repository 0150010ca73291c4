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
from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import Session

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
R = SupportRequest


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


# 0: phone-first or immediate danger; 1: other level 4; 2: the rest. Worked out by the database, so the order is
# the database's and a long queue's limit cuts off the least urgent, never a phone-first request.
URGENCY = case(
    (or_(R.immediate_danger.is_(True), R.decision["phone_first"].as_boolean().is_(True)), 0),
    (R.level == 4, 1),
    else_=2,
).label("urgency")


def is_urgent(session: Session, request_id: int) -> bool:
    """Phone-first or immediate danger, by the queue's own rule."""
    return session.scalar(select(URGENCY).where(R.id == request_id)) == 0


def _query(f: QueueFilters, actor: str, at: datetime) -> Select[tuple[SupportRequest, int]]:
    q = select(R, URGENCY)
    q = q.where(R.status.in_((AWAITING_DECISION, IN_TRIAGE)) if f.status == OPEN else R.status == f.status)
    if f.level is not None:
        q = q.where(R.level == f.level)
    if f.route:
        q = q.where(R.route == f.route)
    if f.agency:
        q = q.where(R.referring_agency == f.agency)
    if f.mine:
        q = q.where(R.assigned_to == actor)
    if f.overdue:
        q = q.where(R.decision_due_at < at, R.status != DECIDED)
    if f.status == DECIDED:
        return q.order_by(R.decided_at.desc()).limit(QUEUE_LIMIT)
    return q.order_by(URGENCY, R.decision_due_at.asc().nulls_last(), R.received_at.desc()).limit(QUEUE_LIMIT)


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
    with current_app.extensions["db"].reading() as s:
        items = [_row(r, urgency, at) for r, urgency in s.execute(_query(filters, staff.actor, at))]
    labels = current_app.extensions["labels"]
    routes = sorted(labels.routes.items(), key=lambda kv: kv[1])
    return render_template(
        "hub/queue.html",
        items=items,
        filters=filters,
        statuses=STATUS_FILTERS,
        routes=routes,
        agencies=sorted(labels.agencies.items(), key=lambda kv: kv[1]),
        overdue_count=sum(1 for i in items if i["overdue"]),
        request_pages="hub_request" in current_app.blueprints,
    )


def _row(r: SupportRequest, urgency: int, at: datetime) -> dict[str, Any]:
    due = r.decision_due_at
    overdue = due is not None and due < at and r.status != DECIDED
    return {
        "id": r.id,
        "reference": r.reference,
        "level": r.level,
        "route": r.route,
        "route_label": (r.decision or {}).get("route_label", r.route),
        "urgent": urgency == 0,
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
