"""The hub web app's wiring: sign-in, role checks, the queue, request pages and the audit trail, on one Flask app.

Place in the flow: app.create_app -> **init_hub(app)** -> hub blueprints. Other hub pages (the managers' dashboard)
register their own blueprint and guard each view with hub.auth.require_role.
"""

from __future__ import annotations

from flask import Flask

from hub import audit_trail, follow_ups, queue, request_page, sign_in
from hub.auth import init_auth
from intake.actor import display_actor
from intake.triage import on_decision


def init_hub(app: Flask) -> None:
    init_auth(app)
    sign_in.init_sso(app)
    app.register_blueprint(sign_in.blueprint)
    app.register_blueprint(queue.blueprint)
    app.register_blueprint(request_page.blueprint)
    app.register_blueprint(audit_trail.blueprint)
    # Decisions from any front end (this app, Slack, Teams) schedule the early-help check-ins.
    on_decision(follow_ups.note_decision)
    app.add_template_filter(display_actor, "staff_name")
