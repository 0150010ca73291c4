"""The hub web app's wiring: sign-in, role checks, the queue, request pages and the audit trail, on one Flask app.

Place in the flow: app.create_app -> **init_hub(app)** -> hub blueprints. Other hub pages (the managers' dashboard)
register their own blueprint and guard each view with hub.auth.require_role.
"""

from __future__ import annotations

from flask import Flask

from hub import queue, sign_in
from hub.auth import init_auth
from intake.actor import display_actor


def init_hub(app: Flask) -> None:
    init_auth(app)
    sign_in.init_sso(app)
    app.register_blueprint(sign_in.blueprint)
    app.register_blueprint(queue.blueprint)
    app.add_template_filter(display_actor, "staff_name")
