"""Triage: the hub's own actions on a request — claim it, assign it, record the decision — whichever front end a
hub worker uses (the hub web app, a Slack or Teams button).

Place in the flow: submitted request -> **triage** (claim / assign / decide) -> outbox: the outcome to the referrer in
the channel they used ("referrer_outcome") and an update for each hub channel message about the request
("hub_request_updated") -> the clock's sweep delivers them. Every change is an audit event in the same transaction.

The bot recommends; the hub decides: the hub's level may differ from the recommendation only with a written reason.
Functions take the caller's session and the current time and never commit: the caller's transaction does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.actor import display_actor, identity_of_actor
from intake.referrer_reach import phone_the_referrer, reachable, tell_referrer
from intake.store import audit
from intake.store.outbox import OutboxMessage, enqueue
from intake.store.support_request import AWAITING_DECISION, DECIDED, IN_TRIAGE, SupportRequest

# The hub's possible outcomes, in the order a form offers them; values are stored in SupportRequest.hub_outcome.
OUTCOMES: dict[str, str] = {
    "no_further_action_advice": "No further action, with advice",
    "signpost_universal": "Signpost to universal services",
    "early_help_universal_plus": "Early help: universal plus",
    "early_help_intensive": "Early help: intensive / team around the family",
    "child_in_need_assessment": "Child in need assessment (section 17)",
    "strategy_discussion": "Strategy discussion (section 47)",
    "refer_other_local_authority": "Refer to another local authority",
    "lado": "Refer to the LADO",
}

# What the referrer is told happens next, per outcome (no case detail: the outcome is all they receive).
NEXT_STEPS: dict[str, str] = {
    "no_further_action_advice": (
        "The hub will take no further action. Contact the hub if you need advice or things change."
    ),
    "signpost_universal": "The family can be supported by universal services. The hub has shared where to go.",
    "early_help_universal_plus": (
        "Early help at universal plus: the agency that knows the family leads, with the hub's advice."
    ),
    "early_help_intensive": "Intensive early help: a team around the family with a lead professional will be arranged.",
    "child_in_need_assessment": "A social worker will carry out a child in need assessment (section 17).",
    "strategy_discussion": "A strategy discussion (section 47) will be held. The hub may contact you for information.",
    "refer_other_local_authority": "The request has been passed to the local authority where the child lives.",
    "lado": "The allegation has been passed to the LADO, who will contact you.",
}

MAX_RATIONALE = 5000
# Every hub_request_updated row copies where the original hub alert went.
HUB_ALERT_KIND = "hub_new_request"


class TriageError(Exception):
    """The action cannot be done; the message says why, in words a hub worker can act on."""


class RequestNotFound(TriageError):
    pass


class AlreadyDecided(TriageError):
    pass


class AlreadyClaimed(TriageError):
    """Someone else holds the request: taking it from them needs an explicit take-over (audited)."""

    def __init__(self, by: str, doing: str = "claim") -> None:
        if doing == "claim":
            message = f"This request has already been claimed by {display_actor(by)}."
        else:
            message = f"{display_actor(by)} has claimed this request. Take it over to decide it yourself."
        super().__init__(message)
        self.by = by


class DecisionInvalid(TriageError):
    """Field -> message for each problem with a decision, so a form can show each beside its field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class HubDecision:
    outcome: str
    hub_level: int
    recommended_level: int
    rationale: str
    override_reason: str | None
    actor: str
    decided_at: datetime

    @property
    def overridden(self) -> bool:
        return self.hub_level != self.recommended_level

    @property
    def outcome_label(self) -> str:
        return OUTCOMES[self.outcome]


# Run inside the decision's transaction after it is recorded (the follow-ups scheduler registers one), so what
# they add commits with the decision or not at all.
DecisionListener = Callable[[Session, SupportRequest, HubDecision, datetime], None]
decision_listeners: list[DecisionListener] = []


def on_decision(listener: DecisionListener) -> DecisionListener:
    """Register a listener for every decision, from any front end. Registering the same function twice is a no-op."""
    if listener not in decision_listeners:
        decision_listeners.append(listener)
    return listener


