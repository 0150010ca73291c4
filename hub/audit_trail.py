"""A request's audit trail for hub managers: read it, check the hash chain, export it as CSV.

Place in the flow: every hub action and view writes intake.store.audit events -> **audit trail** lets a manager see
who saw and changed what, and shows whether the chain still verifies (any edited or deleted event breaks it).
Reading and exporting are themselves audited.
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


def check_chain(s: Session) -> ChainCheck:
    """Walk the whole log (the chain is global, so a request's events verify only as part of it)."""
    events = s.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000))
    counted = 0

    def counting():  # type: ignore[no-untyped-def]
        nonlocal counted
        for e in events:
            counted += 1
            yield e

    broken = audit.verify_chain(counting())
    return ChainCheck(broken is None, counted, broken)


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
        check = check_chain(s)
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
