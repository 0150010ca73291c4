"""Messages the service gave up sending, for hub managers: each is a promise someone must now keep another way
(phone the referrer, post in the hub channel); follow-ups that failed are listed too. A manager can send a message
again once the cause is fixed, or mark it dealt with. Both are audited.

Place in the flow: outbox sweep (hub/outbox/sweep.py) marks a row failed -> **this page** -> retry (back to the
sweep) or cancel.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select

from hub.auth import HUB_MANAGER, current_staff, now, require_role
from hub.follow_ups import LABELS
from hub.outbox import cancel_message, failed_messages, retry_failed
from intake.store.follow_up import FAILED, FollowUp
from intake.store.support_request import SupportRequest

blueprint = Blueprint("hub_messages", __name__, template_folder="templates")


@blueprint.get("/hub/messages/failed")
@require_role(HUB_MANAGER)
def failed() -> str:
    with current_app.extensions["db"].reading() as s:
        messages = failed_messages(s, limit=200)
        follow_ups = s.scalars(
            select(FollowUp).where(FollowUp.status == FAILED).order_by(FollowUp.due_at.desc()).limit(200)
        ).all()
        ids = {m.request_id for m in messages if m.request_id} | {f.request_id for f in follow_ups if f.request_id}
        references = dict(
            s.execute(select(SupportRequest.id, SupportRequest.reference).where(SupportRequest.id.in_(ids))).all()
        )
    return render_template(
        "hub/failed_messages.html", messages=messages, follow_ups=follow_ups, labels=LABELS, references=references
    )


def _change(message_id: int, change: str) -> Response:
    staff = current_staff()
    assert staff is not None
    with current_app.extensions["db"].transaction() as s:
        done = (retry_failed if change == "retry" else cancel_message)(s, message_id, staff.actor, now())
    if not done:
        flash("That message has already been dealt with. The list below is up to date.", "error")
    elif change == "retry":
        flash("The message will be sent again within a minute.", "success")
    else:
        flash("The message is marked as dealt with and will not be sent.", "success")
    return redirect(url_for("hub_messages.failed"))


@blueprint.post("/hub/messages/<int:message_id>/retry")
@require_role(HUB_MANAGER)
def retry(message_id: int) -> Response:
    return _change(message_id, "retry")


@blueprint.post("/hub/messages/<int:message_id>/cancel")
@require_role(HUB_MANAGER)
def cancel(message_id: int) -> Response:
    return _change(message_id, "cancel")
