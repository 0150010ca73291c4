"""The hub's list of submitted requests: reference, level, route, agency and deadline, newest first."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from intake.service import IntakeService
from intake.store.support_request import SupportRequest

blueprint = Blueprint("hub_requests", __name__, template_folder="templates")


@blueprint.get("/hub/requests")
def request_list() -> str:
    service: IntakeService = current_app.extensions["intake"]
    with service.db.reading() as s:
        rows = s.scalars(select(SupportRequest).order_by(SupportRequest.received_at.desc()).limit(200)).all()
    return render_template("hub/request_list.html", requests=rows)