def _load(session: Session, request_id: int, *, lock: bool = True) -> SupportRequest:
    query = select(SupportRequest).where(SupportRequest.id == request_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        # Two workers pressing Claim (or Decide) at once: the second waits and then sees the first one's change.
        query = query.with_for_update(of=SupportRequest)
    request = session.scalar(query)
    if request is None:
        raise RequestNotFound(f"No request with id {request_id}.")
    return request


def claim(session: Session, request_id: int, actor: str, now: datetime, *, take_over: bool = False) -> SupportRequest:
    """Take a request: it is assigned to `actor` and moves into triage. Claiming your own claim again is a no-op.
    A request someone else has claimed is taken from them only with `take_over` (audited as request.taken_over)."""
    request = _load(session, request_id)
    if request.status == DECIDED:
        raise AlreadyDecided(f"{request.reference} has already been decided.")
    if request.assigned_to and identity_of_actor(request.assigned_to) == identity_of_actor(actor):
        return request
    if request.assigned_to:
        if not take_over:
            raise AlreadyClaimed(request.assigned_to)
        event = _take_over(session, request, actor, now)
        _update_hub_messages(session, request, now, event="claimed", audit_id=event.id)
        return request
    request.assigned_to = actor
    request.status = IN_TRIAGE
    event = audit.record(
        session, at=now, actor=actor, action="request.claimed", request_id=request.id, detail={"assigned_to": actor}
    )
    _update_hub_messages(session, request, now, event="claimed", audit_id=event.id)
    return request


def _take_over(session: Session, request: SupportRequest, actor: str, now: datetime) -> audit.AuditEvent:
    previous = request.assigned_to
    request.assigned_to = actor
    request.status = IN_TRIAGE
    return audit.record(
        session,
        at=now,
        actor=actor,
        action="request.taken_over",
        request_id=request.id,
        detail={"assigned_to": actor, "previously": previous},
    )


def assign(session: Session, request_id: int, assignee: str | None, actor: str, now: datetime) -> SupportRequest:
    """Give a request to `assignee` (or back to the queue with None). For managers; claim is for oneself."""
    request = _load(session, request_id)
    if request.status == DECIDED:
        raise AlreadyDecided(f"{request.reference} has already been decided.")
    previous = request.assigned_to
    if previous == assignee:
        return request
    request.assigned_to = assignee
    request.status = IN_TRIAGE if assignee else AWAITING_DECISION
    event = audit.record(
        session,
        at=now,
        actor=actor,
        action="request.assigned" if assignee else "request.unassigned",
        request_id=request.id,
        detail={"assigned_to": assignee, "previously": previous},
    )
    _update_hub_messages(session, request, now, event="assigned", audit_id=event.id)
    return request


def validate_decision(
    request: SupportRequest, *, outcome: str | None, hub_level: Any, rationale: str | None, override_reason: str | None
) -> tuple[str, int, str, str | None]:
    """Check a decision; raise DecisionInvalid with every problem at once."""
    errors: dict[str, str] = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = "Choose the outcome"
    try:
        level = int(hub_level)
        if level not in (1, 2, 3, 4):
            raise ValueError
    except (TypeError, ValueError):
        errors["hub_level"] = "Choose the hub's level of need, from 1 to 4"
        level = 0
    rationale = (rationale or "").strip()
    if not rationale:
        errors["rationale"] = "Enter the rationale for the decision"
    elif len(rationale) > MAX_RATIONALE:
        errors["rationale"] = f"The rationale must be {MAX_RATIONALE} characters or fewer"
    reason = (override_reason or "").strip() or None
    if level and level != request.level and reason is None:
        errors["override_reason"] = (
            f"Enter why the hub's level ({level}) differs from the recommended level ({request.level})"
        )
    elif reason is not None and len(reason) > MAX_RATIONALE:
        errors["override_reason"] = f"The reason must be {MAX_RATIONALE} characters or fewer"
    if errors:
        raise DecisionInvalid(errors)
    return str(outcome), level, rationale, reason


def record_decision(
    session: Session,
    request_id: int,
    *,
    outcome: str | None,
    hub_level: Any,
    rationale: str | None,
    override_reason: str | None,
    actor: str,
    now: datetime,
    take_over: bool = False,
) -> HubDecision:
    """Record the hub's decision, tell the referrer through the channel they used, update the hub's channel messages,
    and run the decision listeners — all in the caller's transaction. A request is decided once. Deciding a request
    someone else has claimed needs `take_over`, recorded as request.taken_over before the decision."""
    request = _load(session, request_id)
    if request.status == DECIDED:
        raise AlreadyDecided(f"{request.reference} was decided by {display_actor(request.decided_by)}.")
    outcome, level, rationale, reason = validate_decision(
        request, outcome=outcome, hub_level=hub_level, rationale=rationale, override_reason=override_reason
    )
    if request.assigned_to and identity_of_actor(request.assigned_to) != identity_of_actor(actor):
        if not take_over:
            raise AlreadyClaimed(request.assigned_to, doing="decide")
        _take_over(session, request, actor, now)
    decision = HubDecision(
        outcome=outcome,
        hub_level=level,
        recommended_level=request.level,
        rationale=rationale,
        override_reason=reason,
        actor=actor,
        decided_at=now,
    )
    request.status = DECIDED
    request.decided_at = now
    request.decided_by = actor
    request.hub_level = level
    request.hub_outcome = outcome
    request.hub_rationale = rationale
    request.override_reason = reason
    request.assigned_to = request.assigned_to or actor
    # Free text (rationale, reason) stays on the request; the audit chain gets only structured facts.
    event = audit.record(
        session,
        at=now,
        actor=actor,
        action="request.decided",
        request_id=request.id,
        detail={
            "outcome": outcome,
            "hub_level": level,
            "recommended_level": request.level,
            "overridden": decision.overridden,
            "rules_version": request.rules_version,
        },
    )
    _tell_referrer(session, request, decision, now)
    _update_hub_messages(session, request, now, event="decided", audit_id=event.id)
    for listener in list(decision_listeners):
        listener(session, request, decision, now)
    session.flush()
    return decision


def referrer_outcome_payload(request: SupportRequest, decision: HubDecision) -> dict[str, Any]:
    return {
        **request.summary(),
        "request_id": request.id,
        "received_at": request.received_at.isoformat(),
        "hub_outcome": decision.outcome,
        "outcome_label": decision.outcome_label,
        "hub_level": decision.hub_level,
        "recommended_level": decision.recommended_level,
        "next_steps": NEXT_STEPS[decision.outcome],
        "decided_at": decision.decided_at.isoformat(),
    }


def _tell_referrer(session: Session, request: SupportRequest, decision: HubDecision, now: datetime) -> None:
    """The outcome goes back where the referrer hears from the service (intake.referrer_reach); when nothing
    reaches them, the hub is asked to phone them, and that stays open until a person marks it done.

    Only the outcome, level and what happens next: the hub's rationale is the hub's record, not the referrer's.
    """
    tell_referrer(session, request, "referrer_outcome", referrer_outcome_payload(request, decision), now)
    if not reachable(request):
        phone_the_referrer(session, request, now, "no chat or confirmed email: tell them the outcome by phone")


def _update_hub_messages(
    session: Session, request: SupportRequest, now: datetime, *, event: str, audit_id: int
) -> None:
    """Ask each hub channel that was alerted about this request to update its message (summary fields only)."""
    alerts = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.request_id == request.id, OutboxMessage.kind == HUB_ALERT_KIND)
        .order_by(OutboxMessage.id)
    ).all()
    for alert in alerts:
        enqueue(
            session,
            channel=alert.channel,
            kind="hub_request_updated",
            recipient=dict(alert.recipient),
            payload={
                **alert.payload,
                **request.summary(),
                "request_id": request.id,
                "event": event,
                "assigned_to": display_actor(request.assigned_to) if request.assigned_to else None,
                "hub_level": request.hub_level,
                "hub_outcome": request.hub_outcome,
                "outcome_label": OUTCOMES.get(request.hub_outcome or ""),
                "decided_by": display_actor(request.decided_by) if request.decided_by else None,
                # The sweep's receipt for the original alert (Slack ts, Teams activity id) is on this row.
                "alert_message_id": alert.id,
                "alert_external_id": alert.external_id,
            },
            now=now,
            request_id=request.id,
            dedupe_key=f"hub_request_updated:{alert.id}:{audit_id}",
        )
