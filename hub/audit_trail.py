"""A request's audit trail for hub managers: read it, check its events, export it as CSV.

Place in the flow: every hub action and view writes intake.store.audit events -> **audit trail** lets a manager see
who saw and changed what, and whether this request's events still verify. Reading and exporting are themselves
audited.

A page view checks only what it shows, so its cost does not grow with the whole log: each of the request's events
against its keyed hash, its link to the event just before it, and the log's newest event against the newest
checkpoint (read from the tail of the checkpoint file). The whole chain is checked by `earlyhelp audit verify`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth import HUB_MANAGER, current_staff, now, require_role
from intake.labels import neutralise
from intake.store import audit
from intake.store.audit import AuditEvent
from intake.store.support_request import SupportRequest

blueprint = Blueprint("hub_audit", __name__, template_folder="templates")

CSV_COLUMNS = ("id", "at", "actor", "action", "request_id", "detail", "prev_hash", "hash")


@dataclass(frozen=True)
class ChainCheck:
    intact: bool
    checked: int
    broken_at: int | None
    why: str = ""


def check_events(s: Session, events: list[AuditEvent]) -> ChainCheck:
    """Check these events (one request's) and the log's head against the newest checkpoint."""
    seal = audit.seal_of(s)
    for e in events:
        just_before = select(AuditEvent.hash, AuditEvent.keyed).where(AuditEvent.id < e.id)
        before = s.execute(just_before.order_by(AuditEvent.id.desc()).limit(1)).first()
        prev, after_keyed = (before[0], bool(before[1])) if before else (audit.GENESIS, False)
        why = audit.event_problem(seal, e, prev, after_keyed)
        if why is not None:
            return ChainCheck(False, len(events), e.id, why)
    latest = seal.latest_checkpoint()
    if latest is not None:
        event_id, event_hash = latest
        if s.scalar(select(AuditEvent.hash).where(AuditEvent.id == event_id)) != event_hash:
            return ChainCheck(False, len(events), event_id, "the newest checkpointed event was changed or removed")
    return ChainCheck(True, len(events), None)


def _events(s: Session, request_id: int) -> list[AuditEvent]:
    return list(s.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)))


@blueprint.get("/hub/requests/<int:request_id>/audit")
@require_role(HUB_MANAGER)
def trail(request_id: int) -> str:
    staff = current_staff()
    assert staff is not None
    with current_app.extensions["db"].transaction() as s:
        r = s.get(SupportRequest, request_id)
        if r is None:
            abort(404)
        events = _events(s, request_id)
        check = check_events(s, events)
        audit.record(
            s,
            at=now(),
            actor=staff.actor,
            action="audit.viewed",
            request_id=request_id,
            detail={"chain_intact": check.intact, "checked": check.checked},
        )
        return render_template("hub/audit.html", r=r, events=events, check=check)


@blueprint.get("/hub/requests/<int:request_id>/audit.csv")
@require_role(HUB_MANAGER)
def export(request_id: int) -> Response:
    staff = current_staff()
    assert staff is not None
    with current_app.extensions["db"].transaction() as s:
        r = s.get(SupportRequest, request_id)
        if r is None:
            abort(404)
        events = _events(s, request_id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for e in events:
            writer.writerow(
                [
                    e.id,
                    e.at.isoformat(),
                    _cell(e.actor),
                    e.action,
                    e.request_id,
                    _cell(json.dumps(e.detail, sort_keys=True)),
                    e.prev_hash,
                    e.hash,
                ]
            )
        audit.record(
            s, at=now(), actor=staff.actor, action="audit.exported", request_id=request_id, detail={"rows": len(events)}
        )
        reference = r.reference
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{reference}-audit.csv"'},
    )


def _cell(value: str) -> str:
    return neutralise(value)  # a cell a spreadsheet would run as a formula is quoted
